//! Throwaway database servers for tests and benches: each starts a real server from
//! the machine's binaries in a temporary folder, on a free loopback port, and stops it
//! (and removes the folder) when the process that started it exits, however it exits.
//!
//! Dev-only: the runtime's tests and benches depend on it, and so do the TypeScript
//! and Kotlin tests, through the `throwaway-server` binary.

pub mod mariadb;
pub mod postgres;
