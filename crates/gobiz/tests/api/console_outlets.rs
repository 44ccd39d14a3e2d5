//! The console's outlet and menu pages over plain HTTP (issue 17): the outlet list and its
//! "create outlet" form, an outlet's links, acceptance mode and force close, the menu with
//! promotion prices and stock toggles, and the "place test order" form — each action through
//! the same services as the sandbox API, checked back through the sandbox API.

use crate::harness::*;
use crate::support::catalog::ids_of;
use crate::support::promotions::{create, date, jakarta_now, new_key, penv, promo};
use reqwest::Method;
use serde_json::{json, Value};

/// A signed-in console: its session cookie and CSRF token.
struct Console<'a> {
    app: &'a TestApp,
    cookie: String,
    csrf: String,
}

/// The text of the element with `id` (its inner HTML up to the element's first closing tag).
fn element<'h>(html: &'h str, id: &str) -> Option<&'h str> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let open_end = at + html[at..].find('>')? + 1;
    let close = html[open_end..].find("</")?;
    Some(&html[open_end..open_end + close])
}

fn form_body(fields: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish()
}

async fn sign_in(app: &TestApp) -> Console<'_> {
    let s = ConsoleSession::sign_in(app).await;
    Console {
        app,
        cookie: s.cookie,
        csrf: s.csrf,
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

    /// Posts a form with the session's CSRF token added.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all, false).await
    }

    /// Like [`Console::post`], as htmx sends it.
    async fn post_htmx(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all, true).await
    }

    async fn post_raw(&self, path: &str, fields: &[(&str, &str)], htmx: bool) -> Resp {
        let mut rb = self
            .app
            .request(Method::POST, path)
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(fields));
        if htmx {
            rb = rb.header("hx-request", "true");
        }
        self.app.send(rb).await
    }
}

fn assert_field_error_html(r: &Resp, status: u16, id: &str, contains: &str) {
    assert_eq!(r.status, status, "status; body: {}", r.text);
    assert_html(r);
    let e = element(&r.text, &format!("{id}-error"))
        .unwrap_or_else(|| panic!("no #{id}-error in: {}", r.text));
    assert!(
        e.contains(contains),
        "#{id}-error is {e:?}, wanted {contains:?}"
    );
    // The field (when the error is about one) is marked invalid and points at its error.
    if let Some(at) = r.text.find(&format!("id=\"{id}\"")) {
        let start = r.text[..at].rfind('<').unwrap();
        let tag = &r.text[start..at + r.text[at..].find('>').unwrap()];
        assert!(
            tag.contains("aria-invalid=\"true\""),
            "#{id} is marked invalid: {tag}"
        );
    }
}

/// An htmx answer: only the `<section id=…>` to swap, not a whole page.
fn assert_fragment(r: &Resp, id: &str) {
    let t = r.text.trim_start();
    assert!(
        t.starts_with("<section") && t.contains(&format!("id=\"{id}\"")) && !t.contains("<html"),
        "htmx gets #{id} only: {}",
        r.text
    );
}

async fn sandbox_outlet(app: &TestApp, id: &str) -> Value {
    app.admin_get(&format!("/sandbox/v1/outlets/{id}"))
        .await
        .data(200)["outlet"]
        .clone()
}

// ---- Unhappy paths first ----

/// Without a session every page and action sends the visitor to the sign-in page; a form
/// without the session's CSRF token is refused (403) and changes nothing.
async fn outlet_pages_need_a_session_and_csrf(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let o = &fx.outlet_id;
    for path in [
        "/console/outlets".to_string(),
        format!("/console/outlets/{o}"),
        format!("/console/outlets/{o}/menu"),
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status, 303, "{path}: {}", r.text);
        let loc = r.header("location").unwrap_or_default();
        assert!(loc.starts_with("/console/sign-in?next="), "{path}: {loc}");
    }
    let no_session = app
        .send(
            app.request(Method::POST, &format!("/console/outlets/{o}/settings"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("force_close=true"),
        )
        .await;
    assert_eq!(no_session.status, 303);

    let c = sign_in(&app).await;
    for (path, fields) in [
        (
            "/console/outlets".to_string(),
            vec![("merchant_id", fx.merchant_id.as_str()), ("name", "X")],
        ),
        (
            format!("/console/outlets/{o}/settings"),
            vec![("force_close", "true")],
        ),
        (
            format!("/console/outlets/{o}/unlink"),
            vec![
                ("user_id", fx.user_id.as_str()),
                ("partner_id", fx.partner_id.as_str()),
                ("product", "gofood"),
            ],
        ),
        (
            format!("/console/outlets/{o}/menu/stock"),
            vec![("target", "item"), ("id", "x"), ("in_stock", "false")],
        ),
        (
            format!("/console/outlets/{o}/test-order"),
            vec![("item", "x")],
        ),
    ] {
        // No token, then a wrong one.
        let r = c.post_raw(&path, &fields, false).await;
        assert_eq!(r.status, 403, "{path} without csrf: {}", r.text);
        let mut wrong = vec![("csrf", "0000")];
        wrong.extend_from_slice(&fields);
        let r = c.post_raw(&path, &wrong, true).await;
        assert_eq!(r.status, 403, "{path} with a wrong csrf: {}", r.text);
    }
    let outlet = sandbox_outlet(&app, o).await;
    assert_eq!(outlet["force_close"], json!(false), "nothing changed");
    let outlets = app.admin_get("/sandbox/v1/outlets").await;
    assert_eq!(outlets.data(200)["outlets"].as_array().unwrap().len(), 1);
    let page = c.get(&format!("/console/outlets/{o}")).await;
    assert!(
        element(&page.text, "links-gofood").is_some(),
        "still linked: {}",
        page.text
    );
}
both_dbs!(outlet_pages_need_a_session_and_csrf);

/// An unknown outlet is a 404 page with the service's message, for every outlet page and
/// action.
async fn unknown_outlet_is_404(app: TestApp) {
    let c = sign_in(&app).await;
    for path in [
        "/console/outlets/G999999999",
        "/console/outlets/G999999999/menu",
    ] {
        let r = c.get(path).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text);
        assert_html(&r);
        let msg = element(&r.text, "not-found").expect("#not-found");
        assert!(
            msg.contains("Outlet with id: G999999999 is not found"),
            "{msg}"
        );
    }
    let r = c
        .post(
            "/console/outlets/G999999999/settings",
            &[("force_close", "true")],
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = c
        .post("/console/outlets/G999999999/test-order", &[("item", "x")])
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}
both_dbs!(unknown_outlet_is_404);

/// The create form shows each refusal next to its field with the sandbox API's status, then
/// creates the outlet (plain form: 303 to its page; htmx: `HX-Redirect`).
async fn create_outlet_from_the_list(app: TestApp) {
    let merchant = app.create_merchant("Warung Console").await;
    let c = sign_in(&app).await;
    let page = c.get("/console/outlets").await;
    assert_html(&page);
    assert!(page.text.contains("id=\"no-outlets\""), "{}", page.text);
    assert!(
        page.text.contains(&format!("value=\"{merchant}\"")),
        "merchant select"
    );

    let r = c
        .post(
            "/console/outlets",
            &[("merchant_id", &merchant), ("name", "")],
        )
        .await;
    assert_field_error_html(&r, 400, "outlet-name", "name: ");
    let r = c
        .post(
            "/console/outlets",
            &[
                ("merchant_id", &merchant),
                ("name", "Kemang"),
                ("email", "not-an-email"),
            ],
        )
        .await;
    assert_field_error_html(&r, 400, "outlet-email", "email: must be an e-mail address");
    assert!(r.text.contains("value=\"Kemang\""), "what was typed stays");
    let r = c
        .post_htmx(
            "/console/outlets",
            &[
                ("merchant_id", &merchant),
                ("name", "Kemang"),
                ("acceptance_mode", "sometimes"),
            ],
        )
        .await;
    assert_field_error_html(
        &r,
        400,
        "outlet-acceptance-mode",
        "acceptance_mode: must be one of",
    );
    assert_fragment(&r, "create-outlet");
    let r = c
        .post(
            "/console/outlets",
            &[("merchant_id", "no-such-merchant"), ("name", "Kemang")],
        )
        .await;
    assert_field_error_html(
        &r,
        404,
        "outlet-merchant",
        "Merchant with id: no-such-merchant is not found",
    );
    assert_eq!(
        app.admin_get("/sandbox/v1/outlets").await.data(200)["outlets"],
        json!([]),
        "nothing was created"
    );

    let r = c
        .post(
            "/console/outlets",
            &[
                ("merchant_id", &merchant),
                ("name", "Kemang"),
                ("address", "Jl. Kemang Raya 1"),
                ("email", "kemang@example.com"),
                ("acceptance_mode", "manual"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let loc = r.header("location").unwrap();
    let id = loc
        .strip_prefix("/console/outlets/")
        .expect("to the outlet page");
    assert!(is_outlet_id(id), "{id}");
    let o = sandbox_outlet(&app, id).await;
    assert_eq!(o["name"], json!("Kemang"));
    assert_eq!(o["address"], json!("Jl. Kemang Raya 1"));
    assert_eq!(o["email"], json!("kemang@example.com"));
    assert_eq!(o["acceptance_mode"], json!("manual"));

    let r = c
        .post_htmx(
            "/console/outlets",
            &[("merchant_id", &merchant), ("name", "Senopati")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let to = r.header("hx-redirect").expect("HX-Redirect");
    assert!(to.starts_with("/console/outlets/G"), "{to}");

    let list = c.get("/console/outlets").await;
    assert!(list.text.contains(&format!("id=\"outlet-{id}\"")), "listed");
    assert!(list.text.contains("Senopati"));
    let one = c.get(&loc).await;
    assert_eq!(one.status, 200);
    assert_eq!(element(&one.text, "outlet-id"), Some(id));
    for (link, href) in [
        ("to-menu", format!("/console/outlets/{id}/menu")),
        ("to-orders", format!("/console/orders?outlet={id}")),
        ("to-payments", format!("/console/payments?outlet={id}")),
        ("to-moka", format!("/console/moka?outlet={id}")),
    ] {
        assert!(
            one.text.contains(&format!("id=\"{link}\" href=\"{href}\"")),
            "{link} → {href}: {}",
            one.text
        );
    }
}
both_dbs!(create_outlet_from_the_list);

/// Links per product with their external ids; link and unlink as the merchant's user, with
/// the service's refusals next to the fields; acceptance mode and force close.
async fn outlet_links_and_settings(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let o = fx.outlet_id.clone();
    let c = sign_in(&app).await;
    let page = c.get(&format!("/console/outlets/{o}")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let gofood = element(&page.text, "links-gofood").is_some();
    assert!(gofood, "the gofood link is listed: {}", page.text);
    assert!(page.text.contains(&fx.external_outlet_id));
    assert!(page.text.contains("id=\"no-links-payment\""));

    let links = format!("/console/outlets/{o}/links");
    let r = c
        .post(
            &links,
            &[
                ("user_id", &fx.user_id),
                ("partner_id", &fx.partner_id),
                ("product", "payment"),
                ("external_outlet_id", ""),
            ],
        )
        .await;
    assert_field_error_html(&r, 400, "link-external-id", "external_outlet_id: ");
    let r = c
        .post(
            &links,
            &[
                ("user_id", &fx.user_id),
                ("partner_id", "no-such-partner"),
                ("product", "payment"),
                ("external_outlet_id", "pay-1"),
            ],
        )
        .await;
    assert_field_error_html(&r, 404, "link-partner", "no-such-partner");
    let direct = app
        .create_partner(
            json!({ "name": "Direct POS", "type": "direct", "merchant_id": fx.merchant_id }),
        )
        .await;
    let r = c
        .post_htmx(
            &links,
            &[
                ("user_id", &fx.user_id),
                ("partner_id", direct["id"].as_str().unwrap()),
                ("product", "payment"),
                ("external_outlet_id", "pay-1"),
            ],
        )
        .await;
    assert_field_error_html(&r, 409, "link-partner", "");
    assert_fragment(&r, "links-card");

    let r = c
        .post(
            &links,
            &[
                ("user_id", &fx.user_id),
                ("partner_id", &fx.partner_id),
                ("product", "payment"),
                ("external_outlet_id", "pay-1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("location").unwrap(),
        format!("/console/outlets/{o}")
    );
    let page = c.get(&format!("/console/outlets/{o}")).await;
    let pay = element(&page.text, "links-payment");
    assert!(pay.is_some(), "linked for payment: {}", page.text);
    // The external id belongs to the pair: the gofood link now shows it too.
    assert!(!page.text.contains(&fx.external_outlet_id));

    let r = c
        .post_htmx(
            &format!("/console/outlets/{o}/unlink"),
            &[
                ("user_id", &fx.user_id),
                ("partner_id", &fx.partner_id),
                ("product", "gofood"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("id=\"no-links-gofood\""), "{}", r.text);
    assert!(element(&r.text, "links-payment").is_some());

    // Settings: acceptance mode and force close, through the sandbox's outlet patch.
    let settings = format!("/console/outlets/{o}/settings");
    let r = c.post(&settings, &[("acceptance_mode", "manual")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        sandbox_outlet(&app, &o).await["acceptance_mode"],
        json!("manual")
    );
    let r = c.post_htmx(&settings, &[("force_close", "true")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("data-force-close=\"true\""), "{}", r.text);
    assert_eq!(sandbox_outlet(&app, &o).await["force_close"], json!(true));
    let r = c.post(&settings, &[("force_close", "maybe")]).await;
    assert_field_error_html(
        &r,
        400,
        "settings-force-close",
        "force_close: must be true or false",
    );
    let r = c
        .post_htmx(&settings, &[("acceptance_mode", "never")])
        .await;
    assert_field_error_html(
        &r,
        400,
        "settings-acceptance-mode",
        "acceptance_mode: must be one of",
    );
    let outlet = sandbox_outlet(&app, &o).await;
    assert_eq!(outlet["acceptance_mode"], json!("manual"));
    assert_eq!(outlet["force_close"], json!(true));
    let list = c.get("/console/outlets").await;
    assert!(list.text.contains("badge bad"), "force-closed in the list");
}
both_dbs!(outlet_links_and_settings);

/// The menu as a customer sees it, with the promotion price; stock toggles; the test order
/// form's refusals inline (400 next to the field, 422 with the simulator's reason), then an
/// order placed through the simulator and a redirect to its page.
async fn menu_stock_and_test_order(app: TestApp) {
    let e = penv(&app).await;
    let o = e.outlet().to_string();
    let (today, _) = jakarta_now(&app).await;
    let r = create(
        &app,
        &e.tok,
        &o,
        Some(&new_key()),
        &promo("KOPI", 7000, &date(today), &date(today + 1)),
    )
    .await;
    assert!(r.status == 200 || r.status == 201, "promotion: {}", r.text);
    let read = app
        .admin_get(&format!("/sandbox/v1/outlets/{o}/catalog"))
        .await
        .data(200)
        .clone();
    let ids = ids_of(&read);
    let id = |k: &str| ids[k].clone();

    let c = sign_in(&app).await;
    let menu_path = format!("/console/outlets/{o}/menu");
    let page = c.get(&menu_path).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_html(&page);
    for name in [
        "Nasi Goreng",
        "Sate Ayam",
        "Es Teh",
        "Kopi Susu",
        "Spice level",
        "Truffle",
    ] {
        assert!(page.text.contains(name), "{name} on the menu");
    }
    assert!(
        page.text.contains("data-price=\"7000\""),
        "KOPI at its promotion price: {}",
        page.text
    );
    assert!(
        page.text.contains("data-price=\"25000\""),
        "NASI at its price"
    );
    let sate = format!("id=\"item-{}\"", id("item:SATE"));
    let at = page.text.find(&sate).expect("SATE row");
    assert!(page.text[at..].starts_with(&format!(
        "{sate} data-external-id=\"SATE\" data-in-stock=\"false\""
    )));

    // Stock: SATE back in stock (plain form), TEH out of stock (htmx), a wrong id refused.
    let stock = format!("/console/outlets/{o}/menu/stock");
    let r = c
        .post(
            &stock,
            &[
                ("target", "item"),
                ("id", &id("item:SATE")),
                ("in_stock", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.header("location").unwrap(), menu_path);
    let r = c
        .post_htmx(
            &stock,
            &[
                ("target", "item"),
                ("id", &id("item:TEH")),
                ("in_stock", "false"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_fragment(&r, "catalog");
    let r = c
        .post_htmx(
            &stock,
            &[
                ("target", "variant"),
                ("id", &id("var:V-OOS")),
                ("in_stock", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = c
        .post(
            &stock,
            &[
                ("target", "item"),
                ("id", "no-such-item"),
                ("in_stock", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(element(&r.text, "catalog-error").is_some(), "{}", r.text);
    let read = app
        .admin_get(&format!("/sandbox/v1/outlets/{o}/catalog"))
        .await
        .data(200)
        .clone();
    let stock_of = |xid: &str| {
        read["menus"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|m| m["menu_items"].as_array().unwrap())
            .find(|i| i["external_id"] == json!(xid))
            .unwrap()["in_stock"]
            .clone()
    };
    assert_eq!(stock_of("SATE"), json!(true));
    assert_eq!(stock_of("TEH"), json!(false));
    assert!(read
        .to_string()
        .contains("\"external_id\":\"V-OOS\",\"id\""));

    // The test order form: refusals inline.
    let order = format!("/console/outlets/{o}/test-order");
    let r = c.post(&order, &[("order_type", "delivery")]).await;
    assert_field_error_html(&r, 400, "order-items", "items: must have 1 to 50 items");
    let nasi = id("item:NASI");
    let qty_nasi = format!("qty.{nasi}");
    let r = c.post(&order, &[("item", &nasi), (&qty_nasi, "120")]).await;
    assert_field_error_html(
        &r,
        400,
        &format!("order-item-{nasi}"),
        "items[0].quantity: must be 1 to 99",
    );
    let r = c
        .post_htmx(&order, &[("item", &nasi), (&qty_nasi, "1")])
        .await;
    assert_eq!(r.status, 422, "NASI needs a spice level: {}", r.text);
    assert_fragment(&r, "order-card");
    let reason = element(&r.text, "order-error").expect("#order-error");
    assert!(r.text.contains("VC-SPICY"), "{reason} / {}", r.text);
    let teh = id("item:TEH");
    let r = c.post(&order, &[("item", &teh)]).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("Item TEH is out of stock"), "{}", r.text);
    assert!(
        r.text.contains(&format!("id=\"pick-{teh}\" checked")),
        "the ticked item stays ticked"
    );

    // Placed: NASI ×2 with the mild spice, KOPI at its promotion price, pickup, Budi.
    let kopi = id("item:KOPI");
    let qty_kopi = format!("qty.{kopi}");
    let spice = format!("var.{nasi}.{}", id("cat:VC-SPICY"));
    let r = c
        .post(
            &order,
            &[
                ("order_type", "pickup"),
                ("customer_name", "Budi"),
                ("item", &nasi),
                (&qty_nasi, "2"),
                (&spice, &id("var:V-MILD")),
                ("item", &kopi),
                (&qty_kopi, "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let loc = r.header("location").unwrap();
    let number = loc
        .strip_prefix("/console/orders/")
        .expect("to the order page");
    assert!(number.starts_with("F-"), "{number}");
    let d = app
        .admin_get(&format!("/sandbox/v1/orders/{number}"))
        .await
        .data(200)
        .clone();
    let text = d.to_string();
    assert!(text.contains("\"Budi\""), "{text}");
    assert!(
        text.contains("\"order_total\":57000"),
        "2 × 25000 + 7000: {text}"
    );
    let r = c
        .post_htmx(
            &order,
            &[("item", &kopi), (&qty_kopi, "1"), ("customer_name", "Sari")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r
        .header("hx-redirect")
        .unwrap()
        .starts_with("/console/orders/F-"));
}
both_dbs!(menu_stock_and_test_order);
