//! Adam on raw tensors, with an optional proximal L1 step (docs/METHOD.md, "Objective").
//!
//! Only the intervention parameters θ are trained, so the optimiser works on a handful of
//! tensors identified by a slot number rather than on a burn `Module`.

use std::collections::HashMap;

use burn::tensor::Tensor;

/// Hyper-parameters of [`Adam`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamConfig {
    /// Learning rate.
    pub lr: f64,
    /// First-moment decay.
    pub beta1: f64,
    /// Second-moment decay.
    pub beta2: f64,
    /// Denominator epsilon.
    pub eps: f64,
    /// Proximal L1 strength λ: after each step θ ← sign(θ)·max(|θ| − k, 0). Zero disables it.
    pub prox_l1: f64,
    /// Threshold k of the proximal step: `lr·λ` (plain), or `lr·λ/(√v̂ + ε)` per coordinate
    /// (the proximal step in Adam's own metric, so that coordinates are kept for the size of
    /// their gradients, not only for its sign).
    pub prox_preconditioned: bool,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            lr: 1e-2,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            prox_l1: 0.0,
            prox_preconditioned: false,
        }
    }
}

/// Adam state: moments per parameter slot, kept off the autodiff graph.
pub struct Adam {
    /// Hyper-parameters.
    pub config: AdamConfig,
    moments: HashMap<usize, (Tensor<1>, Tensor<1>, i32)>,
}

impl Adam {
    /// A fresh optimiser.
    pub fn new(config: AdamConfig) -> Self {
        Adam {
            config,
            moments: HashMap::new(),
        }
    }

    /// One update of parameter `slot` given its gradient. Returns the new parameter as a fresh
    /// autodiff leaf that requires gradients (on the same device as `param`).
    pub fn step<const D: usize>(
        &mut self,
        slot: usize,
        param: Tensor<D>,
        grad: Tensor<D>,
    ) -> Tensor<D> {
        let c = self.config;
        let shape = param.shape();
        let p = param.inner().reshape([-1]);
        let g = grad.inner().reshape([-1]);
        let (m, v, t) = match self.moments.remove(&slot) {
            Some(state) => state,
            None => (g.zeros_like(), g.zeros_like(), 0),
        };
        let t = t + 1;
        let m = m * c.beta1 + g.clone() * (1.0 - c.beta1);
        let v = v * c.beta2 + g.square() * (1.0 - c.beta2);
        let m_hat = m.clone() / (1.0 - c.beta1.powi(t));
        let v_hat = v.clone() / (1.0 - c.beta2.powi(t));
        let denom = v_hat.sqrt() + c.eps;
        let mut p = p - m_hat / denom.clone() * c.lr;
        if c.prox_l1 > 0.0 {
            p = if c.prox_preconditioned {
                let k = denom.recip() * (c.lr * c.prox_l1);
                p.clone().sign() * (p.abs() - k).clamp_min(0.0)
            } else {
                soft_threshold(p, c.lr * c.prox_l1)
            };
        }
        self.moments.insert(slot, (m, v, t));
        p.reshape(shape).autodiff().require_grad()
    }
}

/// sign(x)·max(|x| − k, 0): the proximal operator of k·‖x‖₁.
pub fn soft_threshold<const D: usize>(x: Tensor<D>, k: f64) -> Tensor<D> {
    x.clone().sign() * (x.abs() - k).clamp_min(0.0)
}
