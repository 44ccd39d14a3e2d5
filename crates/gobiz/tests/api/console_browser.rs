//! Issue 17's browser scenario, in a real headless Chromium (`harness::browser`), on SQLite:
//! the console is driven by clicking and filling its forms; the sandbox and partner APIs only
//! set up what the console cannot (merchant, user, partner, catalog, subscriptions) and act as
//! the partner (accept an order). Live updates are shown to come without a reload: a marker
//! set in the page's JavaScript before is still there after.

use std::time::Duration;

use fantoccini::wd::WindowHandle;
use serde_json::{json, Value};

use crate::harness::receiver::Behaviour;
use crate::harness::*;
use crate::support::orders::{accept, env, get_order, status, HOOK};

/// Opens the console, lands on sign-in and signs in with the admin token.
async fn sign_in(b: &Browser, app: &TestApp) {
    b.goto(&app.url("/console")).await;
    b.wait_for_path("/console/sign-in").await;
    b.fill("#token", ADMIN_TOKEN).await;
    b.submit("form[action=\"/console/sign-in\"]").await;
    b.wait_for_path("/console").await;
    b.wait_for_text_in("h1", "Overview").await;
}

/// Chooses the option with `value` in the `<select>` matching `css`.
async fn select(b: &Browser, css: &str, value: &str) {
    let e = b.wait_for(css).await;
    e.select_by_value(value)
        .await
        .unwrap_or_else(|err| panic!("select {value} in {css}: {err}"));
}

/// Sets a marker in the page's JavaScript: it survives htmx swaps, not a reload.
async fn mark(b: &Browser) {
    b.js("window.__no_reload = 'still here'; return null;")
        .await;
}

async fn assert_not_reloaded(b: &Browser, what: &str) {
    assert_eq!(
        b.js("return window.__no_reload || null;").await,
        json!("still here"),
        "the page was reloaded ({what})"
    );
}

/// Opens a second tab and switches to it; returns the first tab's handle.
async fn second_tab(b: &Browser) -> WindowHandle {
    let first = b.client().window().await.expect("current window");
    let tab = b.client().new_window(true).await.expect("open a new tab");
    b.client()
        .switch_to_window(tab.handle)
        .await
        .expect("switch to the new tab");
    first
}

async fn switch_to(b: &Browser, tab: WindowHandle) {
    b.client()
        .switch_to_window(tab)
        .await
        .expect("switch back to the first tab");
}

/// `GET /sandbox/v1/outlets/{id}` → `data.outlet`.
async fn sandbox_outlet(app: &TestApp, id: &str) -> Value {
    app.admin_get(&format!("/sandbox/v1/outlets/{id}"))
        .await
        .data(200)["outlet"]
        .clone()
}

/// Polls the sandbox API until the outlet's acceptance mode is `mode`.
async fn wait_mode(app: &TestApp, id: &str, mode: &str) {
    for _ in 0..100 {
        if sandbox_outlet(app, id).await["acceptance_mode"] == json!(mode) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("outlet {id} never got acceptance mode {mode}");
}

/// On the outlet page: clicks the acceptance mode button `mode`.
async fn set_mode_in_browser(b: &Browser, app: &TestApp, outlet: &str, mode: &str) {
    b.goto(&app.url(&format!("/console/outlets/{outlet}")))
        .await;
    b.click(&format!("#mode-{mode}")).await;
    wait_mode(app, outlet, mode).await;
}

/// On the outlet's menu page: orders one `TEH` (no variants) for delivery with the "place test
/// order" form; returns the order number from the order page it lands on.
async fn place_test_order(b: &Browser, app: &TestApp, outlet: &str) -> String {
    b.goto(&app.url(&format!("/console/outlets/{outlet}/menu")))
        .await;
    b.wait_for("#order-form").await;
    let row = b
        .attr("tr.item[data-external-id=\"TEH\"]", "id")
        .await
        .expect("the TEH row has an id");
    let item = row.strip_prefix("item-").expect("item-<id>").to_string();
    b.click("#order-type-delivery").await;
    b.fill("#customer-name", "Budi").await;
    b.click(&format!("#pick-{item}")).await;
    b.click("#place-order").await;
    let at = b
        .wait_until("the order page", BROWSER_WAIT, || async {
            let path = b.path().await;
            path.strip_prefix("/console/orders/F-")
                .map(|n| format!("F-{n}"))
        })
        .await;
    b.wait_for("#order-status").await;
    at
}

/// Steps 1, 6 and 8: an outlet created with the "create outlet" form, linked to a partner for
/// gofood and for payment with the outlet page's link form; a QRIS payment created and paid
/// on its payments page; signed out, the console asks to sign in again.
#[tokio::test]
async fn console_browser_outlet_link_payment_sign_out() {
    on_sqlite(outlet_link_payment_sign_out, &[]).await;
}

async fn outlet_link_payment_sign_out(app: TestApp) {
    // A merchant with its owner and a facilitator partner (with an outlet of its own).
    let fx = app.setup_facilitator().await;
    let b = Browser::start().await;
    sign_in(&b, &app).await;

    // 1. Create an outlet from the outlets page.
    b.goto(&app.url("/console/outlets")).await;
    select(&b, "#outlet-merchant", &fx.merchant_id).await;
    b.fill("#outlet-name", "Kopi Browser Senopati").await;
    b.fill("#outlet-address", "Jl. Senopati 1, Jakarta").await;
    b.fill("#outlet-email", "senopati@example.com").await;
    select(&b, "#outlet-acceptance-mode", "manual").await;
    b.click("#create-outlet-submit").await;
    let outlet = b
        .wait_until("the new outlet's page", BROWSER_WAIT, || async {
            let path = b.path().await;
            path.strip_prefix("/console/outlets/G")
                .map(|n| format!("G{n}"))
        })
        .await;
    let o = sandbox_outlet(&app, &outlet).await;
    assert_eq!(o["name"], json!("Kopi Browser Senopati"));
    assert_eq!(o["acceptance_mode"], json!("manual"));
    assert_eq!(o["email"], json!("senopati@example.com"));

    // ... and link the partner to it for gofood, then for payment (same external id).
    b.wait_for("#no-links-gofood").await;
    for product in ["gofood", "payment"] {
        mark(&b).await;
        select(&b, "#link-user", &fx.user_id).await;
        select(&b, "#link-partner", &fx.partner_id).await;
        select(&b, "#link-product", product).await;
        b.fill("#link-external-id", "browser-ext-1").await;
        b.click("#link-submit").await;
        let row = format!(
            "#links-{product} tr.link[data-partner=\"{}\"][data-product=\"{product}\"]",
            fx.partner_id
        );
        let ext = b
            .wait_for_text_in(&format!("{row} code.external-id"), "browser-ext-1")
            .await;
        assert_eq!(ext.trim(), "browser-ext-1");
        assert_not_reloaded(&b, "the link form swaps the links card").await;
    }
    // The partner sees the outlet through its own API.
    let tok = app.fixture_token(&fx).await;
    let r = app
        .api_get(&format!("/integrations/partner/outlets/{outlet}/v1"), &tok)
        .await;
    assert_eq!(
        r.status, 200,
        "the partner reads the linked outlet: {}",
        r.text
    );

    // 6. A QRIS payment on the new outlet's payments page, created and paid.
    b.click("#to-payments").await;
    b.wait_for_path("/console/payments").await;
    b.fill("#payment-amount", "25000").await;
    b.click("#create-payment-submit").await;
    let payment = b
        .wait_until("the payment's page", BROWSER_WAIT, || async {
            let path = b.path().await;
            let id = path.strip_prefix("/console/payments/")?;
            (!id.is_empty()).then(|| id.to_string())
        })
        .await;
    let shown = b.attr("#payment-status", "data-status").await;
    assert_eq!(shown.as_deref(), Some("pending"));
    let shown_id = b.text("#payment-id").await;
    assert_eq!(shown_id.trim(), payment);
    mark(&b).await;
    b.click("#payment-pay").await;
    b.wait_for("#payment-status[data-status=\"settlement\"]")
        .await;
    assert!(!b.exists("#payment-pay").await, "no more payer actions");
    assert_not_reloaded(&b, "pay swaps the payment card").await;

    // 8. Sign out: every console page sends the visitor to sign in again.
    b.click("#sign-out").await;
    b.wait_for_path("/console/sign-in").await;
    for path in [
        "/console".to_string(),
        format!("/console/outlets/{outlet}"),
        format!("/console/payments/{payment}"),
    ] {
        b.goto(&app.url(&path)).await;
        b.wait_for_path("/console/sign-in").await;
        b.wait_for("#token").await;
    }
}

/// Steps 2–5: the orders list of a manual outlet gets a test order placed in a second tab
/// without a reload; the order page shows an accept made through the partner API live; the
/// delivery it caused (to a receiver answering 500) shows its body and the failed attempt,
/// and once the receiver answers 200, "redeliver" delivers it.
#[tokio::test]
async fn console_browser_live_orders_and_redeliver() {
    on_sqlite(live_orders_and_redeliver, &[]).await;
}

async fn live_orders_and_redeliver(app: TestApp) {
    // A linked facilitator with the orders menu, subscribed to every order event on HOOK.
    let e = env(&app).await;
    let outlet = e.outlet().to_string();
    let b = Browser::start().await;
    sign_in(&b, &app).await;
    set_mode_in_browser(&b, &app, &outlet, "manual").await;

    // 2. The orders list, open in the first tab.
    b.click("#to-orders").await;
    b.wait_for_path("/console/orders").await;
    b.wait_for("#orders-body #no-orders").await;
    mark(&b).await;

    // A test order placed from the menu page in a second tab.
    let first = second_tab(&b).await;
    let number = place_test_order(&b, &app, &outlet).await;
    switch_to(&b, first).await;
    let row = format!("#orders-body tr[data-order=\"{number}\"]");
    let text = b
        .wait_for_text_in(&row, "AWAITING_MERCHANT_ACCEPTANCE")
        .await;
    assert!(text.contains(&number), "{text}");
    assert_not_reloaded(&b, "the orders list is live").await;
    assert!(!b.exists("#no-orders").await);

    // 3. Its page; accepted through the partner API, the state changes in place.
    b.click(&format!("{row} a")).await;
    b.wait_for_path(&format!("/console/orders/{number}")).await;
    b.wait_for_text_in("#order-status", "AWAITING_MERCHANT_ACCEPTANCE")
        .await;
    e.rx.wait_for_path(HOOK, 2, Duration::from_secs(10)).await;
    mark(&b).await;
    // The merchant_accepted webhook will fail (step 5).
    e.rx.set(HOOK, Behaviour::Status(500));
    let r = accept(&app, &e.tok, &outlet, "delivery", &number).await;
    assert_eq!(r.status, 200, "accept: {}", r.text);
    b.wait_for_text_in("#order-status", "MERCHANT_ACCEPTED")
        .await;
    b.wait_for("#order-timeline tr[data-state=\"MERCHANT_ACCEPTED\"]")
        .await;
    assert!(
        !b.exists("#order-deadline").await,
        "no countdown once accepted"
    );
    assert_not_reloaded(&b, "the order page is live").await;
    assert_eq!(status(&get_order(&app, &number).await), "MERCHANT_ACCEPTED");

    // 4. The delivery the accept caused, from the order page's deliveries list.
    let accepted_row = "#order-deliveries tr[data-delivery]";
    let delivery = b
        .wait_until(
            "the merchant_accepted delivery in the list",
            BROWSER_WAIT,
            || async {
                for tr in b.find_all(accepted_row).await {
                    let t = tr.text().await.ok()?;
                    if t.contains("gofood.order.merchant_accepted") {
                        return tr.attr("data-delivery").await.ok().flatten();
                    }
                }
                None
            },
        )
        .await;
    // The receiver got it and answered 500.
    e.rx.wait_until(Duration::from_secs(10), "the accepted webhook", |rs| {
        rs.iter().any(|r| {
            r.path == HOOK && String::from_utf8_lossy(&r.body).contains("merchant_accepted")
        })
    })
    .await;
    b.click(&format!(
        "{accepted_row}[data-delivery=\"{delivery}\"] a[href=\"/console/webhooks/{delivery}\"]"
    ))
    .await;
    b.wait_for_path(&format!("/console/webhooks/{delivery}"))
        .await;
    let body = b.text("#body-exact").await;
    assert!(body.contains(&number), "the body names the order: {body}");
    assert!(body.contains("merchant_accepted"), "{body}");
    let pretty = b.text("#body-pretty").await;
    assert!(pretty.contains(&number), "{pretty}");
    let endpoint = b.text("#delivery-endpoint").await;
    assert_eq!(endpoint.trim(), e.rx.url(HOOK));

    // 5. A failed attempt (the page is not live: reload until the attempt is recorded).
    b.wait_until("a failed attempt", BROWSER_WAIT, || async {
        if b.exists("#attempts tr.attempt[data-delivered=\"false\"]")
            .await
        {
            return Some(());
        }
        b.goto(&app.url(&format!("/console/webhooks/{delivery}")))
            .await;
        None
    })
    .await;
    let shown = b.attr("#delivery-detail", "data-status").await;
    assert_eq!(shown.as_deref(), Some("retrying"));
    let code = b.text("#attempts tr.attempt .status-code").await;
    assert!(code.contains("500"), "{code}");

    // The receiver recovers; redeliver delivers it, in place.
    e.rx.set(HOOK, Behaviour::Status(200));
    mark(&b).await;
    b.click("#redeliver").await;
    b.wait_for("#delivery-detail[data-status=\"delivered\"]")
        .await;
    b.wait_for("#redeliver-notice").await;
    b.wait_for("#attempts tr.attempt[data-delivered=\"true\"]")
        .await;
    let code = b.text("#response-status").await;
    assert_eq!(code.trim(), "200");
    assert_not_reloaded(&b, "redeliver swaps the delivery").await;
}

/// Step 7: on a manual outlet, a test order placed in the browser; the sandbox clock moved
/// past its acceptance deadline with the overview's buttons in a second tab; the order page
/// shows it cancelled for `MERCHANT_TIMEOUT` without a reload.
#[tokio::test]
async fn console_browser_acceptance_timeout() {
    on_sqlite(acceptance_timeout, &[]).await;
}

async fn acceptance_timeout(app: TestApp) {
    let e = env(&app).await;
    let outlet = e.outlet().to_string();
    let b = Browser::start().await;
    sign_in(&b, &app).await;
    set_mode_in_browser(&b, &app, &outlet, "manual").await;

    let number = place_test_order(&b, &app, &outlet).await;
    b.wait_for_text_in("#order-status", "AWAITING_MERCHANT_ACCEPTANCE")
        .await;
    b.wait_for("#order-deadline [data-deadline]").await;
    mark(&b).await;

    // The clock, moved in a second tab: +1 min, then 3 custom minutes (past 180 s).
    let first = second_tab(&b).await;
    b.goto(&app.url("/console")).await;
    b.click("button[data-advance=\"60\"]").await;
    b.wait_for_text_in("#clock-offset", "60").await;
    assert_eq!(
        status(&get_order(&app, &number).await),
        "AWAITING_MERCHANT_ACCEPTANCE",
        "one minute is not the deadline yet"
    );
    b.fill("#advance-minutes", "3").await;
    b.submit("form:has(#advance-minutes)").await;
    b.wait_for_text_in("#clock-offset", "240").await;

    // Back on the order page: cancelled for the timeout, live.
    switch_to(&b, first).await;
    b.wait_for_text_in("#order-status", "CANCELLED").await;
    let why = b
        .wait_for_text_in("#order-cancellation", "MERCHANT_TIMEOUT")
        .await;
    assert!(why.contains("MERCHANT_TIMEOUT"), "{why}");
    assert!(!b.exists("#order-deadline").await, "no countdown left");
    assert_not_reloaded(&b, "the order page is live").await;
    let o = get_order(&app, &number).await;
    assert_eq!(status(&o), "CANCELLED", "{o}");
}
