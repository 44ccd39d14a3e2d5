//! Partner endpoints that need a merchant-user (`ac`) token: token-info, linking, the legacy
//! primary-outlet link and GoFood outlet properties (spec §3.3, §3.5–§3.8, §1.6, §1.7).

use crate::harness::*;
use reqwest::Method;
use serde_json::{json, Value};

const TOKEN_INFO: &str = "/integrations/partner/v1/token-info";
const LINKED: &str = "/integrations/partner/v1/linked-outlets";
const LEGACY: &str = "/integrations/partner/v1/outlet-link";
const USER_SCOPE: &str =
    "openid offline partner:outlet:read partner:outlet:write gofood:outlet:write";

fn link_path(outlet_id: &str, product: &str) -> String {
    format!("/integrations/partner/outlets/{outlet_id}/v1/link/{product}")
}

fn props_path(outlet_id: &str) -> String {
    format!("/integrations/gofood/outlets/{outlet_id}/v1/properties")
}

/// A facilitator fixture with an `ac` client.
struct Ctx {
    fx: Fixture,
    client_id: String,
    secret: String,
}

impl Ctx {
    async fn new(app: &TestApp) -> Ctx {
        let fx = app.setup_facilitator().await;
        let (client_id, secret) = app.create_ac_client(&fx.partner_id, &[REDIRECT_URI]).await;
        Ctx {
            fx,
            client_id,
            secret,
        }
    }

    /// An `ac` token of the fixture's owner.
    async fn owner_token(&self, app: &TestApp, scope: &str) -> String {
        app.user_token(&self.client_id, &self.secret, scope, &self.fx.phone)
            .await
    }

    /// A new user with `role` in the fixture's merchant and an `ac` token for it.
    async fn role_token(&self, app: &TestApp, role: &str, scope: &str) -> String {
        let (_, phone) = app
            .create_user(&[(&self.fx.merchant_id, role)], Some(&self.fx.outlet_id))
            .await;
        app.user_token(&self.client_id, &self.secret, scope, &phone)
            .await
    }
}

async fn linked_ids(app: &TestApp, fx: &Fixture) -> Vec<(String, Value)> {
    let tok = app.fixture_token(fx).await;
    let r = app.api_get(LINKED, &tok).await;
    r.data(200)["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["id"].as_str().unwrap().to_string(),
                o["external_outlet_id"].clone(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Token info
// ---------------------------------------------------------------------------------------------

async fn token_info_roles_and_outlets(app: TestApp) {
    let c = Ctx::new(&app).await;
    let m_a = c.fx.merchant_id.clone();
    let a2 = app
        .create_outlet(&m_a, json!({ "name": "A two", "address": "Jl. A 2" }))
        .await;
    let m_b = app.create_merchant("Merchant B").await;
    let b1 = app
        .create_outlet(
            &m_b,
            json!({ "name": "B one", "address": "Jl. B 1", "email": "b1@example.com" }),
        )
        .await;
    let b2 = app
        .create_outlet(&m_b, json!({ "name": "B two", "address": "Jl. B 2" }))
        .await;
    let m_c = app.create_merchant("Merchant C").await;
    app.create_outlet_id(&m_c, "C one, no access").await;
    let primary = b2["id"].as_str().unwrap().to_string();
    let (_, phone) = app
        .create_user(&[(&m_b, "manager"), (&m_a, "owner")], Some(&primary))
        .await;
    let tok = app
        .user_token(
            &c.client_id,
            &c.secret,
            "openid partner:outlet:read",
            &phone,
        )
        .await;
    let r = app.api_get(TOKEN_INFO, &tok).await;
    let d = r.data(200);
    assert_eq!(d["user"]["roles"], json!(["owner", "manager"]));
    let mut rest: Vec<String> = vec![
        c.fx.outlet_id.clone(),
        a2["id"].as_str().unwrap().to_string(),
        b1["id"].as_str().unwrap().to_string(),
    ];
    rest.sort();
    let mut expected = vec![primary.clone()];
    expected.extend(rest);
    let got: Vec<String> = d["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, expected, "primary first, rest by id");
    let first = &d["outlets"][0];
    assert_eq!(
        first,
        &json!({ "id": primary, "name": "B two", "address": "Jl. B 2", "email": "", "phone": "" })
    );
    let b1_entry = d["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == b1["id"])
        .unwrap();
    assert_eq!(b1_entry["email"], json!(""), "email is always empty");
    assert_eq!(b1_entry["name"], json!("B one"));

    // A token with only `openid` is accepted too.
    let tok = app
        .user_token(&c.client_id, &c.secret, "openid", &phone)
        .await;
    app.api_get(TOKEN_INFO, &tok).await.data(200);
}
both_dbs!(token_info_roles_and_outlets);

async fn token_info_with_client_credentials_token_is_403(app: TestApp) {
    let c = Ctx::new(&app).await;
    let tok = app.fixture_token(&c.fx).await;
    let r = app.api_get(TOKEN_INFO, &tok).await;
    assert_error(
        &r,
        403,
        "Forbidden",
        "This endpoint requires an authorization_code (merchant user) token.",
    );
    // Same for a cc token of the ac-capable client.
    let tok = app
        .access_token(&c.client_id, &c.secret, "partner:outlet:read")
        .await;
    let r = app.api_get(TOKEN_INFO, &tok).await;
    assert_error(
        &r,
        403,
        "Forbidden",
        "This endpoint requires an authorization_code (merchant user) token.",
    );
}
both_dbs!(token_info_with_client_credentials_token_is_403);

// ---------------------------------------------------------------------------------------------
// Linking
// ---------------------------------------------------------------------------------------------

async fn link_outlet_gofood_sets_auto_accept(app: TestApp) {
    let c = Ctx::new(&app).await;
    let outlet = app.create_outlet_id(&c.fx.merchant_id, "Second").await;
    let r = app
        .admin_patch(
            &format!("/sandbox/v1/outlets/{outlet}"),
            json!({ "acceptance_mode": "manual" }),
        )
        .await;
    assert_eq!(r.data(200)["outlet"]["acceptance_mode"], json!("manual"));

    let tok = c.owner_token(&app, USER_SCOPE).await;
    let r = app
        .api_send(
            Method::PUT,
            &link_path(&outlet, "gofood"),
            &tok,
            Some(json!({ "external_outlet_id": "pos-42" })),
        )
        .await;
    let o = &r.data(200)["outlet"];
    assert_eq!(o["id"], json!(outlet));
    assert_eq!(o["external_outlet_id"], json!("pos-42"));
    for k in ["created_at", "updated_at", "linked_at"] {
        assert_rfc3339_z(&o[k]);
    }
    let r = app
        .admin_get(&format!("/sandbox/v1/outlets/{outlet}"))
        .await;
    assert_eq!(
        r.data(200)["outlet"]["acceptance_mode"],
        json!("auto_accept")
    );
    let linked = linked_ids(&app, &c.fx).await;
    assert!(
        linked.contains(&(outlet.clone(), json!("pos-42"))),
        "linked-outlets: {linked:?}"
    );

    // POST alias, payment product, new external id overwrites (pair-wide).
    let r = app
        .api_send(
            Method::POST,
            &link_path(&outlet, "payment"),
            &tok,
            Some(json!({ "external_outlet_id": "pos-43" })),
        )
        .await;
    assert_eq!(r.data(200)["outlet"]["external_outlet_id"], json!("pos-43"));
    let linked = linked_ids(&app, &c.fx).await;
    assert!(
        linked.contains(&(outlet.clone(), json!("pos-43"))),
        "linked-outlets: {linked:?}"
    );

    // Unlink both; unlinking again is fine.
    for product in ["gofood", "payment", "gofood"] {
        let r = app
            .api_send(Method::DELETE, &link_path(&outlet, product), &tok, None)
            .await;
        assert_eq!(r.data(200), &json!({}));
    }
    let linked = linked_ids(&app, &c.fx).await;
    assert!(
        !linked.iter().any(|(id, _)| id == &outlet),
        "unlinked outlet still listed: {linked:?}"
    );
    // Acceptance mode is unchanged by unlinking.
    let r = app
        .admin_get(&format!("/sandbox/v1/outlets/{outlet}"))
        .await;
    assert_eq!(
        r.data(200)["outlet"]["acceptance_mode"],
        json!("auto_accept")
    );
}
both_dbs!(link_outlet_gofood_sets_auto_accept);

/// `PUT` (with `body`) or `DELETE` (without a body) of `outlet`'s `product` link.
async fn send_link(
    app: &TestApp,
    method: Method,
    outlet: &str,
    product: &str,
    tok: &str,
    body: &Option<Value>,
) -> Resp {
    let body = if method == Method::PUT {
        body.clone()
    } else {
        None
    };
    app.api_send(method, &link_path(outlet, product), tok, body)
        .await
}

async fn link_errors(app: TestApp) {
    let c = Ctx::new(&app).await;
    let tok = c.owner_token(&app, USER_SCOPE).await;
    let body = Some(json!({ "external_outlet_id": "x" }));
    let own = c.fx.outlet_id.as_str();

    // Unknown product; unknown outlet.
    let bad_product = "product: must be one of gofood, payment";
    for (method, outlet, product, status, title, message) in [
        (Method::PUT, own, "gopay", 400, "Bad Request", bad_product),
        (
            Method::DELETE,
            own,
            "gopay",
            400,
            "Bad Request",
            bad_product,
        ),
        (
            Method::PUT,
            "G999999999",
            "gofood",
            404,
            "Not found",
            "Outlet with id: G999999999 is not found",
        ),
    ] {
        let r = send_link(&app, method, outlet, product, &tok, &body).await;
        assert_error(&r, status, title, message);
    }

    // An outlet of another merchant.
    let other_m = app.create_merchant("Other").await;
    let other = app.create_outlet_id(&other_m, "Other outlet").await;
    for method in [Method::PUT, Method::DELETE] {
        let r = send_link(&app, method, &other, "gofood", &tok, &body).await;
        assert_error(
            &r,
            403,
            "Forbidden",
            &format!("User does not have access to outlet: {other}"),
        );
    }

    // Body problems.
    for bad in [
        json!({}),
        json!({ "external_outlet_id": "" }),
        json!({ "external_outlet_id": "x".repeat(101) }),
    ] {
        let r = send_link(&app, Method::PUT, own, "gofood", &tok, &Some(bad)).await;
        assert_field_error(&r, "external_outlet_id");
    }

    // cc token: row 3.
    let cc = app.fixture_token(&c.fx).await;
    let r = send_link(&app, Method::PUT, own, "gofood", &cc, &body).await;
    assert_error(
        &r,
        403,
        "Forbidden",
        "This endpoint requires an authorization_code (merchant user) token.",
    );

    // Missing scope: neither partner:outlet:read nor :write.
    let narrow = c.owner_token(&app, "openid gofood:outlet:write").await;
    let r = send_link(&app, Method::PUT, own, "gofood", &narrow, &body).await;
    assert_error_title(&r, 403, "Forbidden");
    assert!(
        r.messages()[0].starts_with("Missing required scope: partner:outlet:"),
        "{}",
        r.text
    );
    // partner:outlet:write alone is enough.
    let write_only = c.owner_token(&app, "openid partner:outlet:write").await;
    let r = send_link(&app, Method::PUT, own, "gofood", &write_only, &body).await;
    r.data(200);
}
both_dbs!(link_errors);

async fn link_roles_manager_and_admin_may_link(app: TestApp) {
    let c = Ctx::new(&app).await;
    for (i, role) in ["manager", "admin", "owner"].iter().enumerate() {
        let outlet = app
            .create_outlet_id(&c.fx.merchant_id, &format!("Outlet {role}"))
            .await;
        let tok = c.role_token(&app, role, USER_SCOPE).await;
        let ext = format!("ext-{i}");
        let r = app
            .api_send(
                Method::PUT,
                &link_path(&outlet, "gofood"),
                &tok,
                Some(json!({ "external_outlet_id": ext })),
            )
            .await;
        let o = &r.data(200)["outlet"];
        assert_eq!(o["id"], json!(outlet), "{role}");
        assert_eq!(o["external_outlet_id"], json!(ext), "{role}");
        let r = app
            .api_send(Method::DELETE, &link_path(&outlet, "gofood"), &tok, None)
            .await;
        assert_eq!(r.data(200), &json!({}), "{role} unlink");
    }
}
both_dbs!(link_roles_manager_and_admin_may_link);

async fn legacy_primary_outlet_link(app: TestApp) {
    let c = Ctx::new(&app).await;
    let primary = app.create_outlet_id(&c.fx.merchant_id, "Primary").await;
    let (_, phone) = app
        .create_user(&[(&c.fx.merchant_id, "owner")], Some(&primary))
        .await;
    let tok = app
        .user_token(&c.client_id, &c.secret, USER_SCOPE, &phone)
        .await;

    // Not linked for gofood yet.
    let r = app
        .api_send(
            Method::PATCH,
            &props_path(&primary),
            &tok,
            Some(json!({ "force_close": true })),
        )
        .await;
    assert_error_title(&r, 404, "Requested resource not found");

    let r = app
        .api_send(
            Method::PUT,
            LEGACY,
            &tok,
            Some(json!({ "external_outlet_id": "legacy-1" })),
        )
        .await;
    let o = &r.data(200)["outlet"];
    assert_eq!(o["id"], json!(primary));
    assert_eq!(o["external_outlet_id"], json!("legacy-1"));
    assert_rfc3339_z(&o["linked_at"]);
    let linked = linked_ids(&app, &c.fx).await;
    assert!(
        linked.contains(&(primary.clone(), json!("legacy-1"))),
        "{linked:?}"
    );
    // gofood is covered: properties work now.
    let r = app
        .api_send(
            Method::PATCH,
            &props_path(&primary),
            &tok,
            Some(json!({ "force_close": false })),
        )
        .await;
    assert_eq!(r.data(200), &json!({ "force_close": false }));

    // POST alias.
    let r = app
        .api_send(
            Method::POST,
            LEGACY,
            &tok,
            Some(json!({ "external_outlet_id": "legacy-2" })),
        )
        .await;
    assert_eq!(
        r.data(200)["outlet"]["external_outlet_id"],
        json!("legacy-2")
    );

    // Unlink removes both products.
    let r = app.api_send(Method::DELETE, LEGACY, &tok, None).await;
    assert_eq!(r.data(200), &json!({}));
    let linked = linked_ids(&app, &c.fx).await;
    assert!(!linked.iter().any(|(id, _)| id == &primary), "{linked:?}");
    let r = app
        .api_send(
            Method::PATCH,
            &props_path(&primary),
            &tok,
            Some(json!({ "force_close": true })),
        )
        .await;
    assert_error_title(&r, 404, "Requested resource not found");

    // A user without a primary outlet.
    let (_, phone) = app.create_user(&[(&c.fx.merchant_id, "owner")], None).await;
    let tok = app
        .user_token(&c.client_id, &c.secret, USER_SCOPE, &phone)
        .await;
    let r = app
        .api_send(
            Method::PUT,
            LEGACY,
            &tok,
            Some(json!({ "external_outlet_id": "x" })),
        )
        .await;
    assert_error(&r, 404, "Not found", "User has no primary outlet");
    let r = app.api_send(Method::DELETE, LEGACY, &tok, None).await;
    assert_error(&r, 404, "Not found", "User has no primary outlet");
}
both_dbs!(legacy_primary_outlet_link);

// ---------------------------------------------------------------------------------------------
// Outlet properties
// ---------------------------------------------------------------------------------------------

async fn outlet_properties_force_close(app: TestApp) {
    let c = Ctx::new(&app).await;
    let outlet = c.fx.outlet_id.clone(); // linked for gofood by the fixture
    let tok = c.owner_token(&app, USER_SCOPE).await;

    let r = app
        .api_send(
            Method::PATCH,
            &props_path(&outlet),
            &tok,
            Some(json!({ "force_close": true })),
        )
        .await;
    assert_eq!(r.data(200), &json!({ "force_close": true }));
    let r = app.api_get(&props_path(&outlet), &tok).await;
    assert_eq!(r.data(200), &json!({ "force_close": true }));
    let r = app
        .admin_get(&format!("/sandbox/v1/outlets/{outlet}"))
        .await;
    assert_eq!(r.data(200)["outlet"]["force_close"], json!(true));

    // PUT alias, by a manager.
    let manager = c.role_token(&app, "manager", USER_SCOPE).await;
    let r = app
        .api_send(
            Method::PUT,
            &props_path(&outlet),
            &manager,
            Some(json!({ "force_close": false })),
        )
        .await;
    assert_eq!(r.data(200), &json!({ "force_close": false }));
    let r = app
        .admin_get(&format!("/sandbox/v1/outlets/{outlet}"))
        .await;
    assert_eq!(r.data(200)["outlet"]["force_close"], json!(false));
}
both_dbs!(outlet_properties_force_close);

async fn outlet_properties_errors(app: TestApp) {
    let c = Ctx::new(&app).await;
    let outlet = c.fx.outlet_id.clone();
    let body = Some(json!({ "force_close": true }));

    // admin may not.
    let admin = c.role_token(&app, "admin", USER_SCOPE).await;
    let r = app
        .api_send(Method::PATCH, &props_path(&outlet), &admin, body.clone())
        .await;
    assert_error(
        &r,
        403,
        "Forbidden",
        "User role is not allowed. Required one of: owner, manager",
    );

    // cc token: row 3.
    let cc = app.fixture_token(&c.fx).await;
    let r = app
        .api_send(Method::PATCH, &props_path(&outlet), &cc, body.clone())
        .await;
    assert_error(
        &r,
        403,
        "Forbidden",
        "This endpoint requires an authorization_code (merchant user) token.",
    );

    // Missing scope.
    let owner_narrow = c.owner_token(&app, "openid partner:outlet:read").await;
    let r = app
        .api_send(
            Method::PATCH,
            &props_path(&outlet),
            &owner_narrow,
            body.clone(),
        )
        .await;
    assert_error(
        &r,
        403,
        "Forbidden",
        "Missing required scope: gofood:outlet:write",
    );

    let owner = c.owner_token(&app, USER_SCOPE).await;
    // Not linked for gofood.
    let unlinked = app.create_outlet_id(&c.fx.merchant_id, "Unlinked").await;
    let r = app
        .api_send(Method::PATCH, &props_path(&unlinked), &owner, body.clone())
        .await;
    assert_error(
        &r,
        404,
        "Requested resource not found",
        "The outlet is not yet registered for integration. Please contact the support team.",
    );
    // Linked for payment only is not enough.
    let r = app
        .api_send(
            Method::PUT,
            &link_path(&unlinked, "payment"),
            &owner,
            Some(json!({ "external_outlet_id": "pay-only" })),
        )
        .await;
    r.data(200);
    let r = app
        .api_send(Method::PATCH, &props_path(&unlinked), &owner, body.clone())
        .await;
    assert_error_title(&r, 404, "Requested resource not found");

    // Unknown outlet.
    let r = app
        .api_send(
            Method::PATCH,
            &props_path("G999999999"),
            &owner,
            body.clone(),
        )
        .await;
    assert_error(
        &r,
        404,
        "Not found",
        "Outlet with id: G999999999 is not found",
    );

    // Bad bodies.
    for b in [
        json!({}),
        json!({ "force_close": "yes" }),
        json!({ "force_close": null }),
    ] {
        let r = app
            .api_send(Method::PATCH, &props_path(&outlet), &owner, Some(b.clone()))
            .await;
        assert_field_error(&r, "force_close");
    }
    // Nothing changed.
    let r = app
        .admin_get(&format!("/sandbox/v1/outlets/{outlet}"))
        .await;
    assert_eq!(r.data(200)["outlet"]["force_close"], json!(false));
}
both_dbs!(outlet_properties_errors);
