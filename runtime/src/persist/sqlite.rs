//! SQLite persister (in progress).
