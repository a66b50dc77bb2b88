//! The reference PowerSync write backend.
//!
//! A request flows: `service` (the generated `PowerSyncWriteApi` trait, served by the
//! generated axum router) -> `auth` (bearer JWT -> [`vocab::Principal`]) -> `engine`
//! (per transaction: authorize, check the idempotency ledger, `mapping`, apply through
//! a `persist::Persister`, `classify` failures, keep fatal ones as dead letters) ->
//! one `TransactionResult` per transaction.
//!
//! Used as a binary (`powersync-write-server serve`) or as a library with custom
//! hooks (see `examples/`).
//!
//! The modules depend on each other one way (`tests/layering.rs` fails on a cycle).
//! From the bottom: `vocab` (the shared vocabulary, which uses nothing else of the
//! runtime), `failure`, `schema` and the helpers `redact`, `escape`, `metrics`;
//! `hooks` (the extension points); `persist` (one folder per database, each laid out
//! alike: `mod`, `introspect`, `convert`, `statements`, `store`, `classify`);
//! `classify` (the default classifier, dispatching to each database's table);
//! `mapping` and `policy`; `engine`; `auth`, `admission`, `http`, `service`; `config`;
//! `dead_letters`; and the binary, `main.rs`.

pub mod admission;
pub mod auth;
pub mod classify;
pub mod config;
pub mod dead_letters;
pub mod engine;
pub mod escape;
pub mod failure;
pub mod hooks;
pub mod http;
pub mod mapping;
pub mod metrics;
pub mod persist;
pub mod policy;
pub mod redact;
pub mod schema;
pub mod service;
pub mod vocab;
