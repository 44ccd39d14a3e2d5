//! The console's orders (issue 17): an outlet's live order list, the order page with its
//! timeline, countdown, actions (sandbox and merchant POS) and webhook deliveries, and both
//! live feeds (Server-Sent Events), over plain HTTP.

use std::time::Duration;

use reqwest::Method;

use crate::harness::*;
use crate::support::orders::{
    accept, env, get_order, num, place_ok, set_mode, simple_order, status, wait_hooks, HOOK,
};

/// Signs in with the admin token: the `gobiz_console=…` cookie pair.
async fn sign_in(app: &TestApp) -> String {
    ConsoleSession::sign_in(app).await.cookie
}

async fn get_page(app: &TestApp, path: &str, cookie: &str) -> Resp {
    app.send(
        app.request(Method::GET, path)
            .header("cookie", cookie)
            .header("accept-language", "en"),
    )
    .await
}

/// Posts a console form; `htmx` adds `HX-Request` as htmx does.
async fn post(app: &TestApp, path: &str, cookie: &str, htmx: bool, form: &[(&str, &str)]) -> Resp {
    let mut rb = app
        .request(Method::POST, path)
        .header("cookie", cookie)
        .header("accept-language", "en")
        .form(form);
    if htmx {
        rb = rb.header("hx-request", "true");
    }
    app.send(rb).await
}

/// The value of the first hidden `csrf` input of a page.
fn csrf_of(html: &str) -> String {
    let re = regex::Regex::new(r#"name="csrf" value="([0-9a-f]+)""#).unwrap();
    re.captures(html)
        .map(|c| c[1].to_string())
        .unwrap_or_else(|| panic!("no csrf field: {html}"))
}

/// The inner HTML of the element with `id` (up to its closing `tag`; no nesting of `tag`).
fn element<'a>(html: &'a str, tag: &str, id: &str) -> &'a str {
    let open = format!(r#"id="{id}""#);
    let at = html
        .find(&open)
        .unwrap_or_else(|| panic!("no #{id} in: {html}"));
    let rest = &html[at..];
    let start = rest.find('>').map(|i| i + 1).unwrap_or(0);
    let end = rest
        .find(&format!("</{tag}>"))
        .unwrap_or_else(|| panic!("#{id} not closed"));
    &rest[start..end]
}

/// An open Server-Sent Events stream, read event by event.
struct Feed {
    resp: reqwest::Response,
    buf: String,
}

impl Feed {
    async fn open(app: &TestApp, path: &str, cookie: &str) -> Feed {
        let resp = app
            .client
            .get(app.url(path))
            .header("cookie", cookie)
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(ct.starts_with("text/event-stream"), "{path}: {ct}");
        Feed {
            resp,
            buf: String::new(),
        }
    }

    /// The next event (name, data with its `data:` lines joined), within `wait`.
    async fn next(&mut self, wait: Duration) -> (String, String) {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut name = String::new();
                let mut data = Vec::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push(v.strip_prefix(' ').unwrap_or(v).to_string());
                    }
                }
                if name.is_empty() && data.is_empty() {
                    continue; // a keep-alive comment
                }
                return (name, data.join("\n"));
            }
            let chunk = tokio::time::timeout_at(deadline, self.resp.chunk())
                .await
                .expect("no event in time")
                .expect("read the stream")
                .expect("the stream ended");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Reads events until one's data contains every one of `needles`.
    async fn until(&mut self, needles: &[&str]) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let (_, data) = self.next(left).await;
            if needles.iter().all(|n| data.contains(n)) {
                return data;
            }
        }
    }
}

/// No session: every orders page, feed and action sends the visitor to the sign-in page; a
/// form without the CSRF token is refused; unknown orders and outlets are 404.
async fn console_orders_refusals(app: TestApp) {
    for path in [
        "/console/orders",
        "/console/orders/live",
        "/console/orders/F-123456789",
        "/console/orders/F-123456789/live",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, 303, "{path}: {}", r.text);
        assert!(
            r.header("location")
                .unwrap_or_default()
                .starts_with("/console/sign-in?next="),
            "{path}: {:?}",
            r.header("location")
        );
    }
    let r = app
        .send(
            app.request(Method::POST, "/console/orders/F-123456789/accept")
                .form(&[("csrf", "x")]),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);

    let cookie = sign_in(&app).await;
    // No outlets yet: the page says so.
    let r = get_page(&app, "/console/orders", &cookie).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains(r#"id="no-outlets""#), "{}", r.text);

    let r = get_page(&app, "/console/orders/F-000000001", &cookie).await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert!(
        element(&r.text, "p", "not-found").contains("Order with id: F-000000001 is not found"),
        "{}",
        r.text
    );
    let r = get_page(&app, "/console/orders/F-000000001/live", &cookie).await;
    assert_eq!(r.status, 404, "{}", r.text);

    let e = env(&app).await;
    let r = get_page(&app, "/console/orders?outlet=G999999999", &cookie).await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert!(r.text.contains(r#"id="outlet-error""#), "{}", r.text);
    assert!(r.text.contains(r#"aria-invalid="true""#), "{}", r.text);
    let r = get_page(&app, "/console/orders/live?outlet=G999999999", &cookie).await;
    assert_eq!(r.status, 404, "{}", r.text);

    let o = place_ok(&app, e.outlet(), simple_order()).await;
    let n = num(&o);
    // Without, or with a wrong, CSRF token: 403 and nothing happens.
    for form in [vec![], vec![("csrf", "0123")]] {
        let r = post(
            &app,
            &format!("/console/orders/{n}/advance"),
            &cookie,
            false,
            &form,
        )
        .await;
        assert_eq!(r.status, 403, "{}", r.text);
    }
    assert_eq!(status(&get_order(&app, &n).await), status(&o));
}
both_dbs!(console_orders_refusals);

/// The list shows the outlet's orders newest first, and its live feed sends the table body
/// again when an order arrives or changes state (here: accepted through the partner API).
async fn console_orders_list_is_live(app: TestApp) {
    let e = env(&app).await;
    set_mode(&app, e.outlet(), "manual").await;
    let first = num(&place_ok(&app, e.outlet(), simple_order()).await);
    let cookie = sign_in(&app).await;

    // The first outlet is the default.
    let r = get_page(&app, "/console/orders", &cookie).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = get_page(
        &app,
        &format!("/console/orders?outlet={}", e.outlet()),
        &cookie,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_html(&r);
    let body = element(&r.text, "tbody", "orders-body");
    assert!(body.contains(&format!(r#"data-order="{first}""#)), "{body}");
    assert!(body.contains("AWAITING_MERCHANT_ACCEPTANCE"), "{body}");
    assert!(body.contains("data-deadline="), "{body}");
    assert!(
        r.text.contains(&format!(
            r#"sse-connect="/console/orders/live?outlet={}&amp;page=1""#,
            e.outlet()
        )),
        "{}",
        r.text
    );
    assert!(r.text.contains(r#"sse-swap="orders""#), "{}", r.text);

    let mut feed = Feed::open(
        &app,
        &format!("/console/orders/live?outlet={}", e.outlet()),
        &cookie,
    )
    .await;
    let (name, data) = feed.next(Duration::from_secs(10)).await;
    assert_eq!(name, "orders");
    assert!(data.contains(&format!(r#"data-order="{first}""#)), "{data}");

    // A new order appears, above the first.
    let second = num(&place_ok(&app, e.outlet(), simple_order()).await);
    let data = feed.until(&[&second]).await;
    let (at_second, at_first) = (data.find(&second).unwrap(), data.find(&first).unwrap());
    assert!(at_second < at_first, "newest first: {data}");

    // Accepted through the partner API: the row's status changes.
    let r = accept(&app, &e.tok, e.outlet(), "delivery", &first).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let data = feed.until(&["MERCHANT_ACCEPTED"]).await;
    let row = &data[data.find(&format!(r#"data-order="{first}""#)).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("MERCHANT_ACCEPTED"), "{row}");
}
both_dbs!(console_orders_list_is_live);

/// The order page: fields, timeline, countdown on the sandbox clock, and the webhook
/// deliveries the order caused, linking to the delivery page; its live feed shows an accept
/// made through the partner API.
async fn console_order_page_and_its_feed(app: TestApp) {
    let e = env(&app).await;
    set_mode(&app, e.outlet(), "manual").await;
    app.advance_clock(120).await;
    let n = num(&place_ok(&app, e.outlet(), simple_order()).await);
    wait_hooks(&e.rx, HOOK, &n, 2).await;
    let cookie = sign_in(&app).await;

    let r = get_page(&app, &format!("/console/orders/{n}"), &cookie).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_html(&r);
    assert!(r.text.contains(&n));
    assert!(element(&r.text, "dd", "order-customer").contains("GoFood Customer"));
    assert!(element(&r.text, "dd", "order-type").contains("Delivery"));
    assert!(r.text.contains(r#"id="order-items""#));
    assert!(element(&r.text, "td", "order-total").contains("Rp "));
    assert!(element(&r.text, "div", "order-status").contains("AWAITING_MERCHANT_ACCEPTANCE"));
    assert!(r.text.contains(r#"data-offset-ms="120000""#), "{}", r.text);
    let order = get_order(&app, &n).await;
    let deadline = order["acceptance_deadline"].as_str().unwrap();
    assert!(
        r.text
            .contains(&format!(r#"data-deadline="{}"#, &deadline[..19])),
        "{deadline}: {}",
        r.text
    );
    let timeline = element(&r.text, "table", "order-timeline");
    assert!(timeline.contains("CREATED") && timeline.contains("AWAITING_MERCHANT_ACCEPTANCE"));
    let deliveries = app
        .admin_get(&format!("/sandbox/v1/deliveries?entity_id={n}"))
        .await;
    let deliveries = deliveries.data(200)["deliveries"]
        .as_array()
        .unwrap()
        .clone();
    assert!(deliveries.len() >= 2, "{deliveries:?}");
    for d in &deliveries {
        let id = d["id"].as_str().unwrap();
        assert!(
            r.text
                .contains(&format!(r#"href="/console/webhooks/{id}""#)),
            "delivery {id} not linked: {}",
            r.text
        );
    }
    assert!(r.text.contains("gofood.order.awaiting_merchant_acceptance"));
    assert!(r
        .text
        .contains(&format!(r#"sse-connect="/console/orders/{n}/live""#)));

    let mut feed = Feed::open(&app, &format!("/console/orders/{n}/live"), &cookie).await;
    let (name, data) = feed.next(Duration::from_secs(10)).await;
    assert_eq!(name, "order");
    assert!(data.contains("AWAITING_MERCHANT_ACCEPTANCE"), "{data}");
    let r = accept(&app, &e.tok, e.outlet(), "delivery", &n).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let data = feed
        .until(&["MERCHANT_ACCEPTED", "gofood.order.merchant_accepted"])
        .await;
    assert!(
        !data.contains("data-deadline"),
        "no countdown once accepted: {data}"
    );
}
both_dbs!(console_order_page_and_its_feed);

/// The actions: errors next to their field or button with the service's status, then accept,
/// food prepared, driver and advance as the POS, driver and platform would, with htmx (the
/// card again) and as plain forms (303 back to the order).
async fn console_order_actions(app: TestApp) {
    let e = env(&app).await;
    set_mode(&app, e.outlet(), "manual").await;
    let n = num(&place_ok(&app, e.outlet(), simple_order()).await);
    let cookie = sign_in(&app).await;
    let page = get_page(&app, &format!("/console/orders/{n}"), &cookie).await;
    let csrf = csrf_of(&page.text);
    let path = |a: &str| format!("/console/orders/{n}/{a}");
    for a in [
        "accept",
        "reject",
        "food-prepared",
        "advance",
        "driver",
        "cancel",
    ] {
        assert!(
            page.text.contains(&format!(r#"action="{}""#, path(a))),
            "no {a} form: {}",
            page.text
        );
    }

    // A description too short: 400, the message next to the field, which is marked invalid.
    let r = post(
        &app,
        &path("reject"),
        &cookie,
        true,
        &[
            ("csrf", &csrf),
            ("cancel_reason_code", "HIGH_DEMAND"),
            ("cancel_reason_description", "no"),
        ],
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(
        element(&r.text, "p", "error-reject").contains("cancel_reason_description"),
        "{}",
        r.text
    );
    let field = &r.text[r.text.find(r#"id="reject-description""#).unwrap()..];
    assert!(field[..field.find('>').unwrap()].contains(r#"aria-invalid="true""#));
    // An unknown reason code, as a plain form: the whole page with the error, 400.
    let r = post(
        &app,
        &path("reject"),
        &cookie,
        false,
        &[
            ("csrf", &csrf),
            ("cancel_reason_code", "BORED"),
            ("cancel_reason_description", "Kitchen is closed"),
        ],
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(element(&r.text, "p", "error-reject").contains("cancel_reason_code"));
    assert!(r.text.contains(r#"id="order-timeline""#));

    // Food prepared before accepting: 409 next to its button.
    let r = post(
        &app,
        &path("food-prepared"),
        &cookie,
        true,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(
        element(&r.text, "p", "error-food-prepared").contains(&format!(
            "Order {n} cannot be marked as prepared in state AWAITING_MERCHANT_ACCEPTANCE"
        )),
        "{}",
        r.text
    );
    // An unknown `to`: 400 next to the select.
    let r = post(
        &app,
        &path("advance"),
        &cookie,
        true,
        &[("csrf", &csrf), ("to", "NOWHERE")],
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(element(&r.text, "p", "error-advance").contains("to: "));
    // An unknown order: 404.
    let r = post(
        &app,
        "/console/orders/F-000000001/accept",
        &cookie,
        true,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert!(
        element(&r.text, "p", "error-accept").contains("Order with id: F-000000001 is not found")
    );
    assert_eq!(
        status(&get_order(&app, &n).await),
        "AWAITING_MERCHANT_ACCEPTANCE"
    );

    // Accept as the POS (htmx): the card says done, the state is swapped in out of band, and
    // the partner is told by webhook.
    let r = post(&app, &path("accept"), &cookie, true, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains(r#"id="action-done""#), "{}", r.text);
    assert!(r.text.contains(r#"hx-swap-oob="innerHTML""#), "{}", r.text);
    assert!(r.text.contains("MERCHANT_ACCEPTED"));
    assert_eq!(status(&get_order(&app, &n).await), "MERCHANT_ACCEPTED");
    let hooks = wait_hooks(&e.rx, HOOK, &n, 3).await;
    assert!(
        hooks
            .iter()
            .any(|h| h.name == "gofood.order.merchant_accepted"),
        "no merchant_accepted webhook"
    );
    // Reject once accepted: 409.
    let r = post(
        &app,
        &path("reject"),
        &cookie,
        true,
        &[
            ("csrf", &csrf),
            ("cancel_reason_code", "OTHERS"),
            ("cancel_reason_description", "Too late now"),
        ],
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(element(&r.text, "p", "error-reject")
        .contains("cannot be rejected in state MERCHANT_ACCEPTED"));

    // Food prepared, then a named driver (plain forms: 303 back to the order).
    let r = post(
        &app,
        &path("food-prepared"),
        &cookie,
        false,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.header("location"), Some(format!("/console/orders/{n}")));
    assert!(get_order(&app, &n).await["food_prepared_at"].is_string());
    let r = post(
        &app,
        &path("driver"),
        &cookie,
        false,
        &[("csrf", &csrf), ("name", "Agus")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = get_page(&app, &format!("/console/orders/{n}"), &cookie).await;
    assert!(element(&page.text, "div", "order-driver").contains("Agus"));
    assert!(element(&page.text, "div", "order-status").contains("DRIVER_OTW_PICKUP"));

    // Advance up to COMPLETED; then the customer cannot cancel.
    let r = post(
        &app,
        &path("advance"),
        &cookie,
        true,
        &[("csrf", &csrf), ("to", "COMPLETED")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(status(&get_order(&app, &n).await), "COMPLETED");
    let r = post(
        &app,
        &path("cancel"),
        &cookie,
        true,
        &[("csrf", &csrf), ("reason", "")],
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(
        element(&r.text, "p", "error-cancel").contains("cannot be cancelled in state COMPLETED")
    );

    // A second order, cancelled by the customer with a reason; one rejected as the POS.
    let m = num(&place_ok(&app, e.outlet(), simple_order()).await);
    let r = post(
        &app,
        &format!("/console/orders/{m}/cancel"),
        &cookie,
        true,
        &[("csrf", &csrf), ("reason", "Changed my mind")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let o = get_order(&app, &m).await;
    assert_eq!(status(&o), "CANCELLED");
    let k = num(&place_ok(&app, e.outlet(), simple_order()).await);
    let r = post(
        &app,
        &format!("/console/orders/{k}/reject"),
        &cookie,
        true,
        &[
            ("csrf", &csrf),
            ("cancel_reason_code", "ITEMS_OUT_OF_STOCK"),
            ("cancel_reason_description", "Out of rice"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(status(&get_order(&app, &k).await), "CANCELLED");
    let page = get_page(&app, &format!("/console/orders/{k}"), &cookie).await;
    assert!(element(&page.text, "div", "order-cancellation")
        .contains("ITEMS_OUT_OF_STOCK: Out of rice"));
}
both_dbs!(console_order_actions);
