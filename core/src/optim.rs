//! Adam with an optional proximal L1 step (docs/METHOD.md, "Objective"), written as a burn
//! [`Optimizer`]: burn's [`ModuleOptimizer`] walks θ's parameters and keeps each one's moments,
//! this file only says how one tensor is updated.

use burn::config::Config;
use burn::optim::{AdaptiveMomentumState, LearningRate, ModuleOptimizer, Optimizer};
use burn::tensor::{Device, Tensor};

/// Hyper-parameters of [`ProxAdam`]; the learning rate is given at each step.
#[derive(Config, Debug)]
pub struct ProxAdamConfig {
    /// First-moment decay.
    #[config(default = 0.9)]
    pub beta_1: f64,
    /// Second-moment decay.
    #[config(default = 0.999)]
    pub beta_2: f64,
    /// Denominator epsilon.
    #[config(default = 1e-8)]
    pub epsilon: f64,
    /// Proximal L1 strength λ: after each step θ ← sign(θ)·max(|θ| − k, 0). Zero disables it.
    #[config(default = 0.0)]
    pub prox_l1: f64,
    /// Threshold k of the proximal step: `lr·λ` (plain), or `lr·λ/(√v̂ + ε)` per coordinate
    /// (the proximal step in Adam's own metric, so that coordinates are kept for the size of
    /// their gradients, not only for its sign).
    #[config(default = false)]
    pub prox_preconditioned: bool,
}

impl ProxAdamConfig {
    /// The optimiser for a whole module (every `Param` of θ).
    pub fn init(&self) -> ModuleOptimizer {
        ModuleOptimizer::from(ProxAdam {
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            epsilon: self.epsilon,
            prox_l1: self.prox_l1,
            prox_preconditioned: self.prox_preconditioned,
        })
    }
}

/// Adam (bias-corrected moments, ε outside the square root) followed by the proximal step of
/// λ‖θ‖₁. Its per-parameter state is burn's own Adam moment state.
#[derive(Clone, Debug)]
pub struct ProxAdam {
    beta_1: f64,
    beta_2: f64,
    epsilon: f64,
    prox_l1: f64,
    prox_preconditioned: bool,
}

impl Optimizer for ProxAdam {
    type State<const D: usize> = AdaptiveMomentumState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let (m, v, t) = match state {
            Some(s) => (s.moment_1, s.moment_2, s.time),
            None => (grad.zeros_like(), grad.zeros_like(), 0),
        };
        let t = t + 1;
        let m = m * self.beta_1 + grad.clone() * (1.0 - self.beta_1);
        let v = v * self.beta_2 + grad.square() * (1.0 - self.beta_2);
        let m_hat = m.clone() / (1.0 - self.beta_1.powi(t as i32));
        let v_hat = v.clone() / (1.0 - self.beta_2.powi(t as i32));
        let denom = v_hat.sqrt() + self.epsilon;
        let mut p = tensor - m_hat / denom.clone() * lr;
        if self.prox_l1 > 0.0 {
            p = if self.prox_preconditioned {
                let k = denom.recip() * (lr * self.prox_l1);
                shrink(p, |a| a - k)
            } else {
                soft_threshold(p, lr * self.prox_l1)
            };
        }
        (p, Some(AdaptiveMomentumState::new(t, m, v)))
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        state.to_device(device)
    }
}

/// sign(x)·max(|x| − k, 0): the proximal operator of k·‖x‖₁.
pub fn soft_threshold<const D: usize>(x: Tensor<D>, k: f64) -> Tensor<D> {
    shrink(x, |a| a - k)
}

/// sign(x)·max(minus_k(|x|), 0): the soft threshold for a threshold `k` that is one number or
/// one per coordinate (`minus_k` subtracts it).
fn shrink<const D: usize>(x: Tensor<D>, minus_k: impl FnOnce(Tensor<D>) -> Tensor<D>) -> Tensor<D> {
    x.clone().sign() * minus_k(x.abs()).clamp_min(0.0)
}
