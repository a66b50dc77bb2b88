//! Shared test support. Each test binary declares `mod support;` and uses what it needs.
#![allow(dead_code)]

pub mod postgres;
