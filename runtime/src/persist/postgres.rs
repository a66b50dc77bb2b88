//! PostgreSQL persister (in progress).
