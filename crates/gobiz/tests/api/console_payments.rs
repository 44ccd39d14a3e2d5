//! The console's payments and MokaPOS pages (issue 17) and the sandbox transaction listing
//! they need: sessions and CSRF first, then every error next to its field, then the actions
//! checked against the sandbox and partner APIs. Plain HTTP, no browser; both databases.

use std::time::Duration;

use crate::harness::receiver::{subscribe, Receiver};
use crate::harness::*;
use crate::support::moka::{menv, range_body, report_raw_body, ITEMS, SUMMARY};
use crate::support::payments::*;
use reqwest::Method;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// A signed-in console client
// ---------------------------------------------------------------------------------------------

struct Console<'a> {
    app: &'a TestApp,
    cookie: String,
}

async fn sign_in(app: &TestApp) -> Console<'_> {
    let s = ConsoleSession::sign_in(app).await;
    Console {
        app,
        cookie: s.cookie,
    }
}

impl Console<'_> {
    async fn get(&self, path: &str) -> Resp {
        self.app
            .send(
                self.app
                    .request(Method::GET, path)
                    .header("cookie", &self.cookie),
            )
            .await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)], htmx: bool) -> Resp {
        let mut rb = self
            .app
            .request(Method::POST, path)
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(form)
                    .finish(),
            );
        if htmx {
            rb = rb.header("hx-request", "true");
        }
        self.app.send(rb).await
    }

    /// The CSRF token of the session, scraped from a page.
    async fn csrf(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        scrape(&r.text, "name=\"csrf\" value=\"", "\"").expect("csrf field")
    }
}

fn scrape(html: &str, before: &str, after: &str) -> Option<String> {
    let start = html.find(before)? + before.len();
    let end = html[start..].find(after)? + start;
    Some(html[start..end].to_string())
}

/// The text of the element with `id` (up to the next `<`).
fn text_of(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let start = html[at..].find('>').unwrap() + at + 1;
    let end = html[start..].find('<').unwrap() + start;
    html[start..end].to_string()
}

/// `Rp1.234.567` → 1234567.
fn rupiah(s: &str) -> i64 {
    let neg = s.trim().starts_with('-');
    let n: i64 = s
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap();
    if neg {
        -n
    } else {
        n
    }
}

fn location(r: &Resp) -> String {
    r.header("location").unwrap_or_default()
}

async fn sandbox_list(app: &TestApp, outlet: &str, query: &str) -> Resp {
    app.admin_get(&format!("/sandbox/v1/outlets/{outlet}/transactions{query}"))
        .await
}

// ---------------------------------------------------------------------------------------------
// GET /sandbox/v1/outlets/{id}/transactions
// ---------------------------------------------------------------------------------------------

async fn sandbox_transactions_listing(app: TestApp) {
    let e = penv(&app).await;
    let r = sandbox_list(&app, "G999999999", "").await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = sandbox_list(&app, e.outlet(), "?per_page=0").await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = sandbox_list(&app, e.outlet(), "?page=x").await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = app
        .send(app.request(
            Method::GET,
            &format!("/sandbox/v1/outlets/{}/transactions", e.outlet()),
        ))
        .await;
    assert_eq!(r.status, 401, "no admin token: {}", r.text);

    assert_eq!(
        sandbox_list(&app, e.outlet(), "").await.data(200)["transactions"],
        json!([])
    );
    let mut ids = Vec::new();
    for amount in [1000, 2000, 3000] {
        let d = create_ok(&app, &e.tok, e.outlet(), &tx_body(&order_id(), amount)).await;
        ids.push(tx_id(&d));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let all = sandbox_list(&app, e.outlet(), "").await;
    let list = all.data(200)["transactions"].as_array().unwrap().clone();
    let got: Vec<String> = list
        .iter()
        .map(|t| t["transaction"]["id"].as_str().unwrap().to_string())
        .collect();
    let newest_first: Vec<String> = ids.iter().rev().cloned().collect();
    assert_eq!(got, newest_first, "newest first");
    assert_eq!(list[0]["transaction"]["gross_amount"], json!(3000));
    assert_eq!(list[0]["transaction"]["status"], json!("pending"));
    assert_eq!(list[0]["partner_id"], json!(e.fx.partner_id));
    assert_rfc3339_z(&list[0]["expires_at"]);
    assert_eq!(list[0]["outlet"]["id"], json!(e.outlet()));

    let p1 = sandbox_list(&app, e.outlet(), "?per_page=2").await;
    let p2 = sandbox_list(&app, e.outlet(), "?per_page=2&page=2").await;
    let page_ids = |r: &Resp| -> Vec<String> {
        r.data(200)["transactions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["transaction"]["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(page_ids(&p1), newest_first[..2].to_vec());
    assert_eq!(page_ids(&p2), newest_first[2..].to_vec());
    let p3 = sandbox_list(&app, e.outlet(), "?per_page=2&page=3").await;
    assert_eq!(p3.data(200)["transactions"], json!([]));

    // Another outlet's transactions are not listed.
    let other = app.setup_facilitator().await;
    assert_eq!(
        sandbox_list(&app, &other.outlet_id, "").await.data(200)["transactions"],
        json!([])
    );
}
both_dbs!(sandbox_transactions_listing);

// ---------------------------------------------------------------------------------------------
// /console/payments
// ---------------------------------------------------------------------------------------------

async fn console_payments_refusals(app: TestApp) {
    let e = penv(&app).await;
    // No session: to sign-in, for pages, the QR image and actions.
    for path in [
        format!("/console/payments?outlet={}", e.outlet()),
        "/console/payments/x".to_string(),
        "/console/payments/x/qr.png".to_string(),
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status, 303, "{path}");
        assert!(location(&r).starts_with("/console/sign-in?next="), "{path}");
    }
    let r = app
        .send(
            app.request(Method::POST, "/console/payments")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("outlet={}&amount=1000", e.outlet())),
        )
        .await;
    assert_eq!(r.status, 303);

    let c = sign_in(&app).await;
    let page = format!("/console/payments?outlet={}", e.outlet());
    let csrf = c.csrf(&page).await;
    // Without / with a wrong CSRF token: 403, nothing created.
    let r = c
        .post(
            "/console/payments",
            &[("outlet", e.outlet()), ("amount", "1000")],
            false,
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    let r = c
        .post(
            "/console/payments",
            &[("csrf", "nope"), ("outlet", e.outlet()), ("amount", "1000")],
            true,
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(
        sandbox_list(&app, e.outlet(), "").await.data(200)["transactions"],
        json!([])
    );

    // Invalid amounts: 400, the error next to the field.
    for (amount, needle) in [
        ("abc", "amount:"),
        ("0", "gross_amount"),
        ("10000001", "gross_amount"),
    ] {
        let r = c
            .post(
                "/console/payments",
                &[("csrf", &csrf), ("outlet", e.outlet()), ("amount", amount)],
                true,
            )
            .await;
        assert_eq!(r.status, 400, "{amount}: {}", r.text);
        assert!(r.text.contains("id=\"payment-amount-error\""), "{}", r.text);
        assert!(r.text.contains("aria-invalid=\"true\""), "{}", r.text);
        assert!(
            text_of(&r.text, "payment-amount-error").contains(needle),
            "{}",
            r.text
        );
    }
    // The same without htmx: the whole page, same status.
    let r = c
        .post(
            "/console/payments",
            &[("csrf", &csrf), ("outlet", e.outlet()), ("amount", "abc")],
            false,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("id=\"payments-empty\""), "{}", r.text);

    // Unknown outlet: 404 with the server's message.
    let r = c
        .post(
            "/console/payments",
            &[
                ("csrf", &csrf),
                ("outlet", "G999999999"),
                ("amount", "1000"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert!(
        text_of(&r.text, "create-payment-error")
            .contains("Outlet with id: G999999999 is not found"),
        "{}",
        r.text
    );
    let r = c.get("/console/payments?outlet=G999999999").await;
    assert_eq!(r.status, 404, "{}", r.text);

    // An outlet that no partner has for payment: 422.
    let unlinked = penv_unlinked(&app).await;
    let r = c
        .post(
            "/console/payments",
            &[
                ("csrf", &csrf),
                ("outlet", unlinked.outlet()),
                ("amount", "1000"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        text_of(&r.text, "create-payment-error").contains("for payment"),
        "{}",
        r.text
    );

    // Unknown transaction.
    let r = c
        .get("/console/payments/00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert!(text_of(&r.text, "payment-error").contains("Transaction not found"));
    let r = c.get("/console/payments/nope/qr.png").await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = c
        .post(
            "/console/payments/nope/actions",
            &[("csrf", &csrf), ("action", "pay")],
            true,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = c
        .post("/console/payments/nope/actions", &[("action", "pay")], true)
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
}
both_dbs!(console_payments_refusals);

async fn console_payments_create_pay_expire(app: TestApp) {
    let e = penv(&app).await;
    let rx = Receiver::start().await;
    subscribe(&app, &e.tok, EVENT, &rx.url("/pay")).await;
    let c = sign_in(&app).await;
    let page = format!("/console/payments?outlet={}", e.outlet());
    let csrf = c.csrf(&page).await;

    // Create (plain form): 303 to the new payment's page.
    let r = c
        .post(
            "/console/payments",
            &[("csrf", &csrf), ("outlet", e.outlet()), ("amount", "25000")],
            false,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let to = location(&r);
    let id = to
        .strip_prefix("/console/payments/")
        .expect("payment page")
        .to_string();
    let listed = sandbox_list(&app, e.outlet(), "").await;
    let t = &listed.data(200)["transactions"][0];
    assert_eq!(t["transaction"]["id"], json!(id));
    assert_eq!(t["transaction"]["gross_amount"], json!(25000));
    assert_eq!(t["transaction"]["status"], json!("pending"));
    assert_eq!(
        t["partner_id"],
        json!(e.fx.partner_id),
        "created as the linked partner"
    );
    // The partner that has the outlet reads it through its own API.
    let g = get_ok(&app, &e.tok, e.outlet(), &id).await;
    assert_eq!(g["transaction"]["gross_amount"], json!(25000));

    // Create (htmx): HX-Redirect to the page.
    let r = c
        .post(
            "/console/payments",
            &[("csrf", &csrf), ("outlet", e.outlet()), ("amount", "1500")],
            true,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let second = r
        .header("hx-redirect")
        .and_then(|h| h.strip_prefix("/console/payments/").map(str::to_string))
        .expect("HX-Redirect");

    // The list: newest first, with status badges.
    let r = c.get(&page).await;
    assert_eq!(r.status, 200);
    let a = r
        .text
        .find(&format!("id=\"payment-{second}\""))
        .expect("second row");
    let b = r
        .text
        .find(&format!("id=\"payment-{id}\""))
        .expect("first row");
    assert!(a < b, "newest first");
    assert!(r.text.contains("Rp25.000"), "{}", r.text);

    // The payment page: fields, QR image, actions.
    let r = c.get(&to).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(text_of(&r.text, "payment-id"), id);
    assert!(r
        .text
        .contains(&format!("src=\"/console/payments/{id}/qr.png\"")));
    assert!(r.text.contains("id=\"payment-pay\""));
    assert!(
        r.text.contains("id=\"payment-webhooks-empty\""),
        "no webhook yet"
    );
    let png = app
        .client
        .get(app.url(&format!("/console/payments/{id}/qr.png")))
        .header("cookie", &c.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(png.status(), 200);
    assert_eq!(png.headers()["content-type"], "image/png");
    let bytes = png.bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");

    // An unknown action: 400 next to the buttons, nothing changes.
    let r = c
        .post(
            &format!("{to}/actions"),
            &[("csrf", &csrf), ("action", "refund")],
            true,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(text_of(&r.text, "payment-action-error").contains("action"));

    // Pay (htmx): the card shows the settlement and the webhook it caused.
    let r = c
        .post(
            &format!("{to}/actions"),
            &[("csrf", &csrf), ("action", "pay")],
            true,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("data-status=\"settlement\""), "{}", r.text);
    assert!(!r.text.contains("id=\"payment-pay\""), "no more actions");
    let deliveries = app
        .admin_get(&format!("/sandbox/v1/deliveries?entity_id={id}"))
        .await;
    let ds = deliveries.data(200)["deliveries"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(ds.len(), 1, "{ds:?}");
    let delivery_id = ds[0]["id"].as_str().unwrap();
    assert_eq!(ds[0]["event_type"], json!(EVENT), "{ds:?}");
    assert!(
        r.text
            .contains(&format!("href=\"/console/webhooks/{delivery_id}\"")),
        "{}",
        r.text
    );
    let g = get_ok(&app, &e.tok, e.outlet(), &id).await;
    assert_eq!(g["transaction"]["status"], json!("settlement"));

    // Acting again: 409 with the server's message, next to the buttons.
    let r = c
        .post(
            &format!("{to}/actions"),
            &[("csrf", &csrf), ("action", "cancel")],
            true,
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.text.contains("id=\"payment-action-error\""), "{}", r.text);
    let r = c
        .post(
            &format!("{to}/actions"),
            &[("csrf", &csrf), ("action", "pay")],
            false,
        )
        .await;
    assert_eq!(
        r.status, 409,
        "plain form: the page with the error; {}",
        r.text
    );
    assert!(r.text.contains("id=\"payment-action-error\""));

    // Expire (plain form) and cancel: 303 back, the statuses the sandbox API reports.
    let r = c
        .post(
            &format!("/console/payments/{second}/actions"),
            &[("csrf", &csrf), ("action", "expire")],
            false,
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(location(&r), format!("/console/payments/{second}"));
    let d = create_ok(&app, &e.tok, e.outlet(), &tx_body(&order_id(), 700)).await;
    let third = tx_id(&d);
    let r = c
        .post(
            &format!("/console/payments/{third}/actions"),
            &[("csrf", &csrf), ("action", "cancel")],
            true,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let listed = sandbox_list(&app, e.outlet(), "").await;
    let status_of = |id: &str| -> Value {
        listed.data(200)["transactions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["transaction"]["id"] == json!(id))
            .map(|t| t["transaction"]["status"].clone())
            .unwrap()
    };
    assert_eq!(status_of(&id), json!("settlement"));
    assert_eq!(status_of(&second), json!("expire"));
    assert_eq!(status_of(&third), json!("cancel"));
    let r = c.get(&page).await;
    for s in ["settlement", "expire", "cancel"] {
        assert!(r.text.contains(&format!("data-status=\"{s}\"")), "{s}");
    }
}
both_dbs!(console_payments_create_pay_expire);

// ---------------------------------------------------------------------------------------------
// /console/moka
// ---------------------------------------------------------------------------------------------

async fn console_moka_report_and_generate(app: TestApp) {
    let m = menv(&app).await;
    let outlet = m.outlet().to_string();
    let r = app.get(&format!("/console/moka?outlet={outlet}")).await;
    assert_eq!(r.status, 303);
    assert!(location(&r).starts_with("/console/sign-in?next="));

    let c = sign_in(&app).await;
    let base = format!("/console/moka?outlet={outlet}");
    let csrf = c.csrf(&base).await;

    // Range errors next to their fields.
    let r = c.get(&format!("{base}&from=2024-4-1&to=2024-04-07")).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(text_of(&r.text, "moka-from-error").contains("YYYY-MM-DD"));
    let r = c
        .get(&format!("{base}&from=2024-04-07&to=2024-04-01"))
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("aria-invalid=\"true\""), "{}", r.text);
    let r = c
        .get(&format!("{base}&from=2022-01-01&to=2024-01-01"))
        .await;
    assert_eq!(r.status, 400, "more than 366 days: {}", r.text);
    let r = c.get("/console/moka?outlet=G999999999").await;
    assert_eq!(r.status, 404, "{}", r.text);

    // Generator refusals.
    let form = |count: &'static str, from: &'static str| {
        vec![
            ("outlet", outlet.clone()),
            ("count", count.to_string()),
            ("from", from.to_string()),
            ("to", "2024-04-07".to_string()),
        ]
    };
    let send = |f: Vec<(&'static str, String)>, csrf: Option<String>, htmx: bool| {
        let c = &c;
        async move {
            let mut pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            if let Some(t) = &csrf {
                pairs.push(("csrf", t));
            }
            c.post("/console/moka/generate", &pairs, htmx).await
        }
    };
    let r = send(form("10", "2024-04-01"), None, true).await;
    assert_eq!(r.status, 403);
    let r = send(form("ten", "2024-04-01"), Some(csrf.clone()), true).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(text_of(&r.text, "generate-count-error").contains("count"));
    let r = send(form("0", "2024-04-01"), Some(csrf.clone()), true).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(
        text_of(&r.text, "generate-count-error").contains("count: must be 1 to"),
        "{}",
        r.text
    );
    let r = send(form("10", "April"), Some(csrf.clone()), false).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("id=\"generate-from-error\""));
    let mut unknown = form("10", "2024-04-01");
    unknown[0].1 = "G999999999".into();
    let r = send(unknown, Some(csrf.clone()), true).await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert!(text_of(&r.text, "moka-generate-error").contains("G999999999"));

    // Generate (plain form): 303 to the report of the range.
    let r = send(form("300", "2024-04-01"), Some(csrf.clone()), false).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let to = location(&r);
    assert_eq!(
        to,
        format!("/console/moka?outlet={outlet}&from=2024-04-01&to=2024-04-07")
    );
    // htmx: HX-Redirect, and a progress indicator while it runs.
    let r = send(form("20", "2024-04-01"), Some(csrf.clone()), true).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("hx-redirect").as_deref(), Some(to.as_str()));

    let r = c.get(&to).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let html = &r.text;
    assert!(html.contains("hx-indicator=\"#moka-generate-progress\""));
    assert!(html.contains("id=\"moka-generate-progress\""));
    // The chart: inline SVG with a title, a description and labelled axes; 7 days.
    assert!(html.contains("<svg"), "{html}");
    assert!(html.contains("<title id=\"moka-chart-title\">"));
    assert!(html.contains("<desc id=\"moka-chart-desc\">"));
    assert!(html.contains("id=\"moka-chart-x-label\""));
    assert!(html.contains("id=\"moka-chart-y-label\""));
    assert!(html.contains("id=\"moka-chart-gross\""));
    let days_table = &html[html.find("id=\"moka-days\"").unwrap()..];
    let days_table = &days_table[..days_table.find("</table>").unwrap()];
    assert_eq!(days_table.matches("<tr>").count(), 8, "header + 7 days");
    for d in 1..=7 {
        assert!(
            days_table.contains(&format!("2024-04-0{d}")),
            "{days_table}"
        );
    }
    let day_gross: i64 = days_table
        .split("<tr>")
        .skip(2)
        .map(|row| {
            let cells: Vec<&str> = row.split("<td>").collect();
            rupiah(cells[2].split('<').next().unwrap())
        })
        .sum();

    // The figures are the partner reports' for the same range.
    let body = range_body("2024-04-01T00:00:00+07:00", "2024-04-07T23:59:59.999+07:00");
    let s = report_raw_body(&app, &m.tok, &outlet, SUMMARY, &body).await;
    let s = s.data(200)["sales_summary"][0].clone();
    let items = report_raw_body(&app, &m.tok, &outlet, ITEMS, &body).await;
    let items = items.data(200).clone();
    let gross = s["gross_amount"].as_i64().unwrap();
    assert!(gross > 0, "{s}");
    assert_eq!(rupiah(&text_of(html, "moka-gross")), gross);
    assert_eq!(
        rupiah(&text_of(html, "moka-refunds")),
        s["refund"].as_i64().unwrap()
    );
    assert_eq!(
        rupiah(&text_of(html, "moka-net")),
        items["total_net_sales"].as_i64().unwrap()
    );
    assert_eq!(
        text_of(html, "moka-items-sold").parse::<i64>().unwrap(),
        items["total_item_sold"].as_i64().unwrap()
    );
    assert_eq!(day_gross, gross, "the days add up to the summary");
    assert!(html.contains("id=\"moka-top-items\""));
    let top = items["item_sales"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|i| i["net_sales"].as_i64().unwrap())
        .unwrap();
    assert!(
        html.contains(top["name"].as_str().unwrap()),
        "top item shown"
    );

    // Indonesian.
    let r = app
        .send(
            app.request(Method::GET, &to)
                .header("cookie", format!("{}; gobiz_lang=id", c.cookie)),
        )
        .await;
    assert!(r.text.contains("Penjualan kotor"), "{}", r.text);
}
both_dbs!(console_moka_report_and_generate);
