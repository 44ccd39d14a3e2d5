//! Delivery chaos (issue 19): settings validated and shown; with a fixed seed the duplicates
//! and holds are the same every run; every event still arrives at least once, duplicates share
//! their key; `fail` runs the retry budget of spec §9.8 without sending and the last attempt
//! is real; chaos off restores single, in-order delivery.

use crate::harness::receiver::*;
use crate::harness::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

const EV: &str = "gofood.order.merchant_accepted";
const FAST: &[(&str, &str)] = &[("GOBIZ_WEBHOOK_RETRY_SCHEDULE_MS", "100,100,100,100,100")];

fn chaos_path(partner: &str) -> String {
    format!("/sandbox/v1/partners/{partner}/chaos")
}

async fn put_chaos(app: &TestApp, partner: &str, body: Value) -> Resp {
    app.send(
        app.request(reqwest::Method::PUT, &chaos_path(partner))
            .bearer_auth(ADMIN_TOKEN)
            .json(&body),
    )
    .await
}

/// A facilitator whose partner-wide subscription to [`EV`] goes to a new receiver.
async fn subscribed(app: &TestApp) -> (Fixture, Receiver) {
    let fx = app.setup_facilitator().await;
    let rx = Receiver::start().await;
    let tok = order_token(app, &fx).await;
    subscribe(app, &tok, EV, &rx.url("/hook")).await;
    (fx, rx)
}

/// Emits `n` order events one after another; their event ids in order.
async fn emit_many(app: &TestApp, outlet: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for _ in 0..n {
        let ev = emit(app, EV, outlet, Some(order_body(&order_number(), outlet))).await;
        ids.push(ev["event_id"].as_str().unwrap().to_string());
    }
    ids
}

/// Per event (in `ids` order): how many deliveries it got and its original's chaos notes.
async fn decisions(app: &TestApp, partner: &str, ids: &[String]) -> Vec<(usize, Vec<String>)> {
    let all = deliveries(app, &format!("partner_id={partner}&per_page=100")).await;
    ids.iter()
        .map(|id| {
            let mine: Vec<&Value> = all.iter().filter(|d| d["event_id"] == json!(id)).collect();
            let mut notes: Vec<String> = mine
                .iter()
                .flat_map(|d| d["history"].as_array().cloned().unwrap_or_default())
                .filter_map(|h| h["exception_message"].as_str().map(String::from))
                .filter(|m| m.starts_with("Chaos: held") || m.starts_with("Chaos: duplicate of"))
                .map(|m| m.split(" (same").next().unwrap_or("").to_string())
                // The copy's note names the original's id, which is random: keep its kind.
                .map(|m| {
                    if m.starts_with("Chaos: duplicate of") {
                        "copy".to_string()
                    } else {
                        m
                    }
                })
                .collect();
            notes.sort();
            (mine.len(), notes)
        })
        .collect()
}

async fn chaos_settings_are_checked_and_shown(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let off = app.admin_get(&chaos_path(&fx.partner_id)).await;
    assert_eq!(
        off.data(200)["chaos"]["enabled"],
        json!(false),
        "{}",
        off.text
    );
    let bad = put_chaos(
        &app,
        &fx.partner_id,
        json!({ "duplicate": { "fraction": 2, "gap_ms": 10 }, "delay": { "min_ms": 5, "max_ms": 1 },
                "fail": { "fraction": 0.5, "status": 200 }, "seed": 9007199254740992u64 }),
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    for path in ["duplicate.fraction", "delay.max_ms", "fail.status"] {
        assert!(bad.text.contains(path), "{path}: {}", bad.text);
    }
    let wrong_type = put_chaos(
        &app,
        &fx.partner_id,
        json!({ "reorder": { "window_ms": "soon" } }),
    )
    .await;
    assert_eq!(wrong_type.status, 400, "{}", wrong_type.text);
    assert!(
        wrong_type.text.contains("reorder.window_ms"),
        "{}",
        wrong_type.text
    );
    let unknown = put_chaos(
        &app,
        "no-such-partner",
        json!({ "reorder": { "window_ms": 10 } }),
    )
    .await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    let after = app.admin_get(&chaos_path(&fx.partner_id)).await;
    assert_eq!(
        after.data(200)["chaos"]["enabled"],
        json!(false),
        "bad input changes nothing"
    );
    let set = put_chaos(
        &app,
        &fx.partner_id,
        json!({ "reorder": { "window_ms": 2000 } }),
    )
    .await;
    let c = set.data(200)["chaos"].clone();
    assert_eq!(c["enabled"], json!(true), "{c}");
    assert!(
        c["settings"]["seed"].as_u64().is_some(),
        "a seed is chosen and shown: {c}"
    );
    assert_eq!(c["settings"]["reorder"]["window_ms"], json!(2000));
    let cleared = app
        .send(
            app.request(reqwest::Method::DELETE, &chaos_path(&fx.partner_id))
                .bearer_auth(ADMIN_TOKEN),
        )
        .await;
    assert_eq!(cleared.data(200)["chaos"]["enabled"], json!(false));
}
both_dbs!(chaos_settings_are_checked_and_shown);

async fn a_seed_replays_the_same_duplicates_and_holds(app: TestApp) {
    let (fx, rx) = subscribed(&app).await;
    let settings = json!({ "seed": 11, "duplicate": { "fraction": 0.5, "gap_ms": 300 },
                           "reorder": { "window_ms": 1500 } });
    put_chaos(&app, &fx.partner_id, settings.clone())
        .await
        .data(200);
    let first = emit_many(&app, &fx.outlet_id, 12).await;
    let run1 = decisions(&app, &fx.partner_id, &first).await;
    // Setting the same seed again starts the decisions over: the next 12 events get the same.
    put_chaos(&app, &fx.partner_id, settings).await.data(200);
    let second = emit_many(&app, &fx.outlet_id, 12).await;
    let run2 = decisions(&app, &fx.partner_id, &second).await;
    assert_eq!(run1, run2, "the same seed, the same decisions");
    let copies: usize = run1.iter().map(|(n, _)| n - 1).sum();
    assert!((1..12).contains(&copies), "a share duplicated: {run1:?}");
    assert!(
        run1.iter()
            .all(|(_, notes)| notes.iter().any(|n| n.starts_with("Chaos: held"))),
        "{run1:?}"
    );
    // Every event arrives, duplicates with the same key and body; the order is shuffled.
    let expected: usize = run1.iter().chain(run2.iter()).map(|(n, _)| n).sum();
    let got = rx
        .wait_for_path("/hook", expected, Duration::from_secs(30))
        .await;
    rx.assert_stays("/hook", expected, Duration::from_millis(700))
        .await;
    let mut keys: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for g in &got {
        keys.entry(g.event_id())
            .or_default()
            .push((g.idempotency_key(), g.body_str()));
    }
    for (i, id) in first.iter().chain(second.iter()).enumerate() {
        let seen = keys
            .get(id)
            .unwrap_or_else(|| panic!("event {i} never arrived"));
        let want = if i < 12 { run1[i].0 } else { run2[i - 12].0 };
        assert_eq!(seen.len(), want, "event {i}: {seen:?}");
        assert!(
            seen.iter().all(|k| k == &seen[0]),
            "a duplicate shares key and body"
        );
    }
    let arrival: Vec<usize> = got
        .iter()
        .filter_map(|g| first.iter().position(|id| *id == g.event_id()))
        .collect();
    assert!(
        arrival.windows(2).any(|w| w[0] > w[1]),
        "reordered: {arrival:?}"
    );
}
both_dbs!(a_seed_replays_the_same_duplicates_and_holds);

async fn fail_runs_the_retry_budget_and_off_restores_order(app: TestApp) {
    let (fx, rx) = subscribed(&app).await;
    put_chaos(
        &app,
        &fx.partner_id,
        json!({ "seed": 5, "fail": { "fraction": 1, "status": 503 } }),
    )
    .await
    .data(200);
    let id = emit_many(&app, &fx.outlet_id, 1).await.remove(0);
    let got = rx.wait_for_path("/hook", 1, Duration::from_secs(30)).await;
    assert_eq!(got[0].event_id(), id);
    rx.assert_stays("/hook", 1, Duration::from_millis(500))
        .await;
    let all = deliveries(&app, &format!("partner_id={}", fx.partner_id)).await;
    let d = wait_status(
        &app,
        all[0]["id"].as_str().unwrap(),
        "delivered",
        Duration::from_secs(10),
    )
    .await;
    let history = d["history"].as_array().unwrap().clone();
    // 503 allows four retries (spec §9.8): four simulated failures, then the real attempt.
    assert_eq!(history.len(), 5, "{d}");
    for h in &history[..4] {
        assert_eq!(
            h["exception_message"],
            json!("HTTP 503 (chaos: not sent)"),
            "{d}"
        );
        assert_eq!(h["status_code"], json!(503));
    }
    assert_eq!(history[4]["delivered"], json!(true), "{d}");
    // Chaos off: each event once, in the order emitted, with no chaos note.
    app.send(
        app.request(reqwest::Method::DELETE, &chaos_path(&fx.partner_id))
            .bearer_auth(ADMIN_TOKEN),
    )
    .await
    .data(200);
    let mut order = Vec::new();
    for i in 0..5 {
        order.extend(emit_many(&app, &fx.outlet_id, 1).await);
        rx.wait_for_path("/hook", 2 + i, Duration::from_secs(10))
            .await;
    }
    let got = rx.requests_to("/hook");
    let ids: Vec<String> = got[1..].iter().map(|g| g.event_id()).collect();
    assert_eq!(ids, order);
    let after = deliveries(&app, &format!("partner_id={}&per_page=100", fx.partner_id)).await;
    let noted = after
        .iter()
        .filter(|d| order.contains(&d["event_id"].as_str().unwrap_or("").to_string()))
        .filter(|d| d.to_string().contains("Chaos"))
        .count();
    assert_eq!(noted, 0);
}
both_dbs!(fail_runs_the_retry_budget_and_off_restores_order, FAST);

async fn the_cli_sets_shows_and_clears_chaos(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let set = cli(
        &app,
        &[
            "sandbox",
            "chaos",
            "set",
            "--partner",
            &fx.partner_id,
            "--duplicate",
            "0.25",
            "--reorder-window",
            "5s",
            "--delay",
            "1s-3s",
            "--fail",
            "0.5",
            "--fail-status",
            "503",
            "--seed",
            "42",
            "--json",
        ],
    )
    .await
    .ok()
    .json();
    assert_eq!(set["enabled"], json!(true), "{set}");
    assert_eq!(
        set["settings"],
        json!({ "seed": 42, "duplicate": { "fraction": 0.25, "gap_ms": 3000 },
                "reorder": { "window_ms": 5000 }, "delay": { "min_ms": 1000, "max_ms": 3000 },
                "fail": { "fraction": 0.5, "status": 503 } })
    );
    let shown = app.admin_get(&chaos_path(&fx.partner_id)).await;
    assert_eq!(shown.data(200)["chaos"]["settings"], set["settings"]);
    let human = cli(
        &app,
        &["sandbox", "chaos", "show", "--partner", &fx.partner_id],
    )
    .await
    .ok();
    assert!(human.stdout.contains("HTTP 503, not sent"), "{human:#?}");
    let bad = cli(
        &app,
        &[
            "sandbox",
            "chaos",
            "set",
            "--partner",
            &fx.partner_id,
            "--fail",
            "2",
        ],
    )
    .await;
    assert_eq!(bad.code, 6, "{bad:#?}");
    assert!(
        bad.stderr.contains("fail.fraction: must be from 0 to 1"),
        "{bad:#?}"
    );
    let off = cli(
        &app,
        &[
            "sandbox",
            "chaos",
            "off",
            "--partner",
            &fx.partner_id,
            "--json",
        ],
    )
    .await
    .ok()
    .json();
    assert_eq!(off["enabled"], json!(false));
}
both_dbs!(the_cli_sets_shows_and_clears_chaos);

async fn the_console_sets_and_clears_chaos(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let console = ConsoleSession::sign_in(&app).await;
    let path = format!("/console/partners/{}", fx.partner_id);
    let page = console.get(&path).await;
    assert!(
        page.text.contains("Delivery chaos") && page.text.contains("Off: every delivery"),
        "{}",
        page.text
    );
    let action = format!("{path}/chaos");
    let bad = console
        .post(
            &action,
            &[
                ("action", "set"),
                ("fail_fraction", "lots"),
                ("reorder_window_ms", "0"),
            ],
            true,
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(
        bad.text
            .contains("fail.fraction: &quot;lots&quot; is not a number"),
        "{}",
        bad.text
    );
    let still = app.admin_get(&chaos_path(&fx.partner_id)).await;
    assert_eq!(
        still.data(200)["chaos"]["enabled"],
        json!(false),
        "a wrong form changes nothing"
    );
    let range = console
        .post(
            &action,
            &[("action", "set"), ("reorder_window_ms", "0")],
            true,
        )
        .await;
    assert_eq!(range.status, 400, "{}", range.text);
    assert!(
        range
            .text
            .contains("reorder.window_ms: must be from 1 to 3600000"),
        "{}",
        range.text
    );
    let ok = console
        .post(
            &action,
            &[
                ("action", "set"),
                ("seed", "7"),
                ("duplicate_fraction", "0.5"),
                ("fail_fraction", "0.25"),
                ("fail_status", "500"),
            ],
            true,
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert!(ok.text.contains("id=\"chaos-off\""), "{}", ok.text);
    let set = app.admin_get(&chaos_path(&fx.partner_id)).await;
    assert_eq!(
        set.data(200)["chaos"]["settings"],
        json!({ "seed": 7, "duplicate": { "fraction": 0.5, "gap_ms": 3000 }, "fail": { "fraction": 0.25, "status": 500 } })
    );
    // A plain form (no JavaScript) is redirected back to the partner page.
    let off = console.post(&action, &[("action", "off")], false).await;
    assert_eq!(off.status, 303, "{}", off.text);
    let cleared = app.admin_get(&chaos_path(&fx.partner_id)).await;
    assert_eq!(cleared.data(200)["chaos"]["enabled"], json!(false));
    let no_csrf = app
        .send(
            app.request(reqwest::Method::POST, &action)
                .header("cookie", &console.cookie)
                .form(&[("action", "off")]),
        )
        .await;
    assert_eq!(no_csrf.status, 403, "{}", no_csrf.text);
}
both_dbs!(the_console_sets_and_clears_chaos);
