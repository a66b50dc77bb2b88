//! `dead-letters list|show|retry|discard`: resolving transactions the backend kept.

use std::sync::Arc;

use anyhow::{Context, bail};
use powersync_write_api::models::CrudTransaction;
use powersync_write_api::validation::{Violations, validate_crud_transaction};
use serde_json::{Map, Value, json};

use crate::config::Config;
use crate::engine::{Engine, EngineConfig, Hooks};
use crate::escape::escape_control;
use crate::failure::Failure;
use crate::persist::{Applied, DeadLetter, SharedPersister};
use crate::policy::Policies;
use crate::vocab::Principal;

pub enum Action {
    List { limit: usize },
    Show { id: String },
    Retry { id: String },
    Discard { id: String },
}

pub async fn run(
    persister: SharedPersister,
    config: &Config,
    action: Action,
) -> anyhow::Result<()> {
    match action {
        Action::List { limit } => {
            let letters = persister.list_dead_letters(limit).await?;
            if letters.is_empty() {
                println!("no dead letters");
            }
            for letter in letters {
                // Subjects, codes and messages (which name client tables) are client
                // text: one letter, one line, no terminal escapes.
                let line = format!(
                    "{}  {}  {}  {}  op {}: {}",
                    letter.id,
                    letter.created_at,
                    letter.letter.subject,
                    letter.letter.error_code,
                    letter.letter.operation_index,
                    letter.letter.error_message
                );
                println!("{}", escape_control(&line));
            }
            Ok(())
        }
        Action::Show { id } => {
            let letter = find(&persister, &id).await?;
            // JSON escapes C0 control characters but not DEL or C1 ones. Line by line
            // (the layout's newlines stay), and the escapes added are JSON escapes
            // inside strings, so the output is the same JSON value.
            let json = serde_json::to_string_pretty(&describe(&letter))?;
            for line in json.lines() {
                println!("{}", escape_control(line));
            }
            Ok(())
        }
        Action::Retry { id } => {
            let letter = find(&persister, &id).await?;
            let transaction = valid_transaction(&id, &letter.letter.transaction)?;
            // The operator decides to apply it: the authorization policies, which
            // judge what users send, do not apply (a denied letter can be applied).
            let engine = Engine::new(
                persister.clone(),
                config.mapping.clone(),
                Policies::allow_all(),
                Hooks::defaults(config.engine.retry_after_ms),
                // One transaction, on a schema just loaded: a mismatch is final.
                EngineConfig {
                    schema_reload_interval_ms: 0,
                    ..config.engine.clone()
                },
            )
            .await?;
            let principal = Principal {
                subject: letter.letter.subject.clone(),
                claims: Map::new(),
            };
            match engine.try_apply(&principal, None, &transaction).await {
                Ok(Applied::Written { .. } | Applied::Duplicate) => {
                    persister.delete_dead_letter(&id).await?;
                    println!("applied dead letter {id} and removed it");
                    Ok(())
                }
                Err(Failure::Retryable { message, .. }) => {
                    bail!(
                        "dead letter {id} was not applied (retryable: {message}); it is kept, try again later"
                    )
                }
                Err(Failure::Fatal(failure)) => bail!(
                    "dead letter {id} failed again at operation {}: {} {}; it is kept",
                    failure.operation_index,
                    failure.code,
                    failure.message
                ),
            }
        }
        Action::Discard { id } => {
            if !persister.delete_dead_letter(&id).await? {
                bail!("no dead letter with id {id} (see `dead-letters list`)");
            }
            println!("discarded dead letter {id}");
            Ok(())
        }
    }
}

async fn find(
    persister: &Arc<dyn crate::persist::Persister>,
    id: &str,
) -> anyhow::Result<DeadLetter> {
    persister
        .get_dead_letter(id)
        .await?
        .with_context(|| format!("no dead letter with id {id} (see `dead-letters list`)"))
}

/// The transaction a dead letter holds, if it matches the schema: a transaction kept
/// as `INVALID_REQUEST` cannot be applied as it is.
fn valid_transaction(id: &str, json: &Value) -> anyhow::Result<CrudTransaction> {
    let mut violations = Violations::new();
    validate_crud_transaction(json, "$", &mut violations);
    if let Some(first) = violations.listed().first() {
        anyhow::bail!(
            "dead letter {id} holds a transaction that does not match the schema ({} {}, {} problem(s) in all; \
             `dead-letters show {id}` lists them): it cannot be applied as it is. Fix the client that sent it, \
             then discard it with `dead-letters discard {id}`",
            first.path,
            first.message,
            violations.total()
        );
    }
    serde_json::from_value(json.clone())
        .with_context(|| format!("dead letter {id} does not hold a valid transaction"))
}

fn describe(letter: &DeadLetter) -> Value {
    json!({
        "id": letter.id,
        "created_at": letter.created_at,
        "subject": letter.letter.subject,
        "client_id": letter.letter.client_id,
        "error_code": letter.letter.error_code,
        "error_message": letter.letter.error_message,
        "error_details": letter.letter.error_details,
        "operation_index": letter.letter.operation_index,
        "transaction": letter.letter.transaction,
    })
}
