//! Integration tests: one binary that runs the real `rhrel` in temp dirs (see `support`).

mod support;

mod api;
mod core;
mod deadline;
mod env;
mod files;
mod imports;
mod seed;
mod stdlib;
mod task;
