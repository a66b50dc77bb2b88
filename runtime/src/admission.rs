//! Admission of upload batches (`[http] max_batches_in_flight`,
//! `max_batches_per_user`): how many batches the backend holds at once, in all and per
//! token `sub`.
//!
//! A batch is admitted once its token is verified and before its body is read, and
//! keeps its [`Slot`] until it has been processed, also when its client has gone away
//! mid-request (the slot travels with the batch's task). So the memory held by
//! batches is bounded by `max_batches_in_flight` bodies of at most `body_limit_bytes`,
//! and one user (one `sub`, whatever `client_id`s it sends) cannot take every slot.
//! A refused batch is answered at once, with `Retry-After`, and nothing of it is read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The batches in flight, in all and per subject.
#[derive(Debug)]
pub struct Admission {
    in_flight: Arc<Semaphore>,
    in_flight_limit: usize,
    per_user_limit: usize,
    /// Batches in flight per subject; a subject is listed only while it has some, so
    /// the map holds at most `in_flight_limit` entries.
    per_user: Mutex<HashMap<String, usize>>,
}

/// Why a batch was not admitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "this user already has {limit} upload batches in flight ([http] max_batches_per_user); \
         send the batch again when one has finished"
    )]
    User { limit: usize },
    #[error(
        "the server already holds {limit} upload batches ([http] max_batches_in_flight); \
         send the batch again shortly"
    )]
    Server { limit: usize },
}

/// One admitted batch's place; dropping it frees the place.
#[derive(Debug)]
pub struct Slot {
    admission: Arc<Admission>,
    subject: String,
    _in_flight: OwnedSemaphorePermit,
}

impl Admission {
    /// Limits of at least 1 (`HttpConfig::check` refuses 0).
    pub fn new(in_flight_limit: usize, per_user_limit: usize) -> Arc<Self> {
        let in_flight_limit = in_flight_limit.clamp(1, Semaphore::MAX_PERMITS);
        Arc::new(Admission {
            in_flight: Arc::new(Semaphore::new(in_flight_limit)),
            in_flight_limit,
            per_user_limit: per_user_limit.max(1),
            per_user: Mutex::new(HashMap::new()),
        })
    }

    /// A place for one batch of `subject`, or why there is none now. The user's own
    /// limit is checked first, so a user over it takes no place from others.
    pub fn admit(self: &Arc<Self>, subject: &str) -> Result<Slot, Refusal> {
        let mut per_user = self.per_user.lock().unwrap_or_else(PoisonError::into_inner);
        let held = per_user.get(subject).copied().unwrap_or(0);
        if held >= self.per_user_limit {
            return Err(Refusal::User {
                limit: self.per_user_limit,
            });
        }
        let permit = self
            .in_flight
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refusal::Server {
                limit: self.in_flight_limit,
            })?;
        per_user.insert(subject.to_string(), held + 1);
        Ok(Slot {
            admission: self.clone(),
            subject: subject.to_string(),
            _in_flight: permit,
        })
    }

    /// Batches in flight now (for tests and metrics).
    pub fn in_flight(&self) -> usize {
        self.in_flight_limit - self.in_flight.available_permits()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut per_user = self
            .admission
            .per_user
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(held) = per_user.get_mut(&self.subject) {
            *held -= 1;
            if *held == 0 {
                per_user.remove(&self.subject);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_at_its_limit_is_refused_without_taking_a_place_from_others() {
        let admission = Admission::new(3, 2);
        let a1 = admission.admit("a").expect("first of a");
        let _a2 = admission.admit("a").expect("second of a");
        assert_eq!(
            admission.admit("a").unwrap_err(),
            Refusal::User { limit: 2 }
        );
        // The refusal took no place: b still gets the last one.
        let _b1 = admission.admit("b").expect("b");
        assert_eq!(
            admission.admit("c").unwrap_err(),
            Refusal::Server { limit: 3 }
        );
        assert_eq!(admission.in_flight(), 3);
        drop(a1);
        assert_eq!(admission.in_flight(), 2);
        let _a3 = admission.admit("a").expect("a place freed by a's batch");
    }

    #[test]
    fn subjects_without_batches_are_forgotten() {
        let admission = Admission::new(8, 8);
        let slots: Vec<Slot> = (0..8)
            .map(|i| admission.admit(&format!("user-{i}")).expect("a place"))
            .collect();
        assert_eq!(admission.per_user.lock().unwrap().len(), 8);
        drop(slots);
        assert!(admission.per_user.lock().unwrap().is_empty());
        assert_eq!(admission.in_flight(), 0);
    }
}
