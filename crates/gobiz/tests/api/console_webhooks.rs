//! The console's webhook log, partners and OTP inbox (issue 17), over plain HTTP: the pages
//! read the same services as the sandbox API, the actions (redeliver, create a partner or a
//! client, show and rotate a notification secret) change what the sandbox API then shows,
//! and the live feeds (Server-Sent Events) send new rows without a reload.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::harness::receiver::*;
use crate::harness::*;

/// Signs in: the session cookie (`gobiz_console=…`) and the session's CSRF token.
async fn sign_in(app: &TestApp) -> (String, String) {
    let s = ConsoleSession::sign_in(app).await;
    (s.cookie, s.csrf)
}

async fn get(app: &TestApp, path: &str, cookie: &str) -> Resp {
    app.send(
        app.request(Method::GET, path)
            .header("cookie", cookie)
            .header("accept-language", "en"),
    )
    .await
}

/// A console form post; `htmx` adds `HX-Request: true` (a fragment is wanted).
async fn post(app: &TestApp, path: &str, cookie: &str, form: &[(&str, &str)], htmx: bool) -> Resp {
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

/// The text inside the element with `id` (up to its first closing tag), unescaped.
fn text_of(html: &str, id: &str) -> Option<String> {
    let re = regex::Regex::new(&format!(r#"(?s)id="{id}"[^>]*>(.*?)</"#)).unwrap();
    re.captures(html).map(|c| html_unescape(c[1].trim()))
}

/// An open Server-Sent Events stream of the console.
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
            .expect("open the event stream");
        assert_eq!(resp.status(), 200);
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(ct.starts_with("text/event-stream"), "content type: {ct}");
        Feed {
            resp,
            buf: String::new(),
        }
    }

    /// The data of the next `event: <name>` (its `data:` lines joined), within `timeout`.
    async fn next(&mut self, name: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut event = "";
                let mut data = Vec::new();
                for line in block.lines() {
                    if let Some(e) = line.strip_prefix("event:") {
                        event = e.trim();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push(d.strip_prefix(' ').unwrap_or(d).to_string());
                    }
                }
                if event == name {
                    return data.join("\n");
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no `{name}` event within {timeout:?}");
            match tokio::time::timeout(left, self.resp.chunk()).await {
                Ok(Ok(Some(chunk))) => self.buf.push_str(&String::from_utf8_lossy(&chunk)),
                Ok(Ok(None)) => panic!("the event stream ended"),
                Ok(Err(e)) => panic!("event stream: {e}"),
                Err(_) => panic!("no `{name}` event within {timeout:?}"),
            }
        }
    }

    /// Waits for an `event: <name>` whose data contains `needle`.
    async fn until(&mut self, name: &str, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let data = self.next(name, left).await;
            if data.contains(needle) {
                return data;
            }
        }
    }
}

/// A facilitator whose `gofood.order.merchant_accepted` goes to `receiver` at `/hook`, and
/// one delivery of it, after its first attempt (answered 500: `retrying`).
async fn failed_delivery(app: &TestApp, receiver: &Receiver) -> (Fixture, String, String) {
    let fx = app.setup_facilitator().await;
    receiver.set("/hook", Behaviour::Status(500));
    let tok = order_token(app, &fx).await;
    let sub = subscribe(
        app,
        &tok,
        "gofood.order.merchant_accepted",
        &receiver.url("/hook"),
    )
    .await;
    let number = order_number();
    emit_order(app, &fx.outlet_id, &number, 1).await;
    let id = delivery_of(app, &sub).await["id"]
        .as_str()
        .expect("delivery id")
        .to_string();
    wait_status(app, &id, "retrying", Duration::from_secs(20)).await;
    (fx, id, number)
}

/// No session: every page and feed of this area sends the visitor to sign in; a form without
/// the CSRF token is refused (403) and changes nothing; unknown ids are 404 pages.
async fn console_webhooks_refusals(app: TestApp) {
    for path in [
        "/console/webhooks",
        "/console/webhooks/live",
        "/console/webhooks/0b6f5a3e-8d2c-4f1a-9e7b-6c5d4e3f2a10",
        "/console/partners",
        "/console/otp",
        "/console/otp/live",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, 303, "{path}: {}", r.text);
        assert!(
            r.header("location")
                .is_some_and(|l| l.starts_with("/console/sign-in?next=")),
            "{path}: {:?}",
            r.header("location")
        );
    }
    let r = app
        .send(
            app.request(Method::POST, "/console/partners")
                .form(&[("name", "No session"), ("type", "facilitator")]),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);

    let (cookie, csrf) = sign_in(&app).await;
    let before = app.admin_get("/sandbox/v1/partners").await.data(200)["partners"]
        .as_array()
        .unwrap()
        .len();
    for bad in [None, Some("not-the-token")] {
        let mut form = vec![("name", "Forged"), ("type", "facilitator")];
        if let Some(b) = bad {
            form.push(("csrf", b));
        }
        let r = post(&app, "/console/partners", &cookie, &form, false).await;
        assert_eq!(r.status, 403, "{bad:?}: {}", r.text);
    }
    let after = app.admin_get("/sandbox/v1/partners").await.data(200)["partners"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after, "a refused form creates nothing");

    let fx = app.setup_facilitator().await;
    let p = format!("/console/partners/{}", fx.partner_id);
    for action in [
        "/notification-secret",
        "/notification-secret/rotate",
        "/clients",
    ] {
        let r = post(
            &app,
            &format!("{p}{action}"),
            &cookie,
            &[("name", "x")],
            true,
        )
        .await;
        assert_eq!(r.status, 403, "{action}: {}", r.text);
        assert!(!r.text.contains(&fx.notification_secret), "{action}");
    }
    let r = post(
        &app,
        "/console/webhooks/0b6f5a3e-8d2c-4f1a-9e7b-6c5d4e3f2a10/redeliver",
        &cookie,
        &[("csrf", "wrong")],
        false,
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);

    // Unknown ids.
    let r = get(
        &app,
        "/console/webhooks/0b6f5a3e-8d2c-4f1a-9e7b-6c5d4e3f2a10",
        &cookie,
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_html(&r);
    assert!(r.text.contains("id=\"not-found\""), "{}", r.text);
    let r = post(
        &app,
        "/console/webhooks/0b6f5a3e-8d2c-4f1a-9e7b-6c5d4e3f2a10/redeliver",
        &cookie,
        &[("csrf", &csrf)],
        true,
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = get(&app, "/console/partners/no-such-partner", &cookie).await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_html(&r);
    for action in [
        "/notification-secret",
        "/notification-secret/rotate",
        "/clients",
    ] {
        let r = post(
            &app,
            &format!("/console/partners/no-such-partner{action}"),
            &cookie,
            &[("csrf", &csrf)],
            true,
        )
        .await;
        assert_eq!(r.status, 404, "{action}: {}", r.text);
    }
}
both_dbs!(console_webhooks_refusals);

/// The log lists a delivery with its result, the filters narrow it (event, outlet, partner,
/// result), the delivery page shows every attempt and the exact headers (signature
/// included) and body sent, and "redeliver" makes an attempt the sandbox API then shows.
async fn webhook_log_detail_and_redeliver(app: TestApp) {
    let receiver = Receiver::start().await;
    let (fx, id, number) = failed_delivery(&app, &receiver).await;
    let (cookie, csrf) = sign_in(&app).await;

    let page = get(&app, "/console/webhooks", &cookie).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_html(&page);
    let row = format!("id=\"delivery-{id}\"");
    assert!(
        page.text.contains(&row),
        "the delivery's row: {}",
        page.text
    );
    assert!(page.text.contains(&number), "its entity id");
    assert!(
        page.text.contains("data-status=\"retrying\""),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("sse-connect=\"/console/webhooks/live?"),
        "{}",
        page.text
    );
    for field in ["event", "outlet_id", "partner_id", "status"] {
        assert!(
            page.text.contains(&format!("name=\"{field}\"")),
            "a {field} select"
        );
    }
    for label in [
        "filter-event",
        "filter-outlet",
        "filter-partner",
        "filter-status",
    ] {
        assert!(
            page.text.contains(&format!("for=\"{label}\"")),
            "label {label}"
        );
    }

    let other = app.setup_facilitator().await;
    let cases = [
        (format!("partner_id={}", fx.partner_id), true),
        (format!("partner_id={}", other.partner_id), false),
        (format!("outlet_id={}", fx.outlet_id), true),
        (format!("outlet_id={}", other.outlet_id), false),
        ("status=retrying".to_string(), true),
        ("status=delivered".to_string(), false),
        ("event=gofood.order.merchant_accepted".to_string(), true),
        ("event=gofood.order.completed".to_string(), false),
        (
            format!(
                "event=&outlet_id={}&partner_id=&status=retrying",
                fx.outlet_id
            ),
            true,
        ),
    ];
    for (q, shown) in cases {
        let r = get(&app, &format!("/console/webhooks?{q}"), &cookie).await;
        assert_eq!(r.status, 200, "{q}: {}", r.text);
        assert_eq!(r.text.contains(&row), shown, "{q}");
    }
    // The sandbox API's log has the outlet filter too (same service).
    assert_eq!(
        deliveries(&app, &format!("outlet_id={}", fx.outlet_id))
            .await
            .len(),
        1
    );
    assert!(deliveries(&app, &format!("outlet_id={}", other.outlet_id))
        .await
        .is_empty());

    // The delivery page: attempts, the exact headers and body.
    let api = app
        .admin_get(&format!("/sandbox/v1/deliveries/{id}"))
        .await
        .data(200)["delivery"]
        .clone();
    let d = get(&app, &format!("/console/webhooks/{id}"), &cookie).await;
    assert_eq!(d.status, 200, "{}", d.text);
    assert_html(&d);
    let payload = api["payload"].as_str().unwrap();
    assert_eq!(text_of(&d.text, "body-exact").as_deref(), Some(payload));
    let pretty: serde_json::Value =
        serde_json::from_str(&text_of(&d.text, "body-pretty").expect("pretty body")).unwrap();
    assert_eq!(
        pretty,
        serde_json::from_str::<serde_json::Value>(payload).unwrap()
    );
    let signature = go_signature(&fx.notification_secret, payload.as_bytes());
    assert!(
        d.text
            .contains(&format!("data-header=\"X-Go-Signature\">{signature}<")),
        "the signature sent: {}",
        d.text
    );
    let key = api["idempotency_key"].as_str().unwrap();
    assert!(d
        .text
        .contains(&format!("data-header=\"X-Go-Idempotency-Key\">{key}<")));
    let received = receiver.requests_to("/hook");
    assert_eq!(
        received[0].header("x-go-signature").as_deref(),
        Some(signature.as_str())
    );
    assert!(d.text.contains("class=\"attempt\"") || d.text.contains("attempt\" data-delivered"));
    assert!(
        d.text.contains("badge bad\">500<"),
        "the 500 of the attempt: {}",
        d.text
    );
    // What the receiver answered: its status, latency and the start of its body.
    assert_eq!(text_of(&d.text, "response-status").as_deref(), Some("500"));
    assert_eq!(
        text_of(&d.text, "response-body").as_deref(),
        Some(r#"{"received":true}"#),
        "{}",
        d.text
    );
    assert!(
        regex::Regex::new(r#"class="latency">\d+ ms<"#)
            .unwrap()
            .is_match(&d.text),
        "the latency of the attempt: {}",
        d.text
    );
    let form = form_html(&d.text, &format!("/console/webhooks/{id}/redeliver"));
    assert!(form.contains("name=\"csrf\""), "{form}");

    // Redeliver (htmx): the section comes back with the new attempt.
    receiver.set("/hook", Behaviour::Status(200));
    let r = post(
        &app,
        &format!("/console/webhooks/{id}/redeliver"),
        &cookie,
        &[("csrf", &csrf)],
        true,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.text.starts_with("<section id=\"delivery-detail\""),
        "{}",
        r.text
    );
    assert!(r.text.contains("id=\"redeliver-notice\""), "{}", r.text);
    assert!(r.text.contains("data-status=\"delivered\""), "{}", r.text);
    assert!(r.text.contains("badge ok\">200<"), "{}", r.text);
    assert_eq!(text_of(&r.text, "response-status").as_deref(), Some("200"));
    let api = app
        .admin_get(&format!("/sandbox/v1/deliveries/{id}"))
        .await
        .data(200)["delivery"]
        .clone();
    assert_eq!(api["delivery_status"], json!("delivered"));
    let attempts = api["history"].as_array().unwrap().len();

    // A plain form: one more attempt, then back to the delivery page.
    let r = post(
        &app,
        &format!("/console/webhooks/{id}/redeliver"),
        &cookie,
        &[("csrf", &csrf)],
        false,
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("location").as_deref(),
        Some(format!("/console/webhooks/{id}").as_str())
    );
    let api = app
        .admin_get(&format!("/sandbox/v1/deliveries/{id}"))
        .await
        .data(200)["delivery"]
        .clone();
    assert_eq!(api["history"].as_array().unwrap().len(), attempts + 1);

    // Indonesian.
    let r = app
        .send(
            app.request(Method::GET, "/console/webhooks")
                .header("cookie", &cookie)
                .header("accept-language", "id"),
        )
        .await;
    assert!(r.text.contains("Pengiriman webhook"), "{}", r.text);
    assert!(r.text.contains("terkirim"), "{}", r.text);
}
both_dbs!(webhook_log_detail_and_redeliver);

/// The live log sends its rows at once, then again when a new delivery appears (filters
/// apply to the feed too).
async fn webhook_log_is_live(app: TestApp) {
    let receiver = Receiver::start().await;
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;
    let sub = subscribe(
        &app,
        &tok,
        "gofood.order.merchant_accepted",
        &receiver.url("/hook"),
    )
    .await;
    let (cookie, _) = sign_in(&app).await;
    let mut all = Feed::open(&app, "/console/webhooks/live", &cookie).await;
    let other = app.setup_facilitator().await;
    let mut filtered = Feed::open(
        &app,
        &format!("/console/webhooks/live?partner_id={}", other.partner_id),
        &cookie,
    )
    .await;
    let first = all.next("rows", Duration::from_secs(10)).await;
    assert!(first.contains("id=\"no-deliveries\""), "{first}");
    let first = filtered.next("rows", Duration::from_secs(10)).await;
    assert!(first.contains("id=\"no-deliveries\""), "{first}");

    let number = order_number();
    emit_order(&app, &fx.outlet_id, &number, 1).await;
    let id = delivery_of(&app, &sub).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rows = all
        .until(
            "rows",
            &format!("id=\"delivery-{id}\""),
            Duration::from_secs(15),
        )
        .await;
    assert!(rows.contains(&number), "{rows}");
    // The other partner's feed does not change: nothing new within two polls.
    let quiet = tokio::time::timeout(
        Duration::from_millis(2500),
        filtered.next("rows", Duration::from_secs(5)),
    )
    .await;
    assert!(quiet.is_err(), "an unchanged feed sends nothing: {quiet:?}");
    // Delivered: the row's badge changes live.
    wait_status(&app, &id, "delivered", Duration::from_secs(20)).await;
    if !rows.contains("data-status=\"delivered\"") {
        let rows = all
            .until("rows", "data-status=\"delivered\"", Duration::from_secs(15))
            .await;
        assert!(rows.contains(&id), "{rows}");
    }
}
both_dbs!(webhook_log_is_live);

/// Partners: create (errors next to their fields, then the secret once), the partner page
/// (secret hidden until asked, rotation), OAuth clients (errors, the secret once, usable at
/// the token endpoint), and the subscriptions at both levels.
async fn partners_clients_and_secrets(app: TestApp) {
    let (cookie, csrf) = sign_in(&app).await;
    let page = get(&app, "/console/partners", &cookie).await;
    assert_html(&page);
    assert!(
        page.text.contains("href=\"/console/otp\""),
        "a link to the OTP inbox"
    );
    for (id, name) in [
        ("partner-name", "name"),
        ("partner-type", "type"),
        ("partner-merchant", "merchant_id"),
    ] {
        assert!(
            page.text.contains(&format!("for=\"{id}\"")),
            "label for {id}"
        );
        assert!(page.text.contains(&format!("name=\"{name}\"")), "{name}");
    }

    // Invalid: each error next to its field, nothing created.
    let r = post(
        &app,
        "/console/partners",
        &cookie,
        &[("csrf", &csrf), ("name", ""), ("type", "direct")],
        true,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("id=\"error-name\""), "{}", r.text);
    assert!(r.text.contains("id=\"error-merchant_id\""), "{}", r.text);
    assert!(
        r.text
            .contains("merchant_id: is required for a direct partner"),
        "{}",
        r.text
    );
    assert!(r.text.contains("aria-invalid=\"true\""), "{}", r.text);
    let r = post(
        &app,
        "/console/partners",
        &cookie,
        &[
            ("csrf", &csrf),
            ("name", "Kasir"),
            ("type", "direct"),
            ("merchant_id", "nope"),
        ],
        false,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(
        r.text.contains("<!DOCTYPE html>"),
        "a plain form gets the page"
    );
    assert!(
        r.text.contains("merchant nope does not exist"),
        "{}",
        r.text
    );
    assert!(
        app.admin_get("/sandbox/v1/partners").await.data(200)["partners"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Created (htmx): the card with the secret, once.
    let merchant = app.create_merchant("Kopi Console").await;
    let r = post(
        &app,
        "/console/partners",
        &cookie,
        &[
            ("csrf", &csrf),
            ("name", "Console POS"),
            ("type", "direct"),
            ("merchant_id", &merchant),
            ("standard_webhooks", "on"),
        ],
        true,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.text.starts_with("<section") && r.text.contains("id=\"partner-create\""),
        "{}",
        r.text
    );
    let secret = text_of(&r.text, "created-notification-secret").expect("the secret");
    let partners = app.admin_get("/sandbox/v1/partners").await.data(200)["partners"].clone();
    let p = partners
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == json!("Console POS"))
        .expect("created through the console")
        .clone();
    let pid = p["id"].as_str().unwrap().to_string();
    assert_eq!(p["type"], json!("direct"));
    assert_eq!(p["merchant_id"], json!(merchant));
    let api_secret = app
        .admin_get(&format!("/sandbox/v1/partners/{pid}/notification-secret"))
        .await
        .data(200)["notification_secret"]
        .clone();
    assert_eq!(api_secret, json!(secret));

    // The partner page hides the secret until asked.
    let pp = get(&app, &format!("/console/partners/{pid}"), &cookie).await;
    assert_eq!(pp.status, 200, "{}", pp.text);
    assert!(
        !pp.text.contains(&secret),
        "the secret is not in the page by default"
    );
    assert!(pp.text.contains("id=\"no-clients\""));
    let r = post(
        &app,
        &format!("/console/partners/{pid}/notification-secret"),
        &cookie,
        &[("csrf", &csrf)],
        true,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        text_of(&r.text, "notification-secret"),
        Some(secret.clone())
    );
    let r = post(
        &app,
        &format!("/console/partners/{pid}/notification-secret/rotate"),
        &cookie,
        &[("csrf", &csrf)],
        false,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rotated = text_of(&r.text, "notification-secret").expect("the new secret");
    assert_ne!(rotated, secret);
    assert!(r.text.contains("id=\"secret-rotated\""));
    let api_secret = app
        .admin_get(&format!("/sandbox/v1/partners/{pid}/notification-secret"))
        .await
        .data(200)["notification_secret"]
        .clone();
    assert_eq!(api_secret, json!(rotated));

    // Clients: errors next to their fields.
    let clients = format!("/console/partners/{pid}/clients");
    let r = post(
        &app,
        &clients,
        &cookie,
        &[
            ("csrf", &csrf),
            ("client_id", "bad id!"),
            ("allowed_scopes", "gofood:order:read no:such:scope"),
            ("redirect_uris", "ftp://x"),
        ],
        true,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.starts_with("<section id=\"clients\""), "{}", r.text);
    for f in ["client_id", "allowed_scopes", "redirect_uris"] {
        assert!(
            r.text.contains(&format!("id=\"error-{f}\"")),
            "{f}: {}",
            r.text
        );
    }
    assert!(r
        .text
        .contains("allowed_scopes[1]: no:such:scope is not a known scope"));

    // Created: the secret once, usable at the token endpoint.
    let r = post(
        &app,
        &clients,
        &cookie,
        &[
            ("csrf", &csrf),
            ("client_id", "console-client"),
            ("name", "Console client"),
            ("allowed_scopes", "gofood:order:read partner:outlet:read"),
            ("grant_client_credentials", "on"),
            (
                "redirect_uris",
                "https://pos.example/cb\r\nhttps://pos.example/cb2",
            ),
        ],
        true,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        text_of(&r.text, "created-client-id").as_deref(),
        Some("console-client")
    );
    let client_secret = text_of(&r.text, "created-client-secret").expect("client secret");
    assert!(
        r.text.contains("data-client=\"console-client\""),
        "the client is listed"
    );
    assert!(r.text.contains("https://pos.example/cb2"));
    app.access_token("console-client", &client_secret, "gofood:order:read")
        .await;
    let pp = get(&app, &format!("/console/partners/{pid}"), &cookie).await;
    assert!(!pp.text.contains(&client_secret), "shown once only");
    assert!(pp.text.contains("data-client=\"console-client\""));

    // The same client id again: 409 next to the field.
    let r = post(
        &app,
        &clients,
        &cookie,
        &[("csrf", &csrf), ("client_id", "console-client")],
        false,
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.text.contains("id=\"error-client_id\""), "{}", r.text);
    assert!(r.text.contains("already exists"), "{}", r.text);

    // Subscriptions at both levels.
    let receiver = Receiver::start().await;
    let fx = app.setup_facilitator().await;
    let tok = order_token(&app, &fx).await;
    let general = subscribe(&app, &tok, "gofood.order.completed", &receiver.url("/all")).await;
    let at_outlet = subscribe_at(
        &app,
        &tok,
        &outlet_subs(&fx.outlet_id),
        "gofood.order.cancelled",
        &receiver.url("/outlet"),
    )
    .await;
    let pp = get(
        &app,
        &format!("/console/partners/{}", fx.partner_id),
        &cookie,
    )
    .await;
    assert_eq!(pp.status, 200);
    assert!(
        pp.text
            .contains(&format!("data-subscription=\"{general}\"")),
        "{}",
        pp.text
    );
    assert!(pp.text.contains(&format!(
        "data-subscription=\"{}\"",
        at_outlet["id"].as_str().unwrap()
    )));
    assert!(pp.text.contains(&fx.outlet_id));
    assert!(pp.text.contains(&receiver.url("/outlet")));
    assert!(pp.text.contains("data-client=\"") && pp.text.contains(&fx.client_id));
    assert!(!pp.text.contains(&fx.notification_secret));
}
both_dbs!(partners_clients_and_secrets);

/// The OTP inbox shows the code a merchant login sent, live, as `GET /sandbox/v1/otp` does.
async fn otp_inbox_is_live(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let (cookie, _) = sign_in(&app).await;
    let page = get(&app, "/console/otp", &cookie).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_html(&page);
    assert!(page.text.contains("id=\"no-otps\""), "{}", page.text);
    assert!(page.text.contains("sse-connect=\"/console/otp/live\""));
    let mut feed = Feed::open(&app, "/console/otp/live", &cookie).await;
    let first = feed.next("otps", Duration::from_secs(10)).await;
    assert!(first.contains("id=\"no-otps\""), "{first}");

    let (client_id, _) = app.create_ac_client(&fx.partner_id, &[REDIRECT_URI]).await;
    let path = app.authorize_path(&client_id, REDIRECT_URI, "openid partner:outlet:read", &[]);
    let flow = app.start_flow(&path).await;
    app.submit_phone(&flow, &fx.phone).await;
    let code = app.otp_code(&fx.phone).await;
    let rows = feed
        .until("otps", &format!(">{code}<"), Duration::from_secs(15))
        .await;
    assert!(rows.contains(&fx.phone), "{rows}");
    assert!(rows.contains("badge ok"), "live: {rows}");
    let page = get(&app, "/console/otp", &cookie).await;
    assert!(
        page.text.contains(&format!("<code>{code}</code>")),
        "{}",
        page.text
    );
}
both_dbs!(otp_inbox_is_live);

/// A production console (`--console`) is read-only: the log, partners and OTP pages load
/// without action forms, OTP codes are not shown, and every action is refused (403).
async fn production_console_shows_no_actions(db_url: String) {
    let app = TestApp::start_with_env(
        &db_url,
        &[
            ("GOBIZ_MODE", "production"),
            (
                "GOBIZ_SECRET_KEY",
                "console-test-secret-key-0123456789abcdef",
            ),
            ("GOBIZ_CONSOLE", "true"),
        ],
    )
    .await;
    let (cookie, csrf) = sign_in(&app).await;
    let r = get(&app, "/console/webhooks", &cookie).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = get(&app, "/console/partners", &cookie).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.text.contains("id=\"create-partner\""), "{}", r.text);
    let r = get(&app, "/console/otp", &cookie).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("id=\"otp-hidden\""), "{}", r.text);
    assert!(!r.text.contains("sse-connect=\"/console/otp/live\""));
    for path in [
        "/console/partners",
        "/console/partners/some-partner/clients",
        "/console/partners/some-partner/notification-secret",
        "/console/partners/some-partner/notification-secret/rotate",
        "/console/webhooks/0b6f5a3e-8d2c-4f1a-9e7b-6c5d4e3f2a10/redeliver",
    ] {
        let r = post(
            &app,
            path,
            &cookie,
            &[("csrf", &csrf), ("name", "Prod"), ("type", "facilitator")],
            false,
        )
        .await;
        assert_eq!(r.status, 403, "{path}: {}", r.text);
    }
}
both_dbs!(production_console_shows_no_actions);
