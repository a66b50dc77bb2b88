//! The batch engine (in progress).
