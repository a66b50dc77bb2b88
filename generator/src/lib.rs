//! The PowerSync write-path code generator.
//!
//! The pipeline, one module per stage:
//! `spec` (load YAML/JSON, keep a JSON pointer -> file:line:column map)
//! -> `lower` (resolve `$ref`s, merge `allOf`, check the supported subset, build the IR)
//! -> `ir` (language-neutral model)
//! -> `targets` (one lowering per language, rendered with askama or, for Rust, syn/quote)
//! -> `emit` (write an output folder, or check it for drift).

pub mod diagnostics;
pub mod emit;
pub mod ir;
pub mod lower;
pub mod spec;
pub mod targets;
