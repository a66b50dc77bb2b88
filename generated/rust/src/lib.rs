// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.
//! PowerSync Write API
//!
//! API version 1.0.0.
//! The write path of a PowerSync app: how a client uploads the local writes queued in
//! its SQLite database (the upload queue) to the app's backend, and how the backend
//! tells it, transaction by transaction, what became of them.
//!
//! ## Protocol in short
//!
//! 1. Read whole transactions from the local upload queue, oldest first
//!    (`getNextCrudTransaction` / `getCrudBatch` in the PowerSync SDKs). Never split a
//!    transaction across requests and never reorder transactions.
//! 2. Send up to 50 of them, in queue order, in one `POST /api/data` (a `WriteBatch`),
//!    with the app's JWT as a bearer token and `Content-Type: application/json`.
//! 3. A `200` reply carries `results`: exactly one `TransactionResult` per transaction
//!    sent, in the same order. Walk them in order and act on each `status`:
//!    - `success`: the transaction is applied (or was already applied earlier, see
//!      `duplicate`). Complete it in the local queue, passing `write_checkpoint` if
//!      present.
//!    - `retryable_error`: nothing of it was applied. Keep it and everything after it
//!      queued, wait `retry_after_ms` milliseconds (5000 when absent), then upload
//!      again starting with this transaction.
//!    - `fatal_error`: nothing of it was applied and retrying it unchanged will fail
//!      again. If `requires_client_handling` is `false` the backend has kept it (dead
//!      letter, `dead_letter_id`): complete it locally (optionally tell the app). If
//!      `true`, hand it to the app, which either discards it (complete it) or retains
//!      it (stop uploading until the app has resolved it).
//!    - `not_attempted`: the backend stopped before this transaction; nothing of it was
//!      applied. Keep it queued and send it again in the next request.
//!
//!    A transaction may only be completed when every transaction before it has been
//!    completed, because the SDK's upload queue is a strict prefix queue.
//!
//! 4. Any other HTTP status means nothing was decided per transaction: see each
//!    response's description for what to do. A network error or timeout means the
//!    outcome is unknown: send the same batch again. That is safe when `client_id` and
//!    every entry's `op_id` are sent, because the backend then recognises transactions
//!    it has already applied and answers them with `success` and `duplicate: true`
//!    instead of applying them twice.
//!
//! ## Mapping from the PowerSync SDK
//!
//! Each `CrudEntry` of the SDK maps to one `CrudEntry` here. The SDK object fields and
//! the keys of the JS SDK's `CrudEntry.toJSON()` map as follows (SDK field / toJSON
//! key -> wire name): `op` / `op` -> `op`; `table` / `type` -> `table`; `id` / `id` ->
//! `id`; `clientId` / `op_id` -> `op_id`; `transactionId` / `tx_id` ->
//! `transaction_id`; `opData` / `data` -> `op_data`; `previousValues` / `old` ->
//! `previous_values`; `metadata` / `metadata` -> `metadata`. Do not send the output
//! of `toJSON()` unchanged: rename the keys as above.
//!
//! ## Compatibility
//!
//! The request shape (`{transactions: [{crud: [...], transaction_id?}]}`) and reply
//! shape (`{results: [...]}`, one result per transaction, in order) are those of the
//! public PowerSync reference write implementation. Everything this document adds is
//! optional, so clients and backends of either kind interoperate. Servers ignore
//! unknown properties, and clients must ignore unknown properties in replies, so both
//! sides can gain optional fields without breaking the other.
//!
//! Servers are strict in what they accept and clients liberal in what they accept.
//! The reply schemas therefore require only what every backend sends, the public
//! reference backend included: a `retryable_error` may lack `retry_after_ms` and
//! `message`, a `fatal_error`'s `failed_operation` may lack `message` and
//! `operation_index` and carry `details` of any JSON type, and an error body may be
//! only `{"message": ...}`. Backends of this protocol send every one of those fields
//! all the same (`details` as an object); each schema says what a client does when
//! one is absent. A non-200 reply whose body is not an `ErrorResponse` at all (not
//! JSON, as from a proxy) is still acted on by its HTTP status.
//!
//! Modules: `models` (the spec's types), `validation` (the JSON validator),
//! `operations` (typed requests and per-status responses), `server` (the trait
//! to implement and its axum adapter), `client` (a reqwest client) and, with the
//! `proptest` feature, `strategies` (value generators for property tests).
#![allow(clippy::doc_lazy_continuation, clippy::doc_overindented_list_items)]
pub mod client;
pub mod models;
pub mod operations;
pub mod server;
#[cfg(feature = "proptest")]
pub mod strategies;
pub mod validation;
