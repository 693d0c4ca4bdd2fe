//! Learning θ (docs/METHOD.md, "Objective"): Adam on the intervention parameters only, the model
//! frozen, both β directions on the same θ, L1 as a proximal step by default, a fixed step
//! budget with early stop, seeded. [`Fitter`] runs one step per call so that a UI can draw
//! live curves and stop it; NaN or Inf stops the fit and keeps the θ of the lowest objective
//! before it.

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::Tensor;

pub use activscalar_types::options::{FitOptions, L1Mode, StepReport, StopReason};

use crate::engine::read_vec;
use crate::error::{CoreError, Result};
pub use crate::groups::LengthGroup;
use crate::interventions::{Dims, Intervention, Method};
use crate::models::Model;
use crate::objective::{effectiveness, kl_non_answer, logit_diff};
use crate::optim::ProxAdamConfig;
use crate::rng::Rng;
use crate::tasks::{Example, PreparedTask};

/// The loss of one batch and its parts (all but `total` detached).
pub struct LossParts {
    /// Differentiable total loss.
    pub total: Tensor<1>,
    /// Effectiveness summed over β.
    pub effectiveness: Tensor<1>,
    /// Faithfulness (KL) summed over β, before λ_F.
    pub faithfulness: Tensor<1>,
    /// ‖θ‖₁.
    pub l1: Tensor<1>,
    /// LD per prompt for each trained β, `[N]` each.
    pub logit_diffs: Vec<Tensor<1>>,
}

/// L = Σ_β (L_E,β + λ_F·L_F,β) (+ λ_M·‖θ‖₁ when L1 is a loss term) on one batch, given as
/// its [`LengthGroup`]s: each group's means weigh by its share of the batch's prompts, so the
/// loss is the batch's mean, as if it were one padded forward pass.
pub fn batch_loss(
    model: &Model,
    iv: &Intervention,
    groups: &[LengthGroup],
    o: &FitOptions,
) -> Result<LossParts> {
    let n: usize = groups.iter().map(LengthGroup::len).sum();
    if n == 0 {
        return Err(CoreError::Input("a batch needs at least one prompt".into()));
    }
    let (mut total, mut eff, mut faith, mut lds) = (
        None::<Tensor<1>>,
        None::<Tensor<1>>,
        None::<Tensor<1>>,
        Vec::new(),
    );
    let add = |acc: Option<Tensor<1>>, t: Tensor<1>| Some(acc.map_or(t.clone(), |a| a + t));
    let betas = o.directions.betas();
    let beta_rows: Vec<f32> = betas.iter().map(|&b| b as f32).collect();
    let mut beta_lds = vec![Vec::with_capacity(groups.len()); betas.len()];
    for g in groups {
        let (m, share) = (g.len(), g.len() as f64 / n as f64);
        // Both directions in one forward pass; rows [i·m, (i+1)·m) are β = betas[i].
        let all = iv.logits_at(model, &g.tokens, g.positions.clone(), &beta_rows)?;
        for (i, &beta) in betas.iter().enumerate() {
            let logits = all.clone().narrow(0, i * m, m);
            let e =
                effectiveness(o.effectiveness, logits.clone(), &g.targets, beta, o.margin) * share;
            let f = kl_non_answer(logits.clone(), &g.targets).mean() * share;
            beta_lds[i].push(logit_diff(logits.inner(), &g.targets));
            total = add(total, e.clone() + f.clone() * o.lambda_f);
            eff = add(eff, e.inner());
            faith = add(faith, f.inner());
        }
    }
    lds.extend(beta_lds.into_iter().map(|l| Tensor::cat(l, 0)));
    let l1 = iv.l1();
    let mut total = total.expect("at least one direction and one group");
    if o.l1_mode == L1Mode::Loss {
        total = total + l1.clone() * o.lambda_m;
    }
    Ok(LossParts {
        total,
        effectiveness: eff.expect("set"),
        faithfulness: faith.expect("set"),
        l1: l1.inner(),
        logit_diffs: lds,
    })
}

/// A fit in progress.
pub struct Fitter<'m> {
    model: &'m Model,
    opts: FitOptions,
    /// The mini-batches (one per step, the whole training split by default), each cut into
    /// its prompts' length groups.
    batches: Vec<Vec<LengthGroup>>,
    order: Vec<usize>,
    rng: Rng,
    /// θ being fitted (its parameters autodiff leaves).
    iv: Intervention,
    /// Adam with the proximal L1 step, holding each parameter's moments.
    optim: ModuleOptimizer,
    step: usize,
    /// Lowest objective so far (loss plus λ_M·L1 when L1 is a proximal step); with several
    /// mini-batches, the lowest mean over an epoch.
    best_loss: f64,
    since_best: usize,
    /// Objectives of the current epoch's steps so far (one per mini-batch).
    epoch: Vec<f64>,
    /// θ at the lowest objective so far, and the step it was measured at: a fit that ends
    /// (budget, early stop, Stop button) returns this θ.
    best: Intervention,
    best_step: usize,
    /// The same best θ copied to the host (read back with each step's losses), so that a lost
    /// GPU device does not lose it; `None` before the first step.
    best_host: Option<Vec<Vec<f32>>>,
    stop: Option<StopReason>,
    /// Every step so far.
    pub history: Vec<StepReport>,
}

/// θ's shape for `task` on `model` (positions: the task's position keys).
pub fn dims_for(model: &Model, task: &PreparedTask, method: Method) -> Result<Dims> {
    let positions = if method.is_position_tied() {
        if task.keys.is_empty() {
            return Err(CoreError::Input(format!(
                "{} ties θ to positions, and this task was prepared without position keys (prepare it for this method)",
                method.as_str(),
            )));
        }
        task.keys.len()
    } else {
        0
    };
    Ok(Dims {
        sites: 2,
        layers: model.config().n_layers,
        positions,
        d_model: model.config().d_model,
    })
}

impl<'m> Fitter<'m> {
    /// Prepares a fit of θ = 0 (or of `start`, for warm starts) on `task`'s training split.
    /// The base model's outputs are computed here, once per batch.
    pub fn new(
        model: &'m Model,
        task: &PreparedTask,
        opts: FitOptions,
        start: Option<Intervention>,
    ) -> Result<Fitter<'m>> {
        let dims = dims_for(model, task, opts.method)?;
        let device = model.device();
        let batch_size = if opts.batch_size == 0 {
            task.train.len()
        } else {
            opts.batch_size
        };
        if task.train.is_empty() {
            return Err(CoreError::Input("the task has no training prompts".into()));
        }
        let batches = task
            .train
            .chunks(batch_size.max(1))
            .map(|b| {
                let b: Vec<&Example> = b.iter().collect();
                LengthGroup::prepare(model, &b, dims.positions)
            })
            .collect::<Result<Vec<_>>>()?;
        let iv = match start {
            Some(s) if s.method == opts.method && s.dims == dims => s,
            _ => Intervention::zeros(opts.method, dims, device),
        }
        .train();
        let optim = ProxAdamConfig::new()
            .with_prox_l1(match opts.l1_mode {
                L1Mode::Loss => 0.0,
                L1Mode::Proximal | L1Mode::ProximalAdam => opts.lambda_m,
            })
            .with_prox_preconditioned(opts.l1_mode == L1Mode::ProximalAdam)
            .init();
        Ok(Fitter {
            model,
            rng: Rng::new(opts.seed),
            order: (0..batches.len()).collect(),
            batches,
            best_loss: f64::INFINITY,
            best: iv.clone(),
            best_step: 0,
            best_host: None,
            iv,
            optim,
            step: 0,
            since_best: 0,
            epoch: Vec::new(),
            stop: None,
            history: Vec::new(),
            opts,
        })
    }

    /// The fit's progress on the host, to [`resume`](Fitter::resume) it on another device
    /// (after the GPU device was lost, its tensors are gone; this copy is not).
    pub fn snapshot(&self) -> FitSnapshot {
        FitSnapshot {
            best_theta: self.best_host.clone(),
            best_step: self.best_step,
            best_loss: self.best_loss,
            steps_run: self.step,
            since_best: self.since_best,
            epoch: self.epoch.clone(),
            history: self.history.clone(),
        }
    }

    /// Continues a fit from `snap` on `model` (a fresh device): θ restarts at the snapshot's
    /// best θ, step count, history and early-stop state carry over; Adam's moment estimates
    /// restart from zero. With mini-batches, the interrupted epoch goes on in its own batch
    /// order and is judged on all its steps.
    pub fn resume(
        model: &'m Model,
        task: &PreparedTask,
        opts: FitOptions,
        snap: FitSnapshot,
    ) -> Result<Fitter<'m>> {
        let dims = dims_for(model, task, opts.method)?;
        let start = snap
            .best_theta
            .as_deref()
            .map(|v| Intervention::from_host(opts.method, dims, v, model.device()))
            .transpose()?;
        let mut f = Fitter::new(model, task, opts, start)?;
        // The mini-batch order of the interrupted epoch: replay the shuffles made so far.
        for _ in 0..snap.steps_run.div_ceil(f.batches.len()) {
            f.rng.shuffle(&mut f.order);
        }
        f.epoch = snap.epoch;
        f.step = snap.steps_run;
        f.best_step = snap.best_step;
        f.best_loss = snap.best_loss;
        f.since_best = snap.since_best;
        f.best_host = snap.best_theta;
        f.history = snap.history;
        Ok(f)
    }

    /// Options of this fit.
    pub fn options(&self) -> &FitOptions {
        &self.opts
    }

    /// Steps run so far.
    pub fn steps_run(&self) -> usize {
        self.step
    }

    /// Why the fit ended, if it has.
    pub fn stop_reason(&self) -> Option<&StopReason> {
        self.stop.as_ref()
    }

    /// Whether the fit has ended.
    pub fn is_done(&self) -> bool {
        self.stop.is_some()
    }

    /// Ends the fit at the user's request, keeping the best θ so far.
    pub fn stop(&mut self) {
        if self.stop.is_none() {
            self.stop = Some(StopReason::Stopped);
            self.keep_best();
        }
    }

    /// The step whose θ is (or will be, when the fit ends) the result: the lowest objective.
    pub fn best_step(&self) -> usize {
        self.best_step
    }

    fn keep_best(&mut self) {
        if self.best_step > 0 {
            self.iv = self.best.clone();
        }
    }

    /// Steps to the end of the fit (budget, early stop, a non-finite loss), calling `on_step`
    /// after each step; `on_step` returning `true` stops the fit there (the user's Stop).
    /// Returns whether it was stopped that way.
    pub async fn run(&mut self, mut on_step: impl AsyncFnMut(&StepReport) -> bool) -> Result<bool> {
        let mut stopped = false;
        while let Some(report) = self.step().await? {
            if on_step(&report).await {
                stopped = true;
                self.stop();
            }
        }
        Ok(stopped)
    }

    /// Runs one optimiser step; returns its report, or `None` when the fit has ended.
    pub async fn step(&mut self) -> Result<Option<StepReport>> {
        if self.stop.is_some() {
            return Ok(None);
        }
        if self.step.is_multiple_of(self.batches.len()) {
            self.rng.shuffle(&mut self.order);
        }
        let groups = &self.batches[self.order[self.step % self.batches.len()]];
        let o = &self.opts;
        let n: usize = groups.iter().map(LengthGroup::len).sum();
        let parts = batch_loss(self.model, &self.iv, groups, o)?;
        let mut summary = vec![
            parts.total.clone().inner(),
            parts.effectiveness,
            parts.faithfulness,
            parts.l1,
        ];
        summary.extend(parts.logit_diffs);
        // θ as measured, read back with the losses (one read-back per step).
        let theta = self.iv.values();
        let theta_sizes: Vec<usize> = theta.iter().map(|l| l.dims()[0]).collect();
        summary.extend(theta.into_iter().map(Tensor::inner));
        let summary = Tensor::cat(summary, 0);
        let grads = GradientsParams::from_grads(parts.total.backward(), &self.iv);
        let measured = self.iv.clone();
        self.iv = self.optim.step(o.lr, measured.clone(), grads);
        let mut s = read_vec(summary).await.map_err(CoreError::Backend)?;
        let theta_host = split_sizes(
            s.split_off(s.len() - theta_sizes.iter().sum::<usize>()),
            &theta_sizes,
        );
        self.step += 1;
        let flip = |lds: &[f32], beta: f32| {
            lds.iter().filter(|&&l| l * beta > 0.0).count() as f64 / n as f64
        };
        let report = StepReport {
            step: self.step,
            loss: s[0] as f64,
            effectiveness: s[1] as f64,
            faithfulness: s[2] as f64,
            l1: s[3] as f64,
            flip_plus: flip(&s[4..4 + n], 1.0),
            flip_minus: (s.len() > 4 + n).then(|| flip(&s[4 + n..4 + 2 * n], -1.0)),
        };
        if !report.loss.is_finite() {
            // θ of the lowest objective so far (the starting θ when no step was finite).
            self.iv = self.best.clone();
            let kept = match self.best_step {
                0 => "the starting parameters were kept".to_string(),
                b => {
                    format!("the parameters of step {b}, the lowest objective before it, were kept")
                }
            };
            self.stop = Some(StopReason::NonFinite(format!(
                "the loss became {} at step {}; {kept}",
                report.loss, self.step
            )));
            return Ok(Some(report));
        }
        // Best θ and early stop judge the loss *before* this update (the one θ was measured
        // at). Each mini-batch's loss is measured on different prompts, so with several
        // batches θ is judged once per epoch, on the mean over its batches: step by step, an
        // easy batch would pass for a better θ. The θ kept is the one of the epoch's last
        // step; steps after the last whole epoch are not judged. Within the first epoch each
        // step sets a provisional best, so that a fit ended there keeps a measured θ; the
        // first whole epoch replaces it.
        let objective = match o.l1_mode {
            L1Mode::Loss => report.loss,
            _ => report.loss + o.lambda_m * report.l1,
        };
        self.epoch.push(objective);
        let batches = self.batches.len();
        if self.step.is_multiple_of(batches) {
            let mean = self.epoch.iter().sum::<f64>() / self.epoch.len() as f64;
            self.epoch.clear();
            let first = self.step == batches;
            self.judge(mean, batches, first, &measured, theta_host);
        } else if self.step < batches {
            self.judge(objective, 1, false, &measured, theta_host);
        }
        self.history.push(report);
        if self.step >= self.opts.steps {
            self.stop = Some(StopReason::Budget);
        } else if self.since_best >= self.opts.patience {
            self.stop = Some(StopReason::EarlyStop);
        }
        if self.stop.is_some() {
            self.keep_best();
        }
        Ok(Some(report))
    }

    /// Records `objective`, measured over `steps` steps at θ = `measured`: the new best when
    /// lower than the best so far (or when `replace`), and the early-stop count.
    fn judge(
        &mut self,
        objective: f64,
        steps: usize,
        replace: bool,
        measured: &Intervention,
        host: Vec<Vec<f32>>,
    ) {
        if replace || objective < self.best_loss * (1.0 - 1e-4 * self.best_loss.signum()) {
            self.since_best = 0;
        } else {
            self.since_best += steps;
        }
        if replace || objective < self.best_loss {
            self.best_loss = objective;
            self.best = measured.clone();
            self.best_host = Some(host);
            self.best_step = self.step;
        }
    }

    /// The current θ, detached from the autodiff graph.
    pub fn intervention(&self) -> Intervention {
        self.iv.valid()
    }

    /// The training split's prompts with the base model's outputs, computed when the fit was
    /// prepared (so that evaluating θ on the training split runs only θ's forward passes).
    pub fn train_groups(&self) -> Vec<&LengthGroup> {
        self.batches.iter().flatten().collect()
    }
}

/// A fit's progress held on the host (see [`Fitter::snapshot`]).
#[derive(Debug, Clone)]
pub struct FitSnapshot {
    /// The best θ so far, per leaf; `None` when no step had finished.
    pub best_theta: Option<Vec<Vec<f32>>>,
    /// Step that θ was measured at.
    pub best_step: usize,
    /// Its objective.
    pub best_loss: f64,
    /// Steps run before the snapshot.
    pub steps_run: usize,
    /// Steps since the objective last improved (early stop).
    pub since_best: usize,
    /// Objectives of the interrupted epoch's steps (mini-batches).
    pub epoch: Vec<f64>,
    /// Every step's report.
    pub history: Vec<StepReport>,
}

/// Cuts `flat` into consecutive pieces of `sizes`.
fn split_sizes(flat: Vec<f32>, sizes: &[usize]) -> Vec<Vec<f32>> {
    let mut at = 0;
    sizes
        .iter()
        .map(|&n| {
            at += n;
            flat[at - n..at].to_vec()
        })
        .collect()
}

/// Runs one tiny training step (forward, backward, Adam) so that a GPU backend compiles its
/// kernels up front — in the browser this happens while the page says so, not at the first
/// click. Two 4-token prompts; θ is discarded.
pub async fn warm_up(model: &Model) -> Result<()> {
    let example = |k: u32| {
        let row = crate::tasks::Row {
            prompt: String::new(),
            correct: String::new(),
            wrong: String::new(),
        };
        Example::positional(row, vec![k, k + 1, k + 2, k + 3], 1, 2)
    };
    let task = PreparedTask::positional(vec![example(0), example(1)], Vec::new());
    let mut opts = FitOptions::new(Method::ActivScalar);
    opts.steps = 1;
    let mut fitter = Fitter::new(model, &task, opts, None)?;
    fitter.step().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loaders::model_files::{ModelFiles, load_model};
    use crate::tasks::Row;
    use burn::tensor::Device;

    fn tiny() -> crate::LoadedModel {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures/tiny-llama");
        load_model(ModelFiles::from_path(&dir).unwrap(), &Device::flex()).unwrap()
    }

    /// Six 4-token prompts, all in training.
    fn six_prompts() -> PreparedTask {
        let row = Row {
            prompt: String::new(),
            correct: String::new(),
            wrong: String::new(),
        };
        let train: Vec<Example> = (0..6)
            .map(|i| Example::positional(row.clone(), vec![1 + i, 2, 3, 4], 5, 6))
            .collect();
        PreparedTask::positional(train, Vec::new())
    }

    #[test]
    fn a_non_finite_loss_after_the_best_step_keeps_the_best_theta() {
        let m = tiny();
        let task = six_prompts();
        let mut opts = FitOptions::new(Method::ActivScalar);
        // A learning rate that makes the objective bump, so that the best step is not the last.
        (opts.steps, opts.lr, opts.patience) = (100, 1.5, 1000);
        let mut fit = Fitter::new(&m.model, &task, opts, None).unwrap();
        let mut measured = Vec::new();
        while fit.step < 12 || fit.best_step == fit.step {
            measured.push(pollster::block_on(fit.intervention().to_host()).unwrap());
            pollster::block_on(fit.step()).unwrap();
            assert!(fit.step < 60, "the objective never bumped");
        }
        let (best, last) = (fit.best_step, fit.step);
        assert_ne!(measured[best - 1], measured[last - 1]);
        // From here the loss cannot be finite (an infinite margin).
        fit.opts.margin = f64::INFINITY;
        let report = pollster::block_on(fit.step()).unwrap().unwrap();
        assert!(!report.loss.is_finite());
        let Some(StopReason::NonFinite(why)) = fit.stop_reason() else {
            panic!("the fit did not stop: {:?}", fit.stop_reason());
        };
        let expected = format!(
            "at step {}; the parameters of step {best}, the lowest",
            last + 1
        );
        assert!(why.contains(&expected), "{why}");
        assert_eq!(
            pollster::block_on(fit.intervention().to_host()).unwrap(),
            measured[best - 1]
        );
        assert!(pollster::block_on(fit.step()).unwrap().is_none());
    }

    #[test]
    fn a_resumed_fit_goes_on_with_its_epoch_in_the_same_batch_order() {
        let m = tiny();
        let task = six_prompts();
        let mut opts = FitOptions::new(Method::ActivScalar);
        (opts.batch_size, opts.steps, opts.seed) = (2, 100, 1);
        let mut fit = Fitter::new(&m.model, &task, opts.clone(), None).unwrap();
        for _ in 0..4 {
            pollster::block_on(fit.step()).unwrap();
        }
        // Mid-way through the second epoch, whose order is not the unshuffled one.
        assert_eq!(fit.batches.len(), 3);
        assert_ne!(fit.order, [0, 1, 2], "pick another seed");
        assert_eq!(fit.epoch.len(), 1);
        let resumed = Fitter::resume(&m.model, &task, opts, fit.snapshot()).unwrap();
        assert_eq!(resumed.order, fit.order);
        assert_eq!(resumed.epoch, fit.epoch);
        assert_eq!(resumed.best_step, 3);
    }
}
