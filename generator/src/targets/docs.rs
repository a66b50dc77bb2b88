//! The docs target (placeholder until implemented).
use super::{Context, GeneratedFile, Target, TargetError};
use crate::ir::Api;

pub struct DocsTarget;

impl Target for DocsTarget {
    fn name(&self) -> &'static str {
        "docs"
    }
    fn description(&self) -> &'static str {
        "Markdown API reference"
    }
    fn generate(&self, _api: &Api, _ctx: &Context) -> Result<Vec<GeneratedFile>, TargetError> {
        Ok(Vec::new())
    }
}
