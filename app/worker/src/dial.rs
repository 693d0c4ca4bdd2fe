//! Using the model interactively in the worker: next-token predictions, and the β dial of a
//! result (its θ on the device, its prompts, probes and continuations at any β).

use std::rc::Rc;

use activscalar_core::interventions::Intervention;
use activscalar_core::metrics::beta_curve;
use activscalar_core::predict::predict;
use activscalar_core::readouts::{BetaPoint, beta_grid};
use activscalar_core::result::{
    FitResult, SiteEffect, check_positions, effects_of, intervention_for,
};
use activscalar_core::steer::{continuation, probe};
use activscalar_core::tasks::{Example, Row, prepare};

use super::Session;
use activscalar_types::protocol::{PredictionReport, Probed};

/// The result on the dial: θ on the device and on the host, its prompts (test split first),
/// and what measuring a cell's effect needs.
pub struct Dial {
    iv: Intervention,
    host: Vec<Vec<f32>>,
    examples: Vec<Example>,
    /// How many of `examples` are test prompts.
    test: usize,
    /// Mean test LD at β = +1 with every cell.
    full: f64,
}

impl Session {
    /// The top 10 next tokens after `prompt`.
    pub(super) async fn predict(self: Rc<Self>, prompt: &str) -> Result<PredictionReport, String> {
        let _job = self.job().await;
        let m = self.model()?;
        let p = predict(&m, prompt, 10).await.map_err(|e| e.to_string())?;
        Ok(PredictionReport {
            tokens: p
                .prompt_ids
                .iter()
                .map(|&t| m.tokenizer.token_text(t))
                .collect(),
            top: p.top,
        })
    }

    /// Puts `result` on the β dial: θ onto the device (checked against the loaded model) and
    /// its task's prompts prepared. Returns the prompts' rows.
    pub(super) fn set_dial(&self, result: FitResult) -> Result<Vec<Row>, String> {
        *self.dial.borrow_mut() = None;
        let m = self.model()?;
        let iv = intervention_for(&result, &m).map_err(|e| e.to_string())?;
        let task = prepare(
            &result.task,
            &m.tokenizer,
            result.options.method.is_position_tied(),
        )
        .map_err(|e| e.to_string())?;
        check_positions(&result, &task).map_err(|e| e.to_string())?;
        let test = task.test.len();
        let mut examples = task.test;
        examples.extend(task.validation);
        examples.extend(task.train);
        let rows = examples.iter().map(|e| e.row.clone()).collect();
        *self.dial.borrow_mut() = Some(Rc::new(Dial {
            iv,
            host: result.theta.values,
            examples,
            test,
            full: result.test.plus.mean_ld,
        }));
        Ok(rows)
    }

    /// The result on the dial, or why there is none.
    fn current_dial(&self) -> Result<Rc<Dial>, String> {
        self.dial
            .borrow()
            .clone()
            .ok_or_else(|| "no result is on the β dial".to_string())
    }

    /// The dial's θ and prompt `i`.
    fn dial_prompt(&self, i: usize) -> Result<(Rc<Dial>, Example), String> {
        let dial = self.current_dial()?;
        let ex = dial
            .examples
            .get(i)
            .cloned()
            .ok_or("no such prompt on the dial")?;
        Ok((dial, ex))
    }

    /// Prompt `prompt` at β = 0 and at `beta`.
    pub(super) async fn probe(self: Rc<Self>, prompt: usize, beta: f64) -> Result<Probed, String> {
        let _job = self.job().await;
        let m = self.model()?;
        let (dial, ex) = self.dial_prompt(prompt)?;
        let err = |e: activscalar_core::CoreError| e.to_string();
        Ok(Probed {
            prompt,
            base: probe(&m, None, &ex, 0.0).await.map_err(err)?,
            steered: probe(&m, Some(&dial.iv), &ex, beta).await.map_err(err)?,
        })
    }

    /// The effects of `cells` of the dial's θ on its test prompts (ActivScalar).
    pub(super) async fn effects(
        self: Rc<Self>,
        cells: Vec<usize>,
    ) -> Result<Vec<SiteEffect>, String> {
        let _job = self.job().await;
        let m = self.model()?;
        let dial = self.current_dial()?;
        let n_cells = dial.iv.dims.n_cells(dial.iv.method);
        if let Some(c) = cells.iter().find(|&&c| c >= n_cells) {
            return Err(format!("no cell {c}: θ has {n_cells}"));
        }
        effects_of(
            &m.model,
            &dial.iv,
            &dial.host,
            &cells,
            &dial.examples[..dial.test],
            dial.full,
        )
        .await
        .map_err(|e| e.to_string())
    }

    /// The dose-response of the dial's θ on its test prompts.
    pub(super) async fn curve(self: Rc<Self>) -> Result<Vec<BetaPoint>, String> {
        let _job = self.job().await;
        let m = self.model()?;
        let dial = self.current_dial()?;
        beta_curve(
            &m.model,
            &dial.iv,
            &dial.examples[..dial.test],
            &beta_grid(),
        )
        .await
        .map_err(|e| e.to_string())
    }

    /// Greedy continuations of prompt `prompt` for `tokens` tokens, at β = 0 and at `beta`.
    pub(super) async fn continuation(
        self: Rc<Self>,
        prompt: usize,
        beta: f64,
        tokens: usize,
    ) -> Result<(String, String), String> {
        let _job = self.job().await;
        let m = self.model()?;
        let (dial, ex) = self.dial_prompt(prompt)?;
        let tokens = tokens.min(64);
        let err = |e: activscalar_core::CoreError| e.to_string();
        let plain = continuation(&m, None, &ex, 0.0, tokens)
            .await
            .map_err(err)?;
        let steered = continuation(&m, Some(&dial.iv), &ex, beta, tokens)
            .await
            .map_err(err)?;
        Ok((m.tokenizer.decode(&plain), m.tokenizer.decode(&steered)))
    }
}
