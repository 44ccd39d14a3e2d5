//! The web console at `/console` (issue 17): server-rendered HTML with htmx, live updates by
//! Server-Sent Events. Sign-in, the session cookie, CSRF and the production rules are checked
//! over plain HTTP; the pages are driven in a real headless Chromium (`harness::browser`).

use std::collections::HashMap;

use reqwest::Method;
use serde_json::json;

use crate::harness::*;

const KEY: &str = "console-test-secret-key-0123456789abcdef";

/// The attributes of every `<tag …>` in `html` (names lower-case, valueless ones as "").
fn tags(html: &str, tag: &str) -> Vec<HashMap<String, String>> {
    let open = regex::Regex::new(&format!(r"(?is)<{tag}\b([^>]*)>")).unwrap();
    let attr = regex::Regex::new(r#"([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*"([^"]*)")?"#).unwrap();
    open.captures_iter(html)
        .map(|c| {
            attr.captures_iter(&c[1])
                .map(|a| {
                    (
                        a[1].to_ascii_lowercase(),
                        a.get(2).map(|v| v.as_str()).unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .collect()
}

/// The inner HTML of every `<form>` with its attributes.
fn forms(html: &str) -> Vec<(HashMap<String, String>, String)> {
    let re = regex::Regex::new(r"(?is)<form\b[^>]*>.*?</form>").unwrap();
    re.find_iter(html)
        .map(|m| {
            let whole = m.as_str();
            let attrs = tags(whole, "form").remove(0);
            (attrs, whole.to_string())
        })
        .collect()
}

fn has(attrs: &HashMap<String, String>, name: &str, value: &str) -> bool {
    attrs.get(name).map(String::as_str) == Some(value)
}

/// The `name=value` of the `gobiz_console` cookie a response sets, and the whole header.
fn session_cookie(r: &Resp) -> (String, String) {
    let header = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("gobiz_console="))
        .unwrap_or_else(|| panic!("no gobiz_console cookie set: {:?}", r.headers));
    let pair = header.split(';').next().unwrap().trim().to_string();
    (pair, header)
}

/// The cookie attributes of a `Set-Cookie` header, lower-cased, without the `name=value`.
fn cookie_attrs(header: &str) -> Vec<String> {
    header
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

/// Posts a console form (`application/x-www-form-urlencoded`) with the session cookie.
async fn post_form(app: &TestApp, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Resp {
    let mut rb = app.request(Method::POST, path).form(form);
    if let Some(c) = cookie {
        rb = rb.header("cookie", c);
    }
    app.send(rb).await
}

/// Gets a console page in English with the session cookie.
async fn get_page(app: &TestApp, path: &str, cookie: &str) -> Resp {
    app.send(
        app.request(Method::GET, path)
            .header("cookie", cookie)
            .header("accept-language", "en"),
    )
    .await
}

/// Signs in with the admin token: the session cookie (`gobiz_console=…`) and the CSRF token
/// the overview's forms carry.
async fn sign_in(app: &TestApp) -> (String, String) {
    let s = ConsoleSession::sign_in(app).await;
    (s.cookie, s.csrf)
}

async fn clock_offset(app: &TestApp) -> i64 {
    app.admin_get("/sandbox/v1/clock").await.data(200)["clock"]["offset_seconds"]
        .as_i64()
        .expect("offset_seconds")
}

/// Without a session, `/console` sends the visitor to the sign-in page, coming back after.
async fn console_without_session_goes_to_sign_in(app: TestApp) {
    let r = app.get("/console").await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("location").as_deref(),
        Some("/console/sign-in?next=%2Fconsole")
    );
    // A session cookie that is not genuine is no session.
    let r = get_page(
        &app,
        "/console",
        "gobiz_console=v1.99999999999.nonce.forged",
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
}
both_dbs!(console_without_session_goes_to_sign_in);

/// The sign-in page: an accessible form for the admin token; a wrong token shows the error
/// next to the field (401), the admin token starts a session (303 to `next`).
async fn sign_in_with_the_admin_token(app: TestApp) {
    let page = app.get("/console/sign-in").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_html(&page);
    let form = forms(&page.text)
        .into_iter()
        .find(|(a, _)| has(a, "action", "/console/sign-in"))
        .unwrap_or_else(|| panic!("no sign-in form: {}", page.text));
    assert!(
        form.0
            .get("method")
            .map(|m| m.to_ascii_lowercase())
            .as_deref()
            == Some("post"),
        "method post: {:?}",
        form.0
    );
    let inputs = tags(&form.1, "input");
    let token = inputs
        .iter()
        .find(|i| has(i, "name", "token"))
        .unwrap_or_else(|| panic!("no token input: {}", form.1));
    assert!(has(token, "type", "password"), "{token:?}");
    assert!(has(token, "id", "token"), "{token:?}");
    assert!(
        tags(&form.1, "label")
            .iter()
            .any(|l| has(l, "for", "token")),
        "a <label for=\"token\">: {}",
        form.1
    );
    let buttons = tags(&form.1, "button");
    assert!(
        buttons.iter().any(|b| has(b, "type", "submit"))
            || inputs.iter().any(|i| has(i, "type", "submit")),
        "a submit button: {}",
        form.1
    );

    // A wrong token: the form again, with the error next to the field, and no session.
    for wrong in ["not-the-admin-token", ""] {
        let r = post_form(&app, "/console/sign-in", None, &[("token", wrong)]).await;
        assert_eq!(r.status, 401, "{wrong:?}: {}", r.text);
        assert_html(&r);
        assert!(
            tags(&r.text, "p")
                .iter()
                .chain(tags(&r.text, "span").iter())
                .chain(tags(&r.text, "div").iter())
                .any(|e| e
                    .get("class")
                    .is_some_and(|c| c.split_whitespace().any(|c| c == "field-error"))),
            "an element with class field-error: {}",
            r.text
        );
        assert!(
            tags(&r.text, "input")
                .iter()
                .any(|i| has(i, "name", "token")),
            "the field again: {}",
            r.text
        );
        assert!(
            r.header("set-cookie")
                .is_none_or(|c| !c.starts_with("gobiz_console=")),
            "no session for a wrong token: {:?}",
            r.header("set-cookie")
        );
    }

    // The admin token: a session cookie, to /console by default.
    let r = post_form(&app, "/console/sign-in", None, &[("token", ADMIN_TOKEN)]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.header("location").as_deref(), Some("/console"));
    let (cookie, header) = session_cookie(&r);
    assert!(cookie.len() > "gobiz_console=".len() + 16, "{header}");
    let attrs = cookie_attrs(&header);
    for wanted in ["httponly", "samesite=strict", "path=/console"] {
        assert!(attrs.iter().any(|a| a == wanted), "{wanted} in {header}");
    }
    assert!(
        !attrs.iter().any(|a| a == "secure"),
        "no Secure on an http base URL: {header}"
    );
    let overview = get_page(&app, "/console", &cookie).await;
    assert_eq!(overview.status, 200, "{}", overview.text);
    assert_html(&overview);
    assert!(overview.text.contains("Overview"), "{}", overview.text);

    // Back to `next` when the sign-in page was given one.
    let r = post_form(
        &app,
        "/console/sign-in",
        None,
        &[("token", ADMIN_TOKEN), ("next", "/console/webhooks")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.header("location").as_deref(), Some("/console/webhooks"));
}
both_dbs!(sign_in_with_the_admin_token);

/// Every console form carries the session's CSRF token; an action without it, or with
/// another, is refused (403) and does nothing; with it, sign-out ends the session.
async fn console_actions_need_the_csrf_token(app: TestApp) {
    let (cookie, csrf) = sign_in(&app).await;
    let page = get_page(&app, "/console", &cookie).await;
    let all = forms(&page.text);
    assert!(!all.is_empty(), "the overview has forms: {}", page.text);
    for (attrs, form) in &all {
        let fields = tags(form, "input");
        let field = fields
            .iter()
            .find(|i| has(i, "name", "csrf"))
            .unwrap_or_else(|| panic!("a form without a csrf field: {form}"));
        assert!(has(field, "type", "hidden"), "{form}");
        assert!(has(field, "value", &csrf), "{attrs:?}: {form}");
    }

    // A second session has another token, which does not do for the first.
    let (_, other_csrf) = sign_in(&app).await;
    assert_ne!(other_csrf, csrf);

    for path in ["/console/sign-out", "/console/clock/advance"] {
        for bad in [None, Some("wrong"), Some(other_csrf.as_str()), Some("")] {
            let mut form = vec![("seconds", "60")];
            if let Some(b) = bad {
                form.push(("csrf", b));
            }
            let r = post_form(&app, path, Some(&cookie), &form).await;
            assert_eq!(r.status, 403, "{path} with csrf {bad:?}: {}", r.text);
            assert!(
                r.header("set-cookie").is_none(),
                "{path} with csrf {bad:?} changed a cookie"
            );
        }
    }
    assert_eq!(
        clock_offset(&app).await,
        0,
        "refused advances moved the clock"
    );

    // The right token: the clock moves (a plain form goes back to the overview).
    let r = post_form(
        &app,
        "/console/clock/advance",
        Some(&cookie),
        &[("csrf", &csrf), ("seconds", "60")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.header("location").as_deref(), Some("/console"));
    assert_eq!(clock_offset(&app).await, 60);

    // Sign-out: the cookie cleared, to the sign-in page.
    let r = post_form(&app, "/console/sign-out", Some(&cookie), &[("csrf", &csrf)]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.header("location").as_deref(), Some("/console/sign-in"));
    let (cleared, header) = session_cookie(&r);
    assert_eq!(cleared, "gobiz_console=", "{header}");
    let attrs = cookie_attrs(&header);
    assert!(attrs.iter().any(|a| a == "max-age=0"), "{header}");
    assert!(attrs.iter().any(|a| a == "path=/console"), "{header}");
}
both_dbs!(console_actions_need_the_csrf_token);

/// Production without `--console` has no console: the API's 404 envelope.
async fn production_has_no_console(db_url: String) {
    let app = TestApp::start_with_env(
        &db_url,
        &[("GOBIZ_MODE", "production"), ("GOBIZ_SECRET_KEY", KEY)],
    )
    .await;
    // Read without the contract check: the document describes the routes as mounted.
    let unmounted = |rb: reqwest::RequestBuilder| async move {
        Resp::read(rb.send().await.expect("request")).await
    };
    let r = unmounted(app.request(Method::GET, "/console")).await;
    assert_error(&r, 404, "Not found", "No route for GET /console");
    let r = unmounted(app.request(Method::GET, "/console/sign-in")).await;
    assert_error(&r, 404, "Not found", "No route for GET /console/sign-in");
    let r = unmounted(
        app.request(Method::POST, "/console/sign-in")
            .form(&[("token", ADMIN_TOKEN)]),
    )
    .await;
    assert_error(&r, 404, "Not found", "No route for POST /console/sign-in");
    assert!(r.header("set-cookie").is_none());
}
both_dbs!(production_has_no_console);

/// Production with `GOBIZ_CONSOLE=true` (`--console`): a read-only console. Pages load after
/// signing in; actions other than signing in and out are refused (403) and do nothing.
async fn production_console_is_read_only(db_url: String) {
    let app = TestApp::start_with_env(
        &db_url,
        &[
            ("GOBIZ_MODE", "production"),
            ("GOBIZ_SECRET_KEY", KEY),
            ("GOBIZ_CONSOLE", "true"),
        ],
    )
    .await;
    let r = app.get("/console").await;
    assert_eq!(r.status, 303, "{}", r.text);
    let (cookie, csrf) = sign_in(&app).await;
    let page = get_page(&app, "/console", &cookie).await;
    assert!(page.text.contains("Overview"), "{}", page.text);
    for path in ["/console/clock/advance", "/console/reset"] {
        let r = post_form(
            &app,
            path,
            Some(&cookie),
            &[("csrf", &csrf), ("seconds", "60")],
        )
        .await;
        assert_eq!(r.status, 403, "{path}: {}", r.text);
    }
    assert_eq!(clock_offset(&app).await, 0);
    let r = post_form(&app, "/console/sign-out", Some(&cookie), &[("csrf", &csrf)]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.header("location").as_deref(), Some("/console/sign-in"));
}
both_dbs!(production_console_is_read_only);

/// `--console` is the flag of `GOBIZ_CONSOLE`.
#[tokio::test]
async fn production_console_flag() {
    let db = TestDb::sqlite();
    let (mut child, base, _stderr) = spawn_serve(
        &[
            "--database-url",
            &db.url,
            "--admin-token",
            ADMIN_TOKEN,
            "--mode",
            "production",
            "--secret-key",
            KEY,
            "--console",
        ],
        &[],
    )
    .await;
    let r = reqwest::get(format!("{base}/console/sign-in"))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    child.start_kill().unwrap();
    let _ = child.wait().await;
}

// ---------------------------------------------------------------------------------------------
// In a real browser
// ---------------------------------------------------------------------------------------------

/// The reference page at `/docs/` renders in a real browser that can reach nothing but this
/// machine: Swagger UI's JavaScript, served by the binary, draws the document's title.
#[tokio::test]
async fn reference_page_renders_offline_in_a_browser() {
    on_sqlite(reference_page_renders_offline, &[]).await;
}

async fn reference_page_renders_offline(app: TestApp) {
    let b = Browser::start().await;
    b.goto(&app.url("/docs/")).await;
    let title = b
        .wait_for_text_in(".swagger-ui .info .title", "GoBiz Partner Integration API")
        .await;
    assert!(title.contains("GoBiz Partner Integration API"), "{title}");
    // The operations are listed too: the document was read and rendered.
    b.wait_for(".swagger-ui .opblock").await;
}

/// Signing in, moving the clock in place (htmx, no reload) and signing out, in Chromium.
#[tokio::test]
async fn console_in_a_browser() {
    on_sqlite(console_in_a_browser_on, &[]).await;
}

async fn console_in_a_browser_on(app: TestApp) {
    let b = Browser::start().await;
    b.goto(&app.url("/console")).await;
    let at = b.wait_for_path("/console/sign-in").await;
    assert_eq!(at.query(), Some("next=%2Fconsole"), "{at}");

    b.fill("#token", ADMIN_TOKEN).await;
    b.submit("form[action=\"/console/sign-in\"]").await;
    b.wait_for_path("/console").await;
    b.wait_for_text_in("h1", "Overview").await;
    let clock = b.text("#clock").await;
    assert!(!clock.trim().is_empty(), "the clock shows the time");
    let before = b.text("#clock-offset").await;
    assert!(!before.contains("60"), "{before}");

    // "+1 min" swaps the clock card in place: the page (and this marker) stays.
    b.js("window.__no_reload = 'still here'; return null;")
        .await;
    b.click("button[data-advance=\"60\"]").await;
    let after = b.wait_for_text_in("#clock-offset", "60").await;
    assert!(after.contains("60"), "{after}");
    assert_eq!(
        b.js("return window.__no_reload || null;").await,
        json!("still here"),
        "the page was reloaded"
    );
    assert_eq!(b.path().await, "/console");
    assert_eq!(clock_offset(&app).await, 60);

    // Sign out; the console asks for the token again.
    b.click("#sign-out").await;
    b.wait_for_path("/console/sign-in").await;
    b.goto(&app.url("/console")).await;
    b.wait_for_path("/console/sign-in").await;
    b.wait_for("#token").await;
}

fn overview_count(html: &str, id: &str) -> i64 {
    let marker = format!("id=\"{id}\">");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} on the overview"))
        + marker.len();
    html[start..]
        .split('<')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("#{id} is not a number"))
}

/// The overview counts today's orders by the sandbox clock, and shows deliveries by result.
async fn overview_counts_todays_orders(app: TestApp) {
    let seeded = app.admin_post("/sandbox/v1/seed", json!({})).await;
    let outlet = seeded.data(201)["outlet"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (cookie, _) = sign_in(&app).await;
    let page = get_page(&app, "/console", &cookie).await;
    assert_eq!(overview_count(&page.text, "orders-today"), 0);
    assert!(page.text.contains("id=\"deliveries-by-result\""));
    for _ in 0..2 {
        let r = app
            .admin_post(
                &format!("/sandbox/v1/outlets/{outlet}/orders"),
                json!({ "items": [ { "external_id": "XID", "quantity": 1,
                    "variants": [ { "external_id": "V-XID" } ] } ], "order_type": "delivery" }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let page = get_page(&app, "/console", &cookie).await;
    assert_eq!(overview_count(&page.text, "orders-today"), 2);
    // A day later by the sandbox clock, they are yesterday's.
    let r = app
        .admin_post("/sandbox/v1/clock/advance", json!({ "seconds": 86_400 }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let page = get_page(&app, "/console", &cookie).await;
    assert_eq!(overview_count(&page.text, "orders-today"), 0);
}
both_dbs!(overview_counts_todays_orders);

/// An open live feed does not hold up shutdown: on SIGTERM the feed ends and the server exits
/// well before its grace period (10 s) runs out.
async fn live_feeds_end_on_shutdown(app: TestApp) {
    let seeded = app.admin_post("/sandbox/v1/seed", json!({})).await;
    let outlet = seeded.data(201)["outlet"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (cookie, _) = sign_in(&app).await;
    let mut feed = app
        .client
        .get(app.url(&format!("/console/orders/live?outlet={outlet}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 200);
    let first = tokio::time::timeout(std::time::Duration::from_secs(10), feed.chunk())
        .await
        .expect("a first event")
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: orders"));
    let started = std::time::Instant::now();
    let status = app.terminate().await;
    assert!(status.success(), "{status:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "shutdown waited {:?} for the live feed",
        started.elapsed()
    );
    // The feed ended with the server.
    let rest = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Ok(Some(_)) = feed.chunk().await {}
    })
    .await;
    assert!(rest.is_ok(), "the feed is still open");
}
both_dbs!(live_feeds_end_on_shutdown);
