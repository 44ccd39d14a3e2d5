//! The sandbox auto-driver (spec §10.2, issue 6; off by default): with
//! `GOBIZ_AUTO_DRIVER_SECS=60` accepted delivery orders walk through the driver steps on the
//! sandbox clock, one step a minute; the driver waits at the counter until the food is marked
//! ready; pickup orders are left alone; one large clock advance walks a whole order, each
//! step at its own time; without the setting nothing moves. Black box, both databases.

use crate::harness::*;
use crate::support::orders::*;
use serde_json::json;

const PACE: &[(&str, &str)] = &[("GOBIZ_AUTO_DRIVER_SECS", "60")];

async fn status_of_order(app: &TestApp, n: &str) -> String {
    status(&get_order(app, n).await)
}

async fn walks_a_delivery_step_by_step(app: TestApp) {
    let e = env(&app).await;
    let o = place_ok(&app, e.outlet(), simple_order()).await;
    let n = num(&o);
    assert_eq!(status(&o), ACCEPTED, "linked outlets auto-accept: {o}");

    app.advance_clock(59).await;
    assert_eq!(
        status_of_order(&app, &n).await,
        ACCEPTED,
        "not due before 60 s"
    );
    app.advance_clock(1).await;
    let v = get_order(&app, &n).await;
    assert_eq!(status(&v), OTW, "{v}");
    assert_eq!(v["driver"]["name"], json!("GoFood Driver"), "{v}");

    app.advance_clock(60).await;
    assert_eq!(status_of_order(&app, &n).await, ARRIVED);
    // The driver waits at the counter for the food, however long.
    app.advance_clock(3_600).await;
    assert_eq!(
        status_of_order(&app, &n).await,
        ARRIVED,
        "waits for the food"
    );

    // The clock moved an hour: a fresh token.
    let tok = app.fixture_token(&e.fx).await;
    let r = prepared(
        &app,
        &tok,
        e.outlet(),
        "delivery",
        &n,
        Some(json!({ "country_code": "ID" })),
    )
    .await;
    assert_ok_empty(&r, "food-prepared");
    app.advance_clock(59).await;
    assert_eq!(status_of_order(&app, &n).await, ARRIVED);
    app.advance_clock(1).await;
    assert_eq!(
        status_of_order(&app, &n).await,
        PLACED,
        "picked up a minute after the food"
    );
    app.advance_clock(60).await;
    let v = get_order(&app, &n).await;
    assert_eq!(status(&v), "COMPLETED", "{v}");
    assert_view_statuses(&v, &[CREATED, ACCEPTED, OTW, ARRIVED, PLACED, "COMPLETED"]);

    // Every step went out as a webhook; in order of `header.timestamp` they follow the
    // lifecycle (deliveries may arrive in any order).
    let mut hooks = status_hooks(&wait_hooks(&e.rx, HOOK, &n, 6).await);
    hooks.sort_by_key(|h| h.ts);
    let names: Vec<String> = hooks.iter().map(|h| h.name.clone()).collect();
    let tail: Vec<String> = [CREATED, ACCEPTED, OTW, ARRIVED, PLACED, "COMPLETED"]
        .iter()
        .map(|s| event_of(s))
        .collect();
    assert_eq!(names, tail, "webhooks in timestamp order");
}
both_dbs!(walks_a_delivery_step_by_step, PACE);

async fn one_big_advance_walks_every_step_at_its_own_time(app: TestApp) {
    let e = env(&app).await;
    let o = place_ok(&app, e.outlet(), simple_order()).await;
    let n = num(&o);
    // Food ready right away: nothing makes the driver wait.
    let r = prepared(
        &app,
        &e.tok,
        e.outlet(),
        "delivery",
        &n,
        Some(json!({ "country_code": "ID" })),
    )
    .await;
    assert_ok_empty(&r, "food-prepared");
    let accepted_at = clock_now_ms(&app).await;
    app.advance_clock(3_600).await;
    let v = get_order(&app, &n).await;
    assert_eq!(status(&v), "COMPLETED", "{v}");
    let times: Vec<i64> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .skip(2)
        .map(|ev| epoch_ms(ev["at"].as_str().unwrap()))
        .collect();
    assert_eq!(times.len(), 4, "{v}");
    for (i, t) in times.iter().enumerate() {
        let expected = accepted_at + 60_000 * (i as i64 + 1);
        assert!(
            (t - expected).abs() < 2_000,
            "step {i} at {t}, expected about {expected}: {v}"
        );
    }
}
both_dbs!(one_big_advance_walks_every_step_at_its_own_time, PACE);

async fn pickup_orders_and_unaccepted_orders_are_left_alone(app: TestApp) {
    let e = env(&app).await;
    let p = place_ok(&app, e.outlet(), pickup_order()).await;
    set_mode(&app, e.outlet(), "manual").await;
    let m = place_ok(&app, e.outlet(), simple_order()).await;
    assert_eq!(status(&m), AWAITING, "{m}");
    app.advance_clock(120).await;
    assert_eq!(
        status_of_order(&app, &num(&p)).await,
        ACCEPTED,
        "no driver for pickup"
    );
    assert_eq!(
        status_of_order(&app, &num(&m)).await,
        AWAITING,
        "not accepted yet"
    );
    // Once the merchant accepts, the driver comes.
    let r = accept(&app, &e.tok, e.outlet(), "delivery", &num(&m)).await;
    assert_ok_empty(&r, "accept");
    app.advance_clock(60).await;
    assert_eq!(status_of_order(&app, &num(&m)).await, OTW);
    // A customer cancel stops the walk.
    let r = customer_cancel(&app, &num(&m), json!({})).await;
    r.data(200);
    app.advance_clock(600).await;
    assert_eq!(status_of_order(&app, &num(&m)).await, "CANCELLED");
}
both_dbs!(pickup_orders_and_unaccepted_orders_are_left_alone, PACE);

async fn off_by_default(app: TestApp) {
    let e = env(&app).await;
    let o = place_ok(&app, e.outlet(), simple_order()).await;
    app.advance_clock(3_600).await;
    assert_eq!(
        status_of_order(&app, &num(&o)).await,
        ACCEPTED,
        "drivers move only through the sandbox"
    );
}
both_dbs!(off_by_default);
