//! Weight names built one scope at a time (`model` → `model.layers` → `model.layers.3`), the
//! way candle's `VarBuilder::pp` and burn's module paths build them.

use std::fmt;

/// A weight-name prefix; [`pp`](Scope::pp) extends it by one dotted segment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope(String);

impl Scope {
    /// The empty prefix (names at the file's top level).
    pub fn root() -> Scope {
        Scope::default()
    }

    /// This scope extended by `segment` (a name or a layer index).
    pub fn pp(&self, segment: impl fmt::Display) -> Scope {
        if self.0.is_empty() {
            Scope(segment.to_string())
        } else {
            Scope(format!("{}.{segment}", self.0))
        }
    }

    /// `{scope}.weight`.
    pub fn weight(&self) -> String {
        self.pp("weight").0
    }

    /// `{scope}.bias`.
    pub fn bias(&self) -> String {
        self.pp("bias").0
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Scope;

    #[test]
    fn scopes_join_their_segments_with_dots() {
        let layer = Scope::root().pp("model").pp("layers").pp(3);
        assert_eq!(
            layer.pp("mlp.up_proj").weight(),
            "model.layers.3.mlp.up_proj.weight"
        );
        assert_eq!(Scope::root().pp("h").pp(0).bias(), "h.0.bias");
        assert_eq!(Scope::root().weight(), "weight");
    }
}
