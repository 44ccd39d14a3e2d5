//! The console's traffic scenarios page (issue 19): the lunch-rush form with the server's
//! message next to a wrong field, a started rush followed to its summary, and a stop.

use crate::harness::*;
use crate::support::orders::env;
use std::time::{Duration, Instant};

async fn a_lunch_rush_from_the_console(app: TestApp) {
    let e = env(&app).await;
    let console = ConsoleSession::sign_in(&app).await;
    let page = console.get("/console/scenarios").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text.contains("id=\"scenario-form\"") && page.text.contains(e.outlet()),
        "{}",
        page.text
    );
    let bad = console
        .post(
            "/console/scenarios",
            &[
                ("outlet_id", e.outlet()),
                ("peak_orders_per_minute", "lots"),
            ],
            false,
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(
        bad.text
            .contains("peak_orders_per_minute: &quot;lots&quot; is not a number"),
        "{}",
        bad.text
    );
    let range = console
        .post(
            "/console/scenarios",
            &[("outlet_id", e.outlet()), ("pickup", "3")],
            false,
        )
        .await;
    assert_eq!(range.status, 400, "{}", range.text);
    assert!(range.text.contains("mix.pickup"), "{}", range.text);
    let unknown = console
        .post("/console/scenarios", &[("outlet_id", "G999999999")], false)
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    assert!(unknown.text.contains("G999999999"), "{}", unknown.text);
    let started = console
        .post(
            "/console/scenarios",
            &[
                ("outlet_id", e.outlet()),
                ("duration_minutes", "5"),
                ("peak_orders_per_minute", "3"),
                ("payment", "0"),
                ("seed", "9"),
                ("compressed", "on"),
            ],
            false,
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.text);
    let to = started.headers["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/console/scenarios/"), "{to}");
    let deadline = Instant::now() + Duration::from_secs(60);
    let page = loop {
        let p = console.get(&to).await;
        assert_eq!(p.status, 200, "{}", p.text);
        if p.text.contains(">finished<") {
            break p;
        }
        assert!(
            Instant::now() < deadline,
            "the rush did not finish: {}",
            p.text
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let id = to.trim_start_matches("/console/scenarios/");
    let api = app.admin_get(&format!("/sandbox/v1/scenarios/{id}")).await;
    let placed = api.data(200)["scenario"]["summary"]["orders"]["placed"]
        .as_i64()
        .unwrap();
    assert!(placed > 0);
    assert!(
        page.text.contains(&format!("{placed} placed")),
        "{}",
        page.text
    );
    let list = console.get("/console/scenarios").await;
    assert!(
        list.text.contains(&format!("data-scenario=\"{id}\"")),
        "{}",
        list.text
    );
    // A real-time rush can be stopped from its page.
    let slow = console
        .post(
            "/console/scenarios",
            &[
                ("outlet_id", e.outlet()),
                ("duration_minutes", "30"),
                ("payment", "0"),
            ],
            false,
        )
        .await;
    assert_eq!(slow.status, 303, "{}", slow.text);
    let slow_page = slow.headers["location"].to_str().unwrap().to_string();
    let shown = console.get(&slow_page).await;
    assert!(
        shown.text.contains("id=\"scenario-stop\""),
        "{}",
        shown.text
    );
    let stopped = console.post(&format!("{slow_page}/stop"), &[], false).await;
    assert_eq!(stopped.status, 303, "{}", stopped.text);
    let after = console.get(&slow_page).await;
    assert!(
        after.text.contains(">stopped<") || after.text.contains(">stopping<"),
        "{}",
        after.text
    );
    let missing = console.get("/console/scenarios/nope").await;
    assert_eq!(missing.status, 404);
}
both_dbs!(a_lunch_rush_from_the_console);
