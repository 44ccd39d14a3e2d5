//! `gobiz sandbox scenario` (issue 19): the CLI runs a compressed lunch rush to its summary,
//! the same seed plans the same orders, a detached run can be stopped, and bad options fail in
//! one line.

use crate::harness::*;
use crate::support::orders::env;
use serde_json::json;
use std::time::Duration;

async fn the_cli_runs_a_lunch_rush_to_its_summary(app: TestApp) {
    let e = env(&app).await;
    let outlet = e.outlet().to_string();
    let args = [
        "sandbox",
        "scenario",
        "run",
        "--outlet",
        &outlet,
        "--duration",
        "6m",
        "--peak",
        "4",
        "--seed",
        "3",
        "--payment",
        "0",
        "--json",
    ];
    let first = cli(&app, &args).await.ok().json();
    assert_eq!(first["status"], json!("finished"), "{first}");
    let planned = first["progress"]["orders_planned"].as_i64().unwrap();
    assert!(planned > 0, "{first}");
    assert_eq!(
        first["summary"]["orders"]["placed"],
        json!(planned),
        "{first}"
    );
    let deliveries = first["summary"]["webhooks"]["deliveries"].as_i64().unwrap();
    assert!(
        deliveries >= planned,
        "every order told the partner: {first}"
    );
    // The partner's receiver got what the summary counts as delivered.
    let delivered = first["summary"]["webhooks"]["delivered"].as_u64().unwrap() as usize;
    let got = e.rx.wait_for(delivered, Duration::from_secs(30)).await;
    assert!(got.len() >= delivered);
    let second = cli(&app, &args).await.ok().json();
    assert_eq!(
        second["progress"]["orders_planned"],
        json!(planned),
        "same seed, same plan"
    );
    assert_eq!(
        second["spec"]["orders_per_minute"],
        first["spec"]["orders_per_minute"]
    );
    let list = cli(&app, &["sandbox", "scenario", "list", "--json"])
        .await
        .ok()
        .json();
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    let id = first["id"].as_str().unwrap();
    let shown = cli(&app, &["sandbox", "scenario", "show", id]).await.ok();
    assert!(shown.stdout.contains("answer times"), "{shown:#?}");
}
both_dbs!(the_cli_runs_a_lunch_rush_to_its_summary);

async fn a_detached_scenario_can_be_stopped(app: TestApp) {
    let e = env(&app).await;
    let outlet = e.outlet().to_string();
    let started = cli(
        &app,
        &[
            "sandbox",
            "scenario",
            "run",
            "--outlet",
            &outlet,
            "--duration",
            "30m",
            "--peak",
            "3",
            "--real-time",
            "--payment",
            "0",
            "--detach",
            "--json",
        ],
    )
    .await
    .ok()
    .json();
    let id = started["id"].as_str().unwrap().to_string();
    assert_eq!(started["status"], json!("running"), "{started}");
    let stopped = cli(&app, &["sandbox", "scenario", "stop", &id, "--json"])
        .await
        .ok()
        .json();
    assert!(
        matches!(stopped["status"].as_str(), Some("stopping" | "stopped")),
        "{stopped}"
    );
    let again = cli(&app, &["sandbox", "scenario", "stop", &id]).await;
    // Stopping twice: still a clean answer or a clear refusal, never a crash.
    assert!(matches!(again.code, 0 | 6), "{again:#?}");
}
both_dbs!(a_detached_scenario_can_be_stopped);

#[tokio::test]
async fn bad_scenario_options_fail_in_one_line() {
    let db = TestDb::sqlite();
    let app = TestApp::start(&db.url).await;
    for (args, code, words) in [
        (
            vec!["sandbox", "scenario", "run", "--duration", "90s"],
            2,
            "whole minutes",
        ),
        (
            vec!["sandbox", "scenario", "run", "--rate", "1,2", "--peak", "3"],
            2,
            "--peak",
        ),
        (
            vec!["sandbox", "scenario", "run", "--outlet", "G999999999"],
            5,
            "G999999999",
        ),
        (
            vec![
                "sandbox",
                "scenario",
                "run",
                "--outlet",
                "G000000001",
                "--pickup",
                "2",
            ],
            6,
            "pickup",
        ),
        (
            vec!["sandbox", "scenario", "show", "no-such-scenario"],
            5,
            "no-such-scenario",
        ),
    ] {
        let run = cli(&app, &args).await;
        assert_eq!(run.code, code, "{args:?}: {run:#?}");
        assert_eq!(run.stderr.trim().lines().count(), 1, "{args:?}: {run:#?}");
        assert!(run.stderr.contains(words), "{args:?}: {run:#?}");
    }
}
