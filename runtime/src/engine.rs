//! The batch engine: one result per transaction, in order.
//!
//! Per transaction: authorize, map onto the database schema, apply through the
//! persister (ledger and checkpoint in the same database transaction), classify a
//! failure, and keep a fatal one as a dead letter before answering. Nothing is ever
//! acknowledged that was neither applied nor kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use powersync_write_api::models::{
    CrudTransaction, FailedOperation, TransactionFatalError, TransactionNotAttempted,
    TransactionResult, TransactionRetryableError, TransactionSuccess, WriteBatch,
};
use powersync_write_api::validation::{Checked, InvalidItem};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::classify::DefaultClassifier;
use crate::failure::{Failure, FatalFailure, codes};
use crate::hooks::{
    AllowAll, Authorizer, DeadLetterSink, ErrorClassifier, FatalRouter, HandlerRegistry,
    KeepAsDeadLetter,
};
use crate::mapping::{MappingConfig, Mismatch};
use crate::persist::{
    Applied, CheckpointKey, Idempotency, NewDeadLetter, SharedPersister, TransactionWork,
};
use crate::policy::Policies;
use crate::schema::DatabaseSchema;
use crate::vocab::Principal;
use crate::vocab::{DbError, MappedEntry};

/// What the engine does after a transaction fails fatally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchPolicy {
    /// Stop: the transactions after it are `not_attempted` (the default; keeps the
    /// client's queue order obvious).
    #[default]
    Stop,
    /// Go on with the next transaction, but only after a failure the backend kept as
    /// a dead letter: skipping past one the client still holds would let later
    /// transactions advance the idempotency ledger past it, and its retry would then
    /// be mistaken for a replay.
    Skip,
}

/// Engine settings (the `[engine]` table of the configuration).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    pub batch_policy: BatchPolicy,
    /// Maintain `write_checkpoint`s (off by default).
    pub write_checkpoints: bool,
    /// Pass database error messages to clients; off by default, since they can reveal
    /// data of other rows (a unique violation quotes the conflicting value).
    pub expose_database_messages: bool,
    /// How long clients wait before retrying after a retryable failure.
    pub retry_after_ms: u64,
    /// Least time between two schema reloads caused by unknown tables or columns; a
    /// mismatch inside it is answered retryable until the next reload may run.
    pub schema_reload_interval_ms: u64,
    /// Dead letters kept per user (token `sub`) per window; past it, refused
    /// transactions are answered retryable until the window ends.
    pub dead_letters_per_user: u32,
    pub dead_letter_window_seconds: u64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            batch_policy: BatchPolicy::Stop,
            write_checkpoints: false,
            expose_database_messages: false,
            retry_after_ms: crate::classify::DEFAULT_RETRY_AFTER_MS,
            schema_reload_interval_ms: 5_000,
            dead_letters_per_user: 100,
            dead_letter_window_seconds: 60,
        }
    }
}

/// The hooks an embedding application may replace.
#[derive(Clone)]
pub struct Hooks {
    pub authorizer: Arc<dyn Authorizer>,
    pub classifier: Arc<dyn ErrorClassifier>,
    pub router: Arc<dyn FatalRouter>,
    pub handlers: HandlerRegistry,
    /// Where kept failures go; `None`: the persister's dead-letter table.
    pub dead_letters: Option<Arc<dyn DeadLetterSink>>,
}

impl Hooks {
    /// The defaults: allow every verified principal, the built-in classifier with
    /// this retry delay, and keep every fatal failure as a dead letter.
    pub fn defaults(retry_after_ms: u64) -> Self {
        Hooks {
            authorizer: Arc::new(AllowAll),
            classifier: Arc::new(DefaultClassifier { retry_after_ms }),
            router: Arc::new(KeepAsDeadLetter),
            handlers: HandlerRegistry::default(),
            dead_letters: None,
        }
    }
}

pub struct Engine {
    persister: SharedPersister,
    schema: RwLock<Snapshot>,
    /// Held while the schema is reloaded, so concurrent mismatches reload once.
    reloading: tokio::sync::Mutex<()>,
    dead_letter_budget: DeadLetterBudget,
    mapping: MappingConfig,
    policies: Policies,
    hooks: Hooks,
    config: EngineConfig,
}

/// How one transaction ended, before it becomes a wire result.
enum Outcome {
    Applied(Applied),
    Failed(Failure),
}

impl Engine {
    /// Builds an engine and learns the database schema. `policies` decide which rows
    /// each user may write (see [`Policies`]; [`Policies::default`] denies all), on
    /// top of the authorizer hook: both must allow a write.
    pub async fn new(
        persister: SharedPersister,
        mapping: MappingConfig,
        policies: Policies,
        hooks: Hooks,
        config: EngineConfig,
    ) -> Result<Self, DbError> {
        let schema = persister.introspect().await?;
        let engine = Engine {
            persister,
            schema: RwLock::new(Snapshot {
                schema: Arc::new(schema),
                loaded_at: Instant::now(),
            }),
            reloading: tokio::sync::Mutex::new(()),
            dead_letter_budget: DeadLetterBudget::new(
                config.dead_letters_per_user,
                Duration::from_secs(config.dead_letter_window_seconds),
            ),
            mapping,
            policies,
            hooks,
            config,
        };
        for problem in engine.policy_problems() {
            tracing::warn!(problem, "authorization policy");
        }
        Ok(engine)
    }

    /// What is wrong with the authorization policies against the database as last
    /// introspected (`serve` refuses to start when this is not empty).
    pub fn policy_problems(&self) -> Vec<String> {
        self.policies.problems(&self.schema(), &self.hooks.handlers)
    }

    /// The authorization policies in force.
    pub fn policies(&self) -> &Policies {
        &self.policies
    }

    pub fn persister(&self) -> &SharedPersister {
        &self.persister
    }

    /// The current schema snapshot.
    pub fn schema(&self) -> Arc<DatabaseSchema> {
        self.snapshot().schema
    }

    fn snapshot(&self) -> Snapshot {
        match self.schema.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Learns the schema again (after a SCHEMA_MISMATCH, or on demand).
    pub async fn refresh_schema(&self) -> Result<Arc<DatabaseSchema>, DbError> {
        let fresh = Snapshot {
            schema: Arc::new(self.persister.introspect().await?),
            loaded_at: Instant::now(),
        };
        let schema = fresh.schema.clone();
        match self.schema.write() {
            Ok(mut guard) => *guard = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(schema)
    }

    /// A schema at least as new as `since`, after a mismatch: the current one when
    /// it was loaded since then, else a reload, at most one per
    /// `schema_reload_interval_ms` (a client naming unknown tables must not make the
    /// server introspect the database on every request). `Err(wait)` when a reload is
    /// not allowed yet.
    async fn schema_since(
        &self,
        since: Instant,
    ) -> Result<Result<Arc<DatabaseSchema>, Duration>, DbError> {
        let _reloading = self.reloading.lock().await;
        let current = self.snapshot();
        if current.loaded_at >= since {
            return Ok(Ok(current.schema));
        }
        let interval = Duration::from_millis(self.config.schema_reload_interval_ms);
        let age = current.loaded_at.elapsed();
        if age < interval {
            return Ok(Err(interval - age));
        }
        self.refresh_schema().await.map(Ok)
    }

    /// Processes a whole batch: exactly one result per transaction, in order.
    pub async fn process(
        &self,
        principal: &Principal,
        batch: &WriteBatch,
    ) -> Vec<TransactionResult> {
        let client_id = batch.client_id.as_deref();
        let mut results = Vec::with_capacity(batch.transactions.len());
        let mut stopped = false;
        for transaction in &batch.transactions {
            if stopped {
                results.push(TransactionResult::NotAttempted(TransactionNotAttempted {
                    message: Some("an earlier transaction of this batch was not applied".into()),
                }));
                continue;
            }
            let (result, stop) = match transaction {
                Checked::Valid(transaction) => {
                    self.transaction(principal, client_id, transaction).await
                }
                Checked::Invalid(invalid) => self.invalid(principal, client_id, invalid).await,
            };
            stopped = stop;
            results.push(result);
        }
        results
    }

    /// One transaction: its result and whether the batch stops after it.
    async fn transaction(
        &self,
        principal: &Principal,
        client_id: Option<&str>,
        transaction: &CrudTransaction,
    ) -> (TransactionResult, bool) {
        match self.attempt(principal, client_id, transaction).await {
            Outcome::Applied(Applied::Written { write_checkpoint }) => (
                TransactionResult::Success(TransactionSuccess {
                    write_checkpoint: write_checkpoint.map(|c| c.to_string()),
                    duplicate: None,
                }),
                false,
            ),
            Outcome::Applied(Applied::Duplicate) => {
                self.duplicate(principal, client_id, transaction).await
            }
            Outcome::Failed(Failure::Retryable {
                message,
                retry_after_ms,
            }) => (retryable(message, retry_after_ms), true),
            Outcome::Failed(Failure::Fatal(mut failure)) => {
                // Every fatal failure names its table, even where the database's
                // message does not (SQLite's foreign-key errors, hook refusals).
                if let (false, Some(entry)) = (
                    failure.details.contains_key("table"),
                    transaction.crud.get(failure.operation_index),
                ) {
                    failure
                        .details
                        .insert("table".into(), Value::String(entry.table.clone()));
                }
                self.fatal(principal, client_id, Kept::valid(transaction), failure)
                    .await
            }
        }
    }

    /// A transaction that does not match its schema: `INVALID_REQUEST`, kept as a
    /// dead letter with its JSON as received, so it never blocks the device's queue.
    async fn invalid(
        &self,
        principal: &Principal,
        client_id: Option<&str>,
        invalid: &InvalidItem,
    ) -> (TransactionResult, bool) {
        let failure = invalid_request(invalid);
        tracing::info!(
            subject = %principal.subject,
            violations = invalid.violations.len() as u64 + invalid.violations_omitted,
            "a transaction does not match the schema"
        );
        let kept = Kept {
            transaction: invalid.raw.clone(),
            last_op_id: raw_last_op_id(&invalid.raw),
        };
        self.fatal(principal, client_id, kept, failure).await
    }

    /// Applies one transaction without dead-lettering a failure (for `dead-letters
    /// retry`): authorizes, maps and applies.
    pub async fn try_apply(
        &self,
        principal: &Principal,
        client_id: Option<&str>,
        transaction: &CrudTransaction,
    ) -> Result<Applied, Failure> {
        match self.attempt(principal, client_id, transaction).await {
            Outcome::Applied(applied) => Ok(applied),
            Outcome::Failed(failure) => Err(failure),
        }
    }

    /// A replay. Its ledger entry may come from a dead letter rather than a write: then
    /// the replay gets the same fatal answer, never a `success` for something not applied.
    async fn duplicate(
        &self,
        principal: &Principal,
        client_id: Option<&str>,
        transaction: &CrudTransaction,
    ) -> (TransactionResult, bool) {
        let success = TransactionResult::Success(TransactionSuccess {
            write_checkpoint: None,
            duplicate: Some(true),
        });
        self.kept_before(principal, client_id, last_op_id(transaction))
            .await
            .unwrap_or((success, false))
    }

    /// The answer given before, when this transaction of the principal's client was
    /// kept as a dead letter: the same fatal failure and `dead_letter_id`.
    async fn kept_before(
        &self,
        principal: &Principal,
        client_id: Option<&str>,
        last_op_id: Option<i64>,
    ) -> Option<(TransactionResult, bool)> {
        let (client_id, last_op_id) = client_id.zip(last_op_id)?;
        match self
            .persister
            .find_dead_letter(&principal.subject, client_id, last_op_id)
            .await
        {
            Ok(None) => None,
            Ok(Some(stored)) => {
                let failure = self.redact(FatalFailure {
                    code: stored.letter.error_code,
                    message: stored.letter.error_message,
                    details: match stored.letter.error_details {
                        Value::Object(details) => details,
                        _ => Map::new(),
                    },
                    operation_index: stored.letter.operation_index,
                });
                let stop = self.config.batch_policy == BatchPolicy::Stop;
                Some((fatal_result(&failure, false, Some(stored.id)), stop))
            }
            Err(error) => Some((
                retryable(
                    format!(
                        "could not check how this replayed transaction ended: {}",
                        self.client_message(&error)
                    ),
                    self.config.retry_after_ms,
                ),
                true,
            )),
        }
    }

    /// Authorizes, maps and applies; refreshes the schema once on a mismatch.
    async fn attempt(
        &self,
        principal: &Principal,
        client_id: Option<&str>,
        transaction: &CrudTransaction,
    ) -> Outcome {
        if let Err(refusal) = self
            .hooks
            .authorizer
            .authorize(principal, client_id, transaction)
            .await
        {
            return Outcome::Failed(Failure::Fatal(FatalFailure::new(
                codes::UNAUTHORIZED,
                refusal.message,
                refusal.operation_index,
            )));
        }
        let started = Instant::now();
        let mut schema = self.schema();
        let mut refreshed = false;
        loop {
            let outcome = match self.map(transaction, &schema) {
                Err(mismatch) => Outcome::Failed(Failure::Fatal(mismatch_failure(mismatch))),
                Ok(mut entries) => match self.authorize(principal, &mut entries, &schema) {
                    Err(refusal) => Outcome::Failed(Failure::Fatal(refusal)),
                    Ok(()) => {
                        self.apply(principal, client_id, transaction, &entries, &schema)
                            .await
                    }
                },
            };
            let mismatch = matches!(
                &outcome,
                Outcome::Failed(Failure::Fatal(f)) if f.code == codes::SCHEMA_MISMATCH
            );
            if !mismatch || refreshed {
                return outcome;
            }
            // The database may have changed since we looked: look once more.
            refreshed = true;
            schema = match self.schema_since(started).await {
                Ok(Ok(fresh)) => fresh,
                Ok(Err(wait)) => {
                    return Outcome::Failed(Failure::Retryable {
                        message: "a table or column is not in the database schema, which was \
                                  loaded moments ago; retry once it may be loaded again"
                            .to_string(),
                        retry_after_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1),
                    });
                }
                Err(error) => return Outcome::Failed(self.classify(&error, 0)),
            };
        }
    }

    /// The configured policies: values sent are checked now, stored rows by the
    /// persister through each entry's guard.
    fn authorize(
        &self,
        principal: &Principal,
        entries: &mut [MappedEntry],
        schema: &DatabaseSchema,
    ) -> Result<(), FatalFailure> {
        entries
            .iter_mut()
            .try_for_each(|entry| self.policies.check(principal, entry, schema))
    }

    fn map(
        &self,
        transaction: &CrudTransaction,
        schema: &DatabaseSchema,
    ) -> Result<Vec<MappedEntry>, Mismatch> {
        let mut entries = Vec::with_capacity(transaction.crud.len());
        for (index, entry) in transaction.crud.iter().enumerate() {
            if let Some(mapped) = self
                .mapping
                .map(index, entry, schema, &self.hooks.handlers)?
            {
                entries.push(mapped);
            }
        }
        Ok(entries)
    }

    async fn apply(
        &self,
        principal: &Principal,
        client_id: Option<&str>,
        transaction: &CrudTransaction,
        entries: &[MappedEntry],
        schema: &DatabaseSchema,
    ) -> Outcome {
        let last_op_id = last_op_id(transaction);
        let work = TransactionWork {
            principal,
            entries,
            schema,
            idempotency: client_id
                .zip(last_op_id)
                .map(|(client_id, last_op_id)| Idempotency {
                    client_id,
                    last_op_id,
                }),
            checkpoint: client_id
                .filter(|_| self.config.write_checkpoints)
                .map(|client_id| CheckpointKey {
                    user_id: &principal.subject,
                    client_id,
                }),
            handlers: &self.hooks.handlers,
        };
        match self.persister.apply(&work).await {
            Ok(applied) => Outcome::Applied(applied),
            Err(error) => {
                let at = error_index(&error).unwrap_or(0);
                Outcome::Failed(self.classify(&error, at))
            }
        }
    }

    /// A fatal failure: hand it to the client, or keep it and let the client drop it.
    async fn fatal(
        &self,
        principal: &Principal,
        client_id: Option<&str>,
        kept: Kept,
        failure: FatalFailure,
    ) -> (TransactionResult, bool) {
        // The dead letter keeps the database's own message for the operator; only the
        // client's copy is redacted.
        let raw_message = failure.message.clone();
        let failure = self.redact(failure);
        let denied_to_client =
            failure.code == codes::UNAUTHORIZED && self.policies.requires_client_handling();
        if denied_to_client
            || self
                .hooks
                .router
                .requires_client_handling(principal, &failure)
        {
            // The client still holds it: always stop (see BatchPolicy::Skip).
            return (fatal_result(&failure, true, None), true);
        }
        // A replay of a transaction that failed before reaching the ledger (an unknown
        // table, a refusal): the letter kept the first time, not one more.
        if let Some(earlier) = self
            .kept_before(principal, client_id, kept.last_op_id)
            .await
        {
            return earlier;
        }
        if let Err(wait) = self.dead_letter_budget.take(&principal.subject) {
            tracing::warn!(subject = %principal.subject, code = %failure.code, "dead-letter budget of this user spent; answering retryable");
            return (
                retryable(
                    format!(
                        "the transaction failed ({}), and too many of this user's transactions were \
                         kept as dead letters recently; retry later",
                        failure.code
                    ),
                    u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1),
                ),
                true,
            );
        }
        let letter = NewDeadLetter {
            subject: principal.subject.clone(),
            client_id: client_id.map(str::to_string),
            transaction: kept.transaction,
            error_code: failure.code.clone(),
            error_message: raw_message,
            error_details: Value::Object(failure.details.clone()),
            operation_index: failure.operation_index,
            idempotency: client_id
                .zip(kept.last_op_id)
                .map(|(client_id, op_id)| (client_id.to_string(), op_id)),
        };
        let kept = match &self.hooks.dead_letters {
            Some(sink) => sink.keep(&letter).await,
            None => self.persister.store_dead_letter(&letter).await,
        };
        match kept {
            Ok(id) => (
                fatal_result(&failure, false, Some(id)),
                self.config.batch_policy == BatchPolicy::Stop,
            ),
            Err(error) => {
                tracing::error!(%error, code = %failure.code, "could not store a dead letter; answering retryable");
                let cause = match error {
                    DbError::RuntimeTables { .. } => format!(" ({RUNTIME_TABLES_CAUSE})"),
                    _ => String::new(),
                };
                (
                    retryable(
                        format!(
                            "the transaction failed ({}) and could not be kept as a dead letter{cause}; retry later",
                            failure.code
                        ),
                        self.config.retry_after_ms,
                    ),
                    true,
                )
            }
        }
    }

    /// Classifies a database error. A retryable failure's message comes from the
    /// database or its driver (addresses, ports, server versions): clients get a fixed
    /// text unless database messages are exposed; the operator finds it in the log.
    fn classify(&self, error: &DbError, operation_index: usize) -> Failure {
        // Missing or outdated runtime tables are the server's problem whatever the
        // classifier hook says: never a fatal failure (or dead letter) of the client's.
        if let DbError::RuntimeTables { .. } = error {
            tracing::error!(%error, "a transaction could not be applied");
            return Failure::Retryable {
                message: RUNTIME_TABLES_MESSAGE.to_string(),
                retry_after_ms: self.config.retry_after_ms,
            };
        }
        match self.hooks.classifier.classify(error, operation_index) {
            Failure::Retryable {
                message,
                retry_after_ms,
            } if !self.config.expose_database_messages => {
                tracing::warn!(%message, "retryable failure");
                Failure::Retryable {
                    message: RETRYABLE_MESSAGE.to_string(),
                    retry_after_ms,
                }
            }
            other => other,
        }
    }

    /// A database error as the client may see it.
    fn client_message(&self, error: &DbError) -> String {
        if let DbError::RuntimeTables { .. } = error {
            tracing::error!(%error, "a replayed transaction could not be checked");
            return RUNTIME_TABLES_CAUSE.to_string();
        }
        if self.config.expose_database_messages {
            error.to_string()
        } else {
            tracing::warn!(%error, "database error");
            "the database is unavailable or busy".to_string()
        }
    }

    /// Replaces database messages by a description of the code, unless configured
    /// to pass them on.
    fn redact(&self, mut failure: FatalFailure) -> FatalFailure {
        if !self.config.expose_database_messages && failure.details.contains_key("database_code") {
            failure.message = describe(&failure.code).to_string();
        }
        failure
    }
}

/// A schema and when it was loaded.
#[derive(Clone)]
struct Snapshot {
    schema: Arc<DatabaseSchema>,
    loaded_at: Instant,
}

/// Dead letters each user may have kept per window, in this process: a bound on what
/// one user's refused writes cost the database. Past it the transaction is answered
/// retryable, never dropped.
struct DeadLetterBudget {
    per_window: u32,
    window: Duration,
    /// Subject -> (window start, letters kept in it).
    used: Mutex<HashMap<String, (Instant, u32)>>,
}

impl DeadLetterBudget {
    /// Users tracked before closed windows are swept out.
    const SWEEP_AT: usize = 10_000;

    fn new(per_window: u32, window: Duration) -> Self {
        DeadLetterBudget {
            per_window,
            window,
            used: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one letter for `subject`, or says how long until its window ends.
    fn take(&self, subject: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        if used.len() >= Self::SWEEP_AT {
            let window = self.window;
            used.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let (start, count) = used.entry(subject.to_string()).or_insert((now, 0));
        if now.duration_since(*start) >= self.window {
            (*start, *count) = (now, 0);
        }
        if *count >= self.per_window {
            return Err(self.window.saturating_sub(now.duration_since(*start)));
        }
        *count += 1;
        Ok(())
    }
}

/// What clients are told of a retryable failure unless database messages are exposed.
pub const RETRYABLE_MESSAGE: &str =
    "the transaction was not applied: the database is unavailable or busy; retry later";

/// A failed transaction as a dead letter keeps it: its JSON and ledger key.
struct Kept {
    transaction: Value,
    last_op_id: Option<i64>,
}

impl Kept {
    fn valid(transaction: &CrudTransaction) -> Self {
        Kept {
            transaction: serde_json::to_value(transaction).unwrap_or(Value::Null),
            last_op_id: last_op_id(transaction),
        }
    }
}

/// The `INVALID_REQUEST` failure of a transaction that does not match its schema:
/// its violations in `details` (as in a `400` body), at the first entry with one.
fn invalid_request(invalid: &InvalidItem) -> FatalFailure {
    let operation_index = invalid
        .violations
        .first()
        .and_then(|v| entry_index(&v.path))
        .unwrap_or(0);
    let total = invalid.violations.len() as u64 + invalid.violations_omitted;
    let message = match invalid.violations.first() {
        Some(first) if total > 1 => format!(
            "the transaction does not match the schema: {} {} (and {} more problems, see details.violations)",
            first.path,
            first.message,
            total - 1
        ),
        Some(first) => format!(
            "the transaction does not match the schema: {} {}",
            first.path, first.message
        ),
        None => "the transaction does not match the schema".to_string(),
    };
    let mut failure = FatalFailure::new(codes::INVALID_REQUEST, message, operation_index);
    failure.details.insert(
        "violations".into(),
        serde_json::to_value(&invalid.violations).unwrap_or(Value::Null),
    );
    if invalid.violations_omitted > 0 {
        failure.details.insert(
            "violations_omitted".into(),
            invalid.violations_omitted.into(),
        );
    }
    if let Some(table) = invalid
        .raw
        .pointer(&format!("/crud/{operation_index}/table"))
        .and_then(Value::as_str)
        .filter(|table| !table.is_empty())
    {
        failure.details.insert("table".into(), table.into());
    }
    failure
}

/// The entry index `k` of a violation path `$.transactions[i].crud[k]...`.
fn entry_index(path: &str) -> Option<usize> {
    let rest = &path[path.find("].crud[")? + "].crud[".len()..];
    rest[..rest.find(']')?].parse().ok()
}

/// The ledger key of a transaction that does not match its schema: its highest
/// `op_id`, read as for a valid one (every entry an object with an integer `op_id`).
fn raw_last_op_id(raw: &Value) -> Option<i64> {
    raw.get("crud")?
        .as_array()?
        .iter()
        .map(|entry| entry.get("op_id").and_then(Value::as_i64))
        .collect::<Option<Vec<i64>>>()
        .and_then(|ids| ids.into_iter().max())
}

/// What clients are told when the server's own tables are missing or outdated (the
/// log has the details).
pub const RUNTIME_TABLES_MESSAGE: &str = "the transaction was not applied: the server's own tables are missing or outdated; \
     its operator must run `powersync-write-server migrate`; retry later";

const RUNTIME_TABLES_CAUSE: &str = "the server's own tables are missing or outdated (its \
     operator must run `powersync-write-server migrate`)";

/// The highest `op_id` of the transaction, when every entry has one.
fn last_op_id(transaction: &CrudTransaction) -> Option<i64> {
    transaction
        .crud
        .iter()
        .map(|entry| entry.op_id)
        .collect::<Option<Vec<i64>>>()
        .and_then(|ids| ids.into_iter().max())
}

fn error_index(error: &DbError) -> Option<usize> {
    match error {
        DbError::Database {
            operation_index, ..
        } => *operation_index,
        DbError::InvalidValue {
            operation_index, ..
        }
        | DbError::Denied {
            operation_index, ..
        }
        | DbError::Handler {
            operation_index, ..
        } => Some(*operation_index),
        DbError::Connection { .. } | DbError::RuntimeTables { .. } => None,
    }
}

fn mismatch_failure(mismatch: Mismatch) -> FatalFailure {
    let mut failure = FatalFailure::new(
        codes::SCHEMA_MISMATCH,
        mismatch.message,
        mismatch.operation_index,
    )
    .detail("table", mismatch.table);
    if let Some(column) = mismatch.column {
        failure = failure.detail("column", column);
    }
    failure
}

fn describe(code: &str) -> &'static str {
    match code {
        codes::NOT_NULL_VIOLATION => "a required column is missing or null",
        codes::UNIQUE_VIOLATION => "the row conflicts with an existing row on a unique key",
        codes::FOREIGN_KEY_VIOLATION => {
            "the row references a row that does not exist, or is still referenced"
        }
        codes::CHECK_VIOLATION => "a value fails a check constraint",
        codes::CONSTRAINT_VIOLATION => "the row violates a database constraint",
        codes::INVALID_DATA => "a value is not valid for its column",
        codes::SCHEMA_MISMATCH => "the table or column does not exist in the database",
        codes::UNAUTHORIZED => "the database refused this write for this user",
        _ => "the database refused the write",
    }
}

fn retryable(message: String, retry_after_ms: u64) -> TransactionResult {
    TransactionResult::RetryableError(TransactionRetryableError {
        message: Some(message),
        retry_after_ms: Some(i64::try_from(retry_after_ms).unwrap_or(i64::MAX)),
    })
}

fn fatal_result(
    failure: &FatalFailure,
    requires_client_handling: bool,
    dead_letter_id: Option<String>,
) -> TransactionResult {
    let details: Map<String, Value> = failure.details.clone();
    TransactionResult::FatalError(TransactionFatalError {
        requires_client_handling,
        failed_operation: FailedOperation {
            error_code: failure.code.clone(),
            message: Some(failure.message.clone()),
            details: (!details.is_empty()).then_some(Value::Object(details)),
            operation_index: Some(i32::try_from(failure.operation_index).unwrap_or(i32::MAX)),
        },
        dead_letter_id,
    })
}
