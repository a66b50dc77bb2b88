//! The simulated devices. Each has its own user (`sub`), `client_id`, increasing
//! `op_id`s and queue, and behaves as the PowerSync connector does: it sends the
//! oldest queued transactions, completes only those the backend answered `success`
//! (or `fatal_error`, which the connector discards: counted, and must not happen
//! here), and sends the rest again after an error, a timeout, `Retry-After` or a
//! retryable result. Client-side faults happen here: a reply dropped on purpose (the
//! batch is sent again, as after a lost reply), a client that gives up mid-request,
//! and each request going to either backend instance.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Rng;

/// Transactions per request at most.
const PER_REQUEST: usize = 5;
/// The queue a device keeps filled while generating.
const QUEUE_TARGET: usize = 8;

/// One upload transaction: a list, two todos in it, the first todo completed.
#[derive(Debug, Clone)]
pub struct Tx {
    pub list: Uuid,
    pub todos: [Uuid; 2],
    first_op_id: i64,
}

/// What a device saw.
#[derive(Debug, Default)]
pub struct DeviceReport {
    /// Transactions answered `success`, in order.
    pub acked: Vec<Tx>,
    pub requests: u64,
    pub dropped_replies: u64,
    pub gave_up: u64,
    pub refused: u64,
    pub fatal: u64,
    /// The longest a transaction stayed at the head of the queue.
    pub longest_stall: Duration,
    /// Every transaction made was completed before the deadline.
    pub drained: bool,
}

#[derive(Deserialize)]
struct Reply {
    results: Vec<ReplyResult>,
}

#[derive(Deserialize)]
struct ReplyResult {
    status: String,
    #[serde(default)]
    retry_after_ms: Option<u64>,
}

pub struct Device {
    pub index: usize,
    pub subject: String,
    pub token: String,
    pub endpoints: Vec<String>,
    pub rng: Rng,
}

impl Device {
    /// Uploads until `generate_until`, then drains the queue until `drain_by`.
    pub async fn run(mut self, generate_until: Instant, drain_by: Instant) -> DeviceReport {
        let client_id = format!("device-{}", self.index);
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("an HTTP client");
        let mut report = DeviceReport::default();
        let mut queue: VecDeque<Tx> = VecDeque::new();
        let mut next_op_id = 1i64;
        let mut head_since: Option<Instant> = None;
        loop {
            let now = Instant::now();
            if now < generate_until {
                while queue.len() < QUEUE_TARGET {
                    queue.push_back(Tx {
                        list: Uuid::new_v4(),
                        todos: [Uuid::new_v4(), Uuid::new_v4()],
                        first_op_id: next_op_id,
                    });
                    next_op_id += 4;
                }
            } else if queue.is_empty() {
                report.drained = true;
                return report;
            }
            if now > drain_by {
                return report;
            }
            let head_started = *head_since.get_or_insert(now);
            let batch: Vec<&Tx> = queue.iter().take(PER_REQUEST).collect();
            let body = json!({
                "client_id": client_id,
                "transactions": batch.iter().map(|tx| self.wire(tx)).collect::<Vec<_>>(),
            });
            let endpoint = &self.endpoints[self.rng.below(self.endpoints.len())];
            // One request in ten from a client that gives up almost at once (the
            // batch goes on in the backend); the others wait long.
            let give_up_early = self.rng.chance(0.1);
            let timeout = if give_up_early {
                Duration::from_millis(20 + self.rng.below(150) as u64)
            } else {
                Duration::from_secs(10)
            };
            report.requests += 1;
            let sent = http
                .post(endpoint)
                .bearer_auth(&self.token)
                .json(&body)
                .timeout(timeout)
                .send()
                .await;
            let mut pause = Duration::from_millis(50 + self.rng.below(250) as u64);
            match sent {
                Err(error) => {
                    if error.is_timeout() && give_up_early {
                        report.gave_up += 1;
                    }
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<u64>().ok());
                    match status {
                        200 => match response.json::<Reply>().await {
                            // The reply is lost on the way: the batch is sent again.
                            Ok(_) if self.rng.chance(0.05) => report.dropped_replies += 1,
                            Ok(reply) => {
                                let mut stopped = false;
                                for result in reply.results {
                                    match result.status.as_str() {
                                        "success" | "fatal_error" => {
                                            if result.status == "fatal_error" {
                                                report.fatal += 1;
                                            }
                                            let done = queue.pop_front().expect("answered");
                                            if result.status == "success" {
                                                report.acked.push(done);
                                            }
                                            report.longest_stall =
                                                report.longest_stall.max(head_started.elapsed());
                                            head_since = None;
                                        }
                                        _ => {
                                            if let Some(ms) = result.retry_after_ms {
                                                pause = Duration::from_millis(ms.min(2_000));
                                            }
                                            stopped = true;
                                            break;
                                        }
                                    }
                                }
                                if !stopped {
                                    pause = Duration::ZERO;
                                }
                            }
                            Err(_) => {}
                        },
                        429 | 503 => {
                            report.refused += 1;
                            if let Some(seconds) = retry_after {
                                pause = Duration::from_secs(seconds.min(2));
                            }
                        }
                        _ => {}
                    }
                }
            }
            tokio::time::sleep(pause).await;
        }
    }

    fn wire(&self, tx: &Tx) -> Value {
        let (subject, op) = (&self.subject, tx.first_op_id);
        let entry = |offset: i64, kind: &str, table: &str, id: &Uuid, data: Value| {
            json!({"op": kind, "table": table, "id": id.to_string(), "op_id": op + offset,
                   "transaction_id": op, "op_data": data})
        };
        json!({
            "transaction_id": op,
            "crud": [
                entry(0, "PUT", "lists", &tx.list,
                      json!({"name": format!("list {op}"), "owner_id": subject})),
                entry(1, "PUT", "todos", &tx.todos[0],
                      json!({"description": "first", "list_id": tx.list.to_string(),
                             "created_by": subject})),
                entry(2, "PUT", "todos", &tx.todos[1],
                      json!({"description": "second", "list_id": tx.list.to_string(),
                             "created_by": subject})),
                entry(3, "PATCH", "todos", &tx.todos[0],
                      json!({"completed": true, "completed_at": "2026-01-01T00:00:00Z",
                             "completed_by": subject})),
            ]
        })
    }
}
