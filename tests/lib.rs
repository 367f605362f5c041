//! Integration tests: one binary that runs the real `rhrel` in temp dirs (see `support`).

mod support;

mod api;
mod api_gaps;
mod check;
mod cli;
mod core;
mod deadline;
mod e2e_http;
mod e2e_postgres;
mod e2e_redis;
mod env;
mod exec;
mod files;
mod hardening;
mod hooks;
mod http;
mod http_server;
mod imports;
mod in_process;
mod init;
mod json;
mod lock;
mod log_events;
mod masking;
mod packaging;
mod parallel;
mod rhrel_test;
mod safety;
mod sandbox;
mod secrets;
mod seed;
mod services;
mod stdlib;
mod stdlib_integration;
mod task;
