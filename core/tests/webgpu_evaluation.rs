//! A fit's evaluation on burn's wgpu backend measures what it measures on the CPU: every
//! split's metrics and the cells' effects, on the tiny Llama fixture, with role-keyed and
//! positional prompts. Natively the adapter is Mesa's lavapipe (Vulkan on the CPU), which the
//! test command installs; without an adapter the test is skipped with a note, except in CI.

use std::path::PathBuf;

use activscalar_core::engine::{BackendKind, Engine};
use activscalar_core::evaluation::{SplitsMeasured, evaluate_splits};
use activscalar_core::fit::LengthGroup;
use activscalar_core::interventions::{Dims, Intervention, Method};
use activscalar_core::rng::Rng;
use activscalar_core::tasks::Example;
use activscalar_core::{Device, LoadedModel, ModelFiles, load_model};

mod common;
use common::{assert_same_split, random_prompt};

fn tiny(device: &Device) -> LoadedModel {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures/tiny-llama");
    load_model(ModelFiles::from_path(&dir).unwrap(), device).unwrap()
}

/// `n` prompts of `len` random ids with random answers; keyed by `keys` (one list after another,
/// each prompt as long as its list) if given.
fn prompts(n: usize, len: usize, seed: u64, keys: Option<&[Vec<u32>]>) -> Vec<Example> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let len = keys.map_or(len, |k| k[i % k.len()].len());
            let mut e = random_prompt(i, len, 300, &mut rng);
            (e.pos, e.neg) = (1 + rng.below(299) as u32, 1 + rng.below(299) as u32);
            if let Some(keys) = keys {
                e.keys = keys[i % keys.len()].clone();
            }
            e
        })
        .collect()
}

/// The evaluation of a fixed θ on `device`: the training split's base outputs from the fit's
/// groups (`known`) or computed afresh; prompts of one length (`mixed` false) or of three,
/// role-keyed and positional.
fn measure(device: &Device, known: bool, mixed: bool) -> SplitsMeasured {
    let m = tiny(device);
    let keyed = [vec![0, 1, 2, 2, 3, 4], vec![0, 1, 3, 4]];
    let keyed = mixed.then_some(&keyed[..]);
    let train = prompts(6, 5, 1, keyed);
    let validation = prompts(3, 5, 2, None);
    let mut test = prompts(8, 5, 3, None);
    if mixed {
        test.extend(prompts(4, 5, 4, keyed));
    }
    let dims = Dims {
        sites: 2,
        layers: m.model.config().n_layers,
        positions: 5,
        d_model: m.model.config().d_model,
    };
    let n = dims.n_cells(Method::ActivScalar);
    let alpha: Vec<f32> = (0..n)
        .map(|k| 0.3 * (((k * 7919) % 13) as f32 / 13.0 - 0.45))
        .collect();
    let iv = Intervention::from_host(Method::ActivScalar, dims, &[alpha], device).unwrap();
    let refs: Vec<&Example> = train.iter().collect();
    let groups = match known {
        true => LengthGroup::prepare(&m.model, &refs, dims.positions).unwrap(),
        false => Vec::new(),
    };
    let groups: Vec<&LengthGroup> = groups.iter().collect();
    let train = (&train[..], known.then_some(&groups[..]));
    let cells: &[usize] = match mixed {
        true => &[1, 3, 5 + 2, 2 * 5 + 4, 3 * 5, 5, 2 * 5 + 1, 3 * 5 + 3, 4],
        false => &[],
    };
    pollster::block_on(evaluate_splits(
        &m.model,
        &iv,
        train,
        &validation,
        &test,
        cells,
    ))
    .unwrap()
}

#[test]
fn an_evaluation_on_wgpu_measures_what_it_measures_on_the_cpu() {
    let gpu = Engine::gpu_or_cpu_blocking();
    if gpu.kind != BackendKind::WebGpu {
        let why = gpu.fallback_reason.unwrap_or_default();
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs a wgpu adapter: {why}"
        );
        eprintln!("skipped: {why}");
        return;
    }
    for (known, mixed) in [(false, false), (true, true), (false, true)] {
        let on_gpu = measure(&gpu.device, known, mixed);
        let on_cpu = measure(&Device::flex(), known, mixed);
        assert_same_split(&on_gpu.train, &on_cpu.train, "training split", 1e-3);
        let (gv, cv) = (on_gpu.validation.unwrap(), on_cpu.validation.unwrap());
        assert_same_split(&gv, &cv, "validation split", 1e-3);
        assert_same_split(&on_gpu.test, &on_cpu.test, "test split", 1e-3);
        assert_eq!(on_gpu.effects.len(), on_cpu.effects.len());
        for ((cell, g), (_, c)) in on_gpu.effects.iter().zip(&on_cpu.effects) {
            assert!((g - c).abs() < 1e-3, "cell {cell}: wgpu {g}, CPU {c}");
        }
    }
}
