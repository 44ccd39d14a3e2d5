//! The black-box tests of the `gobiz` binary, as one test binary: each module spawns the real
//! binary (see `harness::process`) against fresh databases and talks to it over HTTP only.
//! Most tests run on SQLite and on PostgreSQL (`both_dbs!`); PostgreSQL tests run when
//! `GOBIZ_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod harness;
mod support;

mod auth;
mod auto_driver;
mod catalog;
mod cli_listen;
mod cli_sandbox;
mod cli_scenario;
mod cli_trigger;
mod console;
mod console_browser;
mod console_orders;
mod console_outlets;
mod console_payments;
mod console_scenarios;
mod console_webhooks;
mod conventions;
mod goauth;
mod hostile;
mod moka;
mod multi_node;
mod observability;
mod openapi;
mod orders;
mod partner_outlets;
mod partner_user;
mod payments;
mod promotions;
mod readme;
mod restart;
mod sandbox;
mod sandbox_chaos;
mod sandbox_scenarios;
mod secrets_at_rest;
mod startup;
mod token;
mod webhooks;
mod webhooks_crash;
mod webhooks_transport;
