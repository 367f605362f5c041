//! Integration tests: one binary that runs the real `rhrel` in temp dirs (see `support`).

mod support;

mod core;
mod deadline;
mod env;
mod exec;
mod http;
mod http_server;
mod json;
mod sandbox;
mod seed;
