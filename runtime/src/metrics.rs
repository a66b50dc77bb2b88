//! Prometheus metrics: transactions by result status, operations, batch latency,
//! batches refused admission.

use std::sync::Mutex;
use std::time::Duration;

use powersync_write_api::models::TransactionResult;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

pub struct Metrics {
    registry: Mutex<Registry>,
    transactions: Family<StatusLabel, Counter>,
    operations: Counter,
    batch_seconds: Histogram,
    refused: Family<ReasonLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let transactions = Family::<StatusLabel, Counter>::default();
        let operations = Counter::default();
        // 1 ms .. ~16 s.
        let batch_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 15));
        let mut registry = Registry::with_prefix("powersync_write");
        registry.register(
            "transactions",
            "Upload transactions by result status",
            transactions.clone(),
        );
        registry.register("operations", "CRUD entries received", operations.clone());
        registry.register(
            "batch_duration_seconds",
            "Time to process one upload batch",
            batch_seconds.clone(),
        );
        let refused = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "batches_refused",
            "Upload batches refused admission: `user` (429, the user's limit), `server` (503)",
            refused.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            transactions,
            operations,
            batch_seconds,
            refused,
        }
    }

    /// Records one processed batch.
    pub fn batch(&self, operations: usize, results: &[TransactionResult], elapsed: Duration) {
        self.operations.inc_by(operations as u64);
        for result in results {
            let status = match result {
                TransactionResult::Success(_) => "success",
                TransactionResult::RetryableError(_) => "retryable_error",
                TransactionResult::FatalError(_) => "fatal_error",
                TransactionResult::NotAttempted(_) => "not_attempted",
            };
            self.transactions
                .get_or_create(&StatusLabel { status })
                .inc();
        }
        self.batch_seconds.observe(elapsed.as_secs_f64());
    }

    /// Records one batch refused admission, by `reason` (`user` or `server`).
    pub fn refused(&self, reason: &'static str) {
        self.refused.get_or_create(&ReasonLabel { reason }).inc();
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = match self.registry.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        out
    }
}
