//! The Rust target (placeholder until implemented).
use super::{Context, GeneratedFile, Target, TargetError};
use crate::ir::Api;

pub struct RustTarget;

impl Target for RustTarget {
    fn name(&self) -> &'static str {
        "rust"
    }
    fn description(&self) -> &'static str {
        "Rust crate: serde models, validation, axum server trait and adapter, reqwest client"
    }
    fn generate(&self, _api: &Api, _ctx: &Context) -> Result<Vec<GeneratedFile>, TargetError> {
        Ok(Vec::new())
    }
}
