//! Integration tests: one binary that runs the real `rhrel` in temp dirs (see `support`).

mod support;

mod check;
mod core;
mod deadline;
mod env;
mod seed;
