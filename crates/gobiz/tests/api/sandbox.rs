//! Sandbox control API (spec §10).

use crate::harness::*;
use reqwest::Method;
use serde_json::{json, Value};

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
        .to_string()
}

async fn admin_token_required(app: TestApp) {
    let paths = [
        (Method::GET, "/sandbox/v1/merchants"),
        (Method::POST, "/sandbox/v1/merchants"),
        (Method::GET, "/sandbox/v1/outlets"),
        (Method::GET, "/sandbox/v1/partners"),
        (Method::GET, "/sandbox/v1/clock"),
        (Method::POST, "/sandbox/v1/reset"),
        (Method::POST, "/sandbox/v1/seed"),
    ];
    for (method, path) in paths {
        // Missing.
        let mut rb = app.request(method.clone(), path);
        if method == Method::POST {
            rb = rb.json(&json!({ "name": "x" }));
        }
        let r = app.send(rb).await;
        assert_error(&r, 401, "Unauthorized", "Invalid admin token");
        // Wrong.
        let mut rb = app
            .request(method.clone(), path)
            .bearer_auth("wrong-admin-token");
        if method == Method::POST {
            rb = rb.json(&json!({ "name": "x" }));
        }
        let r = app.send(rb).await;
        assert_error(&r, 401, "Unauthorized", "Invalid admin token");
        // Right token, wrong scheme.
        let r = app
            .send(
                app.request(method.clone(), path)
                    .basic_auth("admin", Some(ADMIN_TOKEN)),
            )
            .await;
        assert_error(&r, 401, "Unauthorized", "Invalid admin token");
    }
    // A partner access token is not an admin token.
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let r = app.api_get("/sandbox/v1/merchants", &tok).await;
    assert_error(&r, 401, "Unauthorized", "Invalid admin token");
    // Nothing was created or reset by the rejected calls.
    let r = app.admin_get("/sandbox/v1/merchants").await;
    assert_eq!(r.data(200)["merchants"].as_array().unwrap().len(), 1);
}
both_dbs!(admin_token_required);

async fn merchant_create_validates(app: TestApp) {
    let r = app.admin_post("/sandbox/v1/merchants", json!({})).await;
    assert_field_error(&r, "name");
    let r = app
        .admin_post("/sandbox/v1/merchants", json!({ "name": "" }))
        .await;
    assert_field_error(&r, "name");
    let r = app
        .admin_post("/sandbox/v1/merchants", json!({ "name": "x".repeat(101) }))
        .await;
    assert_field_error(&r, "name");
    let r = app
        .admin_post("/sandbox/v1/merchants", json!({ "name": null }))
        .await;
    assert_field_error(&r, "name");
    let r = app.admin_get("/sandbox/v1/merchants").await;
    assert_eq!(r.data(200)["merchants"], json!([]));

    let r = app
        .admin_post("/sandbox/v1/merchants", json!({ "name": "x".repeat(100) }))
        .await;
    assert_eq!(r.data(201)["merchant"]["name"], json!("x".repeat(100)));
    let r = app
        .admin_post("/sandbox/v1/merchants", json!({ "name": "Kopi Senja" }))
        .await;
    let m = r.data(201)["merchant"].clone();
    assert!(
        is_uuid(&s(&m["id"])),
        "merchant id must be a lower-case UUID: {m}"
    );
    assert_eq!(m["name"], json!("Kopi Senja"));
    assert_rfc3339_z(&m["created_at"]);
    let r = app.admin_get("/sandbox/v1/merchants").await;
    let list = r.data(200)["merchants"].as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert!(
        list.iter()
            .any(|x| x["id"] == m["id"] && x["name"] == m["name"]),
        "{list:?}"
    );
}
both_dbs!(merchant_create_validates);

/// PATCH of an outlet: changed fields, kept fields, a bad status, an unknown outlet.
async fn outlet_patch(app: &TestApp) {
    // PATCH.
    let r = app
        .admin_patch(
            "/sandbox/v1/outlets/G000012345",
            json!({ "status": "inactive", "force_close": true, "acceptance_mode": "auto_accept_on_timeout",
                    "name": "Blok M 2" }),
        )
        .await;
    let o = r.data(200)["outlet"].clone();
    assert_eq!(o["status"], json!("inactive"));
    assert_eq!(o["force_close"], json!(true));
    assert_eq!(o["acceptance_mode"], json!("auto_accept_on_timeout"));
    assert_eq!(o["name"], json!("Blok M 2"));
    assert_eq!(
        o["address"],
        json!("Jl. Melawai 1"),
        "unpatched fields are kept"
    );
    let r = app
        .admin_patch(
            "/sandbox/v1/outlets/G000012345",
            json!({ "status": "closed" }),
        )
        .await;
    assert_field_error(&r, "status");
    let r = app
        .admin_patch("/sandbox/v1/outlets/G999999999", json!({ "name": "x" }))
        .await;
    assert_error_title(&r, 404, "Not found");
}

async fn outlet_create_validates(app: TestApp) {
    let merchant = app.create_merchant("Kopi Senja").await;
    let base = format!("/sandbox/v1/merchants/{merchant}/outlets");

    // Unknown merchant.
    let r = app
        .admin_post(
            &format!("/sandbox/v1/merchants/{}/outlets", uuid::Uuid::new_v4()),
            json!({ "name": "A" }),
        )
        .await;
    assert_error_title(&r, 404, "Not found");
    // Field problems.
    let bad_ids = [
        "X123456789",
        "G12345",
        "G1234567890",
        "G12345678a",
        "g123456789",
    ];
    let mut field_errors = vec![(json!({}), "name"), (json!({ "name": "" }), "name")];
    field_errors.extend(bad_ids.map(|id| (json!({ "name": "A", "id": id }), "id")));
    field_errors.extend([
        (
            json!({ "name": "A", "acceptance_mode": "sometimes" }),
            "acceptance_mode",
        ),
        (json!({ "name": "A", "email": "not-an-email" }), "email"),
        (json!({ "name": "A", "qris_active": "yes" }), "qris_active"),
    ]);
    for (body, field) in field_errors {
        assert_field_error(&app.admin_post(&base, body).await, field);
    }
    let r = app.admin_get("/sandbox/v1/outlets").await;
    assert_eq!(r.data(200)["outlets"], json!([]));

    // Generated id and defaults.
    let o = app
        .create_outlet(&merchant, json!({ "name": "Kemang" }))
        .await;
    let id = s(&o["id"]);
    assert!(
        is_outlet_id(&id),
        "generated id must match ^G[0-9]{{9}}$: {id}"
    );
    assert_eq!(o["merchant_id"], json!(merchant));
    assert_eq!(o["merchant_name"], json!("Kopi Senja"));
    assert_eq!(o["name"], json!("Kemang"));
    assert_eq!(o["status"], json!("active"));
    assert_eq!(o["force_close"], json!(false));
    assert!(o["acceptance_mode"].is_string(), "{o}");
    for k in ["gopay", "qris"] {
        assert!(o["payment_settings"][k]["active"].is_boolean(), "{o}");
    }
    for k in ["midtrans", "gopay"] {
        assert!(o["applications"][k]["active"].is_boolean(), "{o}");
    }
    assert!(is_uuid(&s(&o["pop_id"])), "pop_id: {o}");
    assert_rfc3339_z(&o["created_at"]);
    assert_rfc3339_z(&o["updated_at"]);

    // All fields given.
    let o = app
        .create_outlet(
            &merchant,
            json!({ "name": "Blok M", "address": "Jl. Melawai 1", "email": "blokm@example.com",
                    "id": "G000012345", "acceptance_mode": "manual", "qris_active": false,
                    "gopay_active": true }),
        )
        .await;
    assert_eq!(o["id"], json!("G000012345"));
    assert_eq!(o["address"], json!("Jl. Melawai 1"));
    assert_eq!(o["email"], json!("blokm@example.com"));
    assert_eq!(o["acceptance_mode"], json!("manual"));
    assert_eq!(o["payment_settings"]["qris"]["active"], json!(false));
    assert_eq!(o["payment_settings"]["gopay"]["active"], json!(true));
    // Duplicate id.
    let r = app
        .admin_post(&base, json!({ "name": "Again", "id": "G000012345" }))
        .await;
    assert_error_title(&r, 409, "Conflict");

    // Reads.
    let r = app.admin_get("/sandbox/v1/outlets").await;
    let mut listed: Vec<String> = r.data(200)["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| s(&o["id"]))
        .collect();
    listed.sort();
    let mut want = vec![id.clone(), "G000012345".to_string()];
    want.sort();
    assert_eq!(listed, want);
    let r = app.admin_get("/sandbox/v1/outlets/G000012345").await;
    assert_eq!(r.data(200)["outlet"]["name"], json!("Blok M"));
    let r = app.admin_get("/sandbox/v1/outlets/G999999999").await;
    assert_error_title(&r, 404, "Not found");

    outlet_patch(&app).await;
}
both_dbs!(outlet_create_validates);

async fn user_create_validates(app: TestApp) {
    let merchant = app.create_merchant("Kopi Senja").await;
    let outlet = app.create_outlet_id(&merchant, "Kemang").await;
    let roles = json!([{ "merchant_id": merchant, "role": "manager" }]);

    // Phone forms all normalise to +62….
    let local = random_phone_local();
    let r = app
        .admin_post(
            "/sandbox/v1/users",
            json!({ "phone": local, "name": "Budi", "roles": roles, "primary_outlet_id": outlet }),
        )
        .await;
    let u = r.data(201)["user"].clone();
    assert!(is_uuid(&s(&u["id"])), "{u}");
    assert_eq!(u["phone"], json!(normalised(&local)));
    assert_eq!(u["name"], json!("Budi"));
    assert_eq!(u["roles"][0]["merchant_id"], json!(merchant));
    assert_eq!(u["roles"][0]["role"], json!("manager"));
    assert_eq!(u["primary_outlet_id"], json!(outlet));
    assert_rfc3339_z(&u["created_at"]);

    let local2 = random_phone_local();
    let intl = format!("62{}", &local2[1..]);
    let r = app
        .admin_post(
            "/sandbox/v1/users",
            json!({ "phone": intl, "name": "Sari", "roles": roles }),
        )
        .await;
    assert_eq!(r.data(201)["user"]["phone"], json!(normalised(&local2)));
    let local3 = random_phone_local();
    let plus = normalised(&local3);
    let r = app
        .admin_post(
            "/sandbox/v1/users",
            json!({ "phone": plus, "name": "Tono", "roles": roles }),
        )
        .await;
    assert_eq!(r.data(201)["user"]["phone"], json!(plus));

    // Duplicate phone, same form and another form of the same number.
    let r = app
        .admin_post(
            "/sandbox/v1/users",
            json!({ "phone": local, "name": "Dup", "roles": roles }),
        )
        .await;
    assert_error_title(&r, 409, "Conflict");
    let r = app
        .admin_post(
            "/sandbox/v1/users",
            json!({ "phone": normalised(&local), "name": "Dup", "roles": roles }),
        )
        .await;
    assert_error_title(&r, 409, "Conflict");

    // Bad input.
    for bad in ["abc", "12345", "+6512345678", "0712345678", ""] {
        let r = app
            .admin_post(
                "/sandbox/v1/users",
                json!({ "phone": bad, "name": "X", "roles": roles }),
            )
            .await;
        assert_field_error(&r, "phone");
    }
    let r = app
        .admin_post("/sandbox/v1/users", json!({ "name": "X", "roles": roles }))
        .await;
    assert_field_error(&r, "phone");
    let fresh = random_phone_local();
    let r = app
        .admin_post(
            "/sandbox/v1/users",
            json!({ "phone": fresh, "name": "X", "roles": [{ "merchant_id": merchant, "role": "boss" }] }),
        )
        .await;
    assert_field_error(&r, "roles");
    let r = app
        .admin_post(
            "/sandbox/v1/users",
            json!({ "phone": fresh, "name": "X",
                    "roles": [{ "merchant_id": uuid::Uuid::new_v4().to_string(), "role": "owner" }] }),
        )
        .await;
    assert!(
        r.status == 400 || r.status == 404,
        "unknown merchant in roles: {} {}",
        r.status,
        r.text
    );
    assert_eq!(r.json["success"], json!(false));

    let r = app.admin_get("/sandbox/v1/users").await;
    let users = r.data(200)["users"].as_array().unwrap().clone();
    assert_eq!(
        users.len(),
        3,
        "only the three valid users exist: {users:?}"
    );
    assert!(users
        .iter()
        .any(|x| x["id"] == u["id"] && x["phone"] == u["phone"]));
}
both_dbs!(user_create_validates);

async fn partner_create_validates(app: TestApp) {
    let merchant = app.create_merchant("Kopi Senja").await;
    let r = app
        .admin_post("/sandbox/v1/partners", json!({ "type": "facilitator" }))
        .await;
    assert_field_error(&r, "name");
    let r = app
        .admin_post(
            "/sandbox/v1/partners",
            json!({ "name": "POS", "type": "reseller" }),
        )
        .await;
    assert_field_error(&r, "type");
    let r = app
        .admin_post("/sandbox/v1/partners", json!({ "name": "POS" }))
        .await;
    assert_field_error(&r, "type");
    let r = app
        .admin_post(
            "/sandbox/v1/partners",
            json!({ "name": "Own", "type": "direct" }),
        )
        .await;
    assert_field_error(&r, "merchant_id");
    let r = app
        .admin_post(
            "/sandbox/v1/partners",
            json!({ "name": "POS", "type": "facilitator", "standard_webhooks": "no" }),
        )
        .await;
    assert_field_error(&r, "standard_webhooks");
    let r = app.admin_get("/sandbox/v1/partners").await;
    assert_eq!(r.data(200)["partners"], json!([]));

    let p = app
        .create_partner(json!({ "name": "POS", "type": "facilitator", "standard_webhooks": true }))
        .await;
    let id = s(&p["id"]);
    assert!(is_uuid(&id), "{p}");
    assert_eq!(p["name"], json!("POS"));
    assert_eq!(p["type"], json!("facilitator"));
    assert_eq!(p["merchant_id"], Value::Null);
    assert_eq!(p["standard_webhooks"], json!(true));
    let secret = s(&p["notification_secret"]);
    assert!(
        secret.len() == 64
            && secret
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "notification_secret must be 64 lower-case hex: {secret}"
    );
    assert_rfc3339_z(&p["created_at"]);

    let d = app
        .create_partner(json!({ "name": "Own", "type": "direct", "merchant_id": merchant }))
        .await;
    assert_eq!(d["type"], json!("direct"));
    assert_eq!(d["merchant_id"], json!(merchant));
    assert_eq!(
        d["standard_webhooks"],
        json!(false),
        "standard_webhooks defaults to false"
    );

    // Secrets are never listed.
    let r = app.admin_get("/sandbox/v1/partners").await;
    let list = r.data(200)["partners"].as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert!(
        !r.text.contains(&secret),
        "secret leaked in list: {}",
        r.text
    );
    for x in &list {
        assert!(x.get("notification_secret").is_none(), "{x}");
    }
    let r = app.admin_get(&format!("/sandbox/v1/partners/{id}")).await;
    let got = r.data(200)["partner"].clone();
    assert_eq!(got["id"], json!(id));
    assert_eq!(got["name"], json!("POS"));
    assert!(got.get("notification_secret").is_none(), "{got}");
    let r = app
        .admin_get(&format!("/sandbox/v1/partners/{}", uuid::Uuid::new_v4()))
        .await;
    assert_error_title(&r, 404, "Not found");

    // Rotation.
    let r = app
        .admin_post(
            &format!("/sandbox/v1/partners/{id}/notification-secret"),
            json!({}),
        )
        .await;
    let rotated = r.data(200)["partner"].clone();
    assert_eq!(rotated["id"], json!(id));
    let new_secret = s(&rotated["notification_secret"]);
    assert_eq!(new_secret.len(), 64);
    assert_ne!(new_secret, secret);
}
both_dbs!(partner_create_validates);

async fn client_create_validates(app: TestApp) {
    let p = app
        .create_partner(json!({ "name": "POS", "type": "facilitator" }))
        .await;
    let pid = s(&p["id"]);
    let path = format!("/sandbox/v1/partners/{pid}/clients");

    let r = app
        .admin_post(
            &path,
            json!({ "allowed_scopes": ["partner:outlet:read", "no:such:scope"] }),
        )
        .await;
    assert_field_error(&r, "allowed_scopes");
    for bad in ["bad id", "", "x".repeat(65).as_str(), "a/b", "ümlaut"] {
        let r = app.admin_post(&path, json!({ "client_id": bad })).await;
        assert_field_error(&r, "client_id");
    }
    let r = app
        .admin_post(&path, json!({ "allowed_grants": ["password"] }))
        .await;
    assert_field_error(&r, "allowed_grants");
    let r = app
        .admin_post(
            &format!("/sandbox/v1/partners/{}/clients", uuid::Uuid::new_v4()),
            json!({}),
        )
        .await;
    assert_error_title(&r, 404, "Not found");

    // Given id, 64 chars of the allowed alphabet.
    let long_id = format!("pos.client_{}", "-".repeat(53));
    assert_eq!(long_id.len(), 64);
    let r = app
        .admin_post(
            &path,
            json!({ "client_id": long_id, "name": "Till", "allowed_scopes": ["partner:outlet:read", "gofood:order:read"],
                    "allowed_grants": ["client_credentials"] }),
        )
        .await;
    let c = r.data(201)["client"].clone();
    assert_eq!(c["client_id"], json!(long_id));
    assert_eq!(c["partner_id"], json!(pid));
    assert_eq!(
        c["allowed_scopes"],
        json!(["partner:outlet:read", "gofood:order:read"])
    );
    assert_eq!(c["allowed_grants"], json!(["client_credentials"]));
    assert!(c["redirect_uris"].is_array(), "{c}");
    assert!(c["public"].is_boolean(), "{c}");
    assert!(c["require_pkce"].is_boolean(), "{c}");
    let secret = s(&c["client_secret"]);
    assert!(
        is_base64url(&secret, 43),
        "client_secret must be 43 base64url chars: {secret}"
    );
    {
        use base64::Engine as _;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&secret)
            .expect("base64url");
        assert_eq!(raw.len(), 32);
    }
    assert_rfc3339_z(&c["created_at"]);
    // The secret works.
    let (status, body) = app
        .token(&long_id, &secret, Some("gofood:order:read"))
        .await;
    assert_eq!(status, 200, "{body}");

    // Duplicate id.
    let r = app.admin_post(&path, json!({ "client_id": long_id })).await;
    assert_error_title(&r, 409, "Conflict");

    // Generated id is a UUID.
    let r = app.admin_post(&path, json!({})).await;
    let c = r.data(201)["client"].clone();
    assert!(is_uuid(&s(&c["client_id"])), "{c}");
    assert!(is_base64url(&s(&c["client_secret"]), 43), "{c}");
}
both_dbs!(client_create_validates);

async fn link_create_validates(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let outlet = app.create_outlet_id(&fx.merchant_id, "Second").await;
    let body = |product: &str| {
        json!({ "user_id": fx.user_id, "partner_id": fx.partner_id, "outlet_id": outlet,
                "product": product, "external_outlet_id": "ext-2" })
    };

    let r = app.admin_post("/sandbox/v1/links", body("grabfood")).await;
    assert_error(
        &r,
        400,
        "Bad Request",
        "product: must be one of gofood, payment",
    );
    let mut no_ext = body("gofood");
    no_ext.as_object_mut().unwrap().remove("external_outlet_id");
    let r = app.admin_post("/sandbox/v1/links", no_ext).await;
    assert_field_error(&r, "external_outlet_id");
    let mut long_ext = body("gofood");
    long_ext["external_outlet_id"] = json!("e".repeat(101));
    let r = app.admin_post("/sandbox/v1/links", long_ext).await;
    assert_field_error(&r, "external_outlet_id");

    // A user of another merchant has no access to the outlet.
    let other_merchant = app.create_merchant("Other").await;
    let phone = random_phone_local();
    let r = app
        .admin_post(
            "/sandbox/v1/users",
            json!({ "phone": phone, "name": "Stranger", "roles": [{ "merchant_id": other_merchant, "role": "owner" }] }),
        )
        .await;
    let stranger = s(&r.data(201)["user"]["id"]);
    let mut b = body("gofood");
    b["user_id"] = json!(stranger);
    let r = app.admin_post("/sandbox/v1/links", b).await;
    assert_error(
        &r,
        403,
        "Forbidden",
        &format!("User does not have access to outlet: {outlet}"),
    );

    // Nothing of the above linked the outlet.
    let tok = app.fixture_token(&fx).await;
    let r = app
        .api_get("/integrations/partner/v1/linked-outlets", &tok)
        .await;
    assert_eq!(r.data(200)["outlets"].as_array().unwrap().len(), 1);

    // Valid link, by phone.
    let r = app
        .admin_post(
            "/sandbox/v1/links",
            json!({ "phone": fx.phone, "partner_id": fx.partner_id, "outlet_id": outlet,
                    "product": "gofood", "external_outlet_id": "ext-2" }),
        )
        .await;
    let o = r.data(200)["outlet"].clone();
    assert_eq!(o["id"], json!(outlet));
    assert_eq!(o["external_outlet_id"], json!("ext-2"));
    for k in ["created_at", "updated_at", "linked_at"] {
        assert_rfc3339_z(&o[k]);
    }
    // Linking for gofood switches acceptance to auto_accept.
    let r = app
        .admin_get(&format!("/sandbox/v1/outlets/{outlet}"))
        .await;
    assert_eq!(
        r.data(200)["outlet"]["acceptance_mode"],
        json!("auto_accept")
    );
    let r = app
        .api_get("/integrations/partner/v1/linked-outlets", &tok)
        .await;
    assert_eq!(r.data(200)["outlets"].as_array().unwrap().len(), 2);

    // Unlink (external_outlet_id not needed), twice: idempotent.
    for _ in 0..2 {
        let r = app
            .admin_delete(
                "/sandbox/v1/links",
                json!({ "user_id": fx.user_id, "partner_id": fx.partner_id, "outlet_id": outlet, "product": "gofood" }),
            )
            .await;
        assert_eq!(r.data(200), &json!({}));
    }
    let r = app
        .api_get("/integrations/partner/v1/linked-outlets", &tok)
        .await;
    let listed: Vec<_> = r.data(200)["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].clone())
        .collect();
    assert_eq!(listed, vec![json!(fx.outlet_id)]);
    let r = app
        .admin_delete(
            "/sandbox/v1/links",
            json!({ "user_id": fx.user_id, "partner_id": fx.partner_id, "outlet_id": outlet, "product": "pizza" }),
        )
        .await;
    assert_error(
        &r,
        400,
        "Bad Request",
        "product: must be one of gofood, payment",
    );
}
both_dbs!(link_create_validates);

async fn clock_get_and_advance(app: TestApp) {
    let r = app.admin_get("/sandbox/v1/clock").await;
    let c = r.data(200)["clock"].clone();
    assert_rfc3339_z(&c["now"]);
    assert_eq!(c["offset_seconds"], json!(0));
    for bad in [
        json!(0),
        json!(-5),
        json!(31_536_001),
        json!("60"),
        json!(1.5),
    ] {
        let r = app
            .admin_post("/sandbox/v1/clock/advance", json!({ "seconds": bad }))
            .await;
        assert_field_error(&r, "seconds");
    }
    let r = app.admin_post("/sandbox/v1/clock/advance", json!({})).await;
    assert_field_error(&r, "seconds");
    let r = app
        .admin_post("/sandbox/v1/clock/advance", json!({ "seconds": 86_400 }))
        .await;
    let c2 = r.data(200)["clock"].clone();
    assert_eq!(c2["offset_seconds"], json!(86_400));
    assert_rfc3339_z(&c2["now"]);
    // One day later (same clock time give or take a few seconds, date moved on).
    assert!(s(&c2["now"]) > s(&c["now"]), "{c} -> {c2}");
    let r = app
        .admin_post(
            "/sandbox/v1/clock/advance",
            json!({ "seconds": 31_536_000 }),
        )
        .await;
    assert_eq!(
        r.data(200)["clock"]["offset_seconds"],
        json!(86_400 + 31_536_000)
    );
    let r = app.admin_get("/sandbox/v1/clock").await;
    assert_eq!(
        r.data(200)["clock"]["offset_seconds"],
        json!(86_400 + 31_536_000)
    );
}
both_dbs!(clock_get_and_advance);

async fn reset_deletes_everything(app: TestApp) {
    let fx = app.setup_facilitator().await;
    app.advance_clock(60).await;
    let tok = app.fixture_token(&fx).await;
    let r = app.admin_post("/sandbox/v1/reset", json!({})).await;
    r.data(200);
    for (path, key) in [
        ("/sandbox/v1/merchants", "merchants"),
        ("/sandbox/v1/outlets", "outlets"),
        ("/sandbox/v1/users", "users"),
        ("/sandbox/v1/partners", "partners"),
    ] {
        let r = app.admin_get(path).await;
        assert_eq!(r.data(200)[key], json!([]), "{path} after reset");
    }
    // Tokens and clients are gone too; the clock is back to real time.
    let r = app
        .api_get("/integrations/partner/v1/linked-outlets", &tok)
        .await;
    assert_session_expired(&r);
    let (status, body) = app.token(&fx.client_id, &fx.client_secret, None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], json!("invalid_client"));
    let r = app.admin_get("/sandbox/v1/clock").await;
    assert_eq!(r.data(200)["clock"]["offset_seconds"], json!(0));
    // The admin token still works and new data can be created.
    app.setup_facilitator().await;
}
both_dbs!(reset_deletes_everything);

async fn seed_then_token_works(app: TestApp) {
    let r = app.admin_post("/sandbox/v1/seed", json!({})).await;
    let d = r.data(201).clone();
    for k in ["merchant", "outlet", "user", "partner", "client"] {
        assert!(d[k].is_object(), "seed data.{k}: {d}");
    }
    let secret = s(&d["partner"]["notification_secret"]);
    assert_eq!(secret.len(), 64, "{d}");
    let client_id = s(&d["client"]["client_id"]);
    let client_secret = s(&d["client"]["client_secret"]);
    assert!(is_base64url(&client_secret, 43), "{d}");
    let outlet_id = s(&d["outlet"]["id"]);
    assert!(is_outlet_id(&outlet_id), "{d}");

    let (status, body) = app.token(&client_id, &client_secret, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], json!(""));
    let tok = app
        .access_token(&client_id, &client_secret, "partner:outlet:read")
        .await;
    let r = app
        .api_get("/integrations/partner/v1/linked-outlets", &tok)
        .await;
    r.data(200);
    // The seeded objects are visible through the sandbox reads.
    let r = app.admin_get("/sandbox/v1/merchants").await;
    assert!(r.data(200)["merchants"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["id"] == d["merchant"]["id"]));
    let r = app
        .admin_get(&format!("/sandbox/v1/outlets/{outlet_id}"))
        .await;
    r.data(200);
}
both_dbs!(seed_then_token_works);

// ---------------------------------------------------------------------------------------------
// Reset to the demo data set (`POST /sandbox/v1/reset {"demo": true}`)
// ---------------------------------------------------------------------------------------------

/// The README's demo identities.
const DEMO_CLIENT: &str = "demo-pos-client";
const DEMO_SECRET: &str = "demo-pos-secret-change-me-0123456789abcdefg";
const DEMO_OUTLET: &str = "G000012345";

fn real_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// After `reset {"demo": true}`: exactly the demo's merchant, outlet, owner and partner; the
/// README's token request works; the clock reads real time.
async fn assert_demo_data_set(app: &TestApp) {
    for (list, field, demo) in [
        ("merchants", "name", json!("Kopi Senja")),
        ("outlets", "id", json!(DEMO_OUTLET)),
        ("users", "phone", json!("+6281234567890")),
        ("partners", "name", json!("Demo POS")),
    ] {
        let r = app.admin_get(&format!("/sandbox/v1/{list}")).await;
        let items = r.data(200)[list].as_array().unwrap().clone();
        assert_eq!(items.len(), 1, "only the demo's one of {list}: {items:?}");
        assert_eq!(items[0][field], demo, "{list}");
    }

    // The README's token request (client_secret_basic, demo-pos-client and its secret).
    let tok = app
        .access_token(DEMO_CLIENT, DEMO_SECRET, "partner:outlet:read")
        .await;
    let r = app
        .api_get(
            &format!("/integrations/partner/outlets/{DEMO_OUTLET}/v1"),
            &tok,
        )
        .await;
    r.data(200);
    let r = app
        .api_get(
            "/integrations/partner/v1/linked-outlets?per=20&page=1",
            &tok,
        )
        .await;
    assert!(r.text.contains(DEMO_OUTLET), "linked outlets: {}", r.text);
    // The demo menu is there, as seeded.
    let tok = app
        .access_token(DEMO_CLIENT, DEMO_SECRET, "gofood:catalog:read")
        .await;
    let r = app
        .api_get(
            &format!("/integrations/gofood/outlets/{DEMO_OUTLET}/v2/catalog"),
            &tok,
        )
        .await;
    assert!(r.text.contains("Pizza Margherita"), "demo menu: {}", r.text);

    // Real time again.
    let r = app.admin_get("/sandbox/v1/clock").await;
    let clock = r.data(200)["clock"].clone();
    assert_eq!(clock["offset_seconds"], json!(0), "{clock}");
    let now = epoch_ms(clock["now"].as_str().unwrap());
    assert!(
        (now - real_now_ms()).abs() < 60_000,
        "the clock reads real time: {clock}"
    );
}

async fn reset_to_demo_restores_the_readme_data(app: TestApp) {
    // Move the clock and create data of our own.
    app.advance_clock(7_200).await;
    let fx = app.setup_facilitator().await;
    let fx_tok = app.fixture_token(&fx).await;
    app.admin_post("/sandbox/v1/seed", json!({}))
        .await
        .data(201);
    // Before: the demo client does not exist.
    let (status, _) = app
        .token(DEMO_CLIENT, DEMO_SECRET, Some("partner:outlet:read"))
        .await;
    assert_eq!(status, 401);

    // A bad body is a 400 naming `demo`, and resets nothing.
    let r = app
        .admin_post("/sandbox/v1/reset", json!({ "demo": "yes" }))
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_field_error(&r, "demo");
    assert_eq!(r.messages(), vec!["demo: expected boolean".to_string()]);
    let r = app.admin_get("/sandbox/v1/merchants").await;
    assert_eq!(r.data(200)["merchants"].as_array().unwrap().len(), 2);

    let r = app
        .admin_post("/sandbox/v1/reset", json!({ "demo": true }))
        .await;
    r.data(200);
    assert_demo_data_set(&app).await;
    // Our own data is gone: its client and its tokens.
    let r = app
        .api_get("/integrations/partner/v1/linked-outlets", &fx_tok)
        .await;
    assert_session_expired(&r);
    let (status, body) = app.token(&fx.client_id, &fx.client_secret, None).await;
    assert_eq!(status, 401, "{body}");

    // Again, after more changes: the same data set (fixed ids do not collide).
    app.advance_clock(60).await;
    app.setup_facilitator().await;
    let r = app
        .admin_post("/sandbox/v1/reset", json!({ "demo": true }))
        .await;
    r.data(200);
    assert_demo_data_set(&app).await;

    // `{"demo": false}` and no body still reset to nothing.
    let r = app
        .admin_post("/sandbox/v1/reset", json!({ "demo": false }))
        .await;
    r.data(200);
    let r = app.admin_get("/sandbox/v1/merchants").await;
    assert_eq!(r.data(200)["merchants"], json!([]));
}
both_dbs!(reset_to_demo_restores_the_readme_data);

// ---------------------------------------------------------------------------------------------
// Webhook routing: least privilege by default (spec §9.6 rule 4)
// ---------------------------------------------------------------------------------------------

async fn partner_without_read_scopes_hears_what_its_clients_were_granted(app: TestApp) {
    let merchant = app.create_merchant("Scoped").await;
    let outlet = app.create_outlet_id(&merchant, "Scoped outlet").await;
    let (user_id, _) = app.create_user(&[(merchant.as_str(), "owner")], None).await;

    // A facilitator created without `read_scopes`; its only client was granted the catalog
    // read scope, not the order one.
    let partner = app
        .create_partner(json!({ "name": "Catalog-only POS", "type": "facilitator" }))
        .await;
    assert_eq!(
        partner["read_scopes"],
        json!([]),
        "no read scope by default: {partner}"
    );
    let pid = s(&partner["id"]);
    let (cid, cs) = app.create_client(&pid, &["gofood:catalog:read"]).await;
    let tok = app.access_token(&cid, &cs, "gofood:catalog:read").await;
    let r = app
        .admin_post(
            "/sandbox/v1/links",
            json!({ "user_id": user_id, "partner_id": pid, "outlet_id": outlet,
                "product": "gofood", "external_outlet_id": "scoped-1" }),
        )
        .await;
    r.data(200);
    let events = [
        "gofood.catalog.menu_mapping_updated",
        "gofood.order.created",
        "gofood.order.merchant_accepted",
        "gofood.order.completed",
    ];
    for event in events {
        let r = app
            .api_send(
                Method::POST,
                "/integrations/partner/v1/notification-subscriptions",
                &tok,
                Some(json!({ "event": event, "url": "http://127.0.0.1:9/hook" })),
            )
            .await;
        r.data(201);
    }
    let emit = |event: &'static str| {
        let app = &app;
        let outlet = outlet.clone();
        async move {
            let r = app
                .admin_post(
                    "/sandbox/v1/events",
                    json!({ "event": event, "outlet_id": outlet }),
                )
                .await;
            r.data(201)["event"]["deliveries"].clone()
        }
    };
    // The catalog event reaches it; no order event does (no client holds gofood:order:read).
    assert_eq!(emit("gofood.catalog.menu_mapping_updated").await, json!(1));
    for event in &events[1..] {
        assert_eq!(
            emit(event).await,
            json!(0),
            "{event} must not reach the partner"
        );
    }

    // Granting a client the order read scope opens the order events…
    app.create_client(&pid, &["gofood:order:read"]).await;
    assert_eq!(emit("gofood.order.created").await, json!(1));

    // …and `read_scopes` stays an explicit override on the partner.
    let merchant = app.create_merchant("Override").await;
    let outlet2 = app.create_outlet_id(&merchant, "Override outlet").await;
    let (user2, _) = app.create_user(&[(merchant.as_str(), "owner")], None).await;
    let partner = app
        .create_partner(json!({ "name": "Override POS", "type": "facilitator",
            "read_scopes": ["gofood:order:read"] }))
        .await;
    assert_eq!(partner["read_scopes"], json!(["gofood:order:read"]));
    let pid = s(&partner["id"]);
    let (cid, cs) = app.create_client(&pid, &["gofood:catalog:read"]).await;
    let tok = app.access_token(&cid, &cs, "gofood:catalog:read").await;
    app.admin_post(
        "/sandbox/v1/links",
        json!({ "user_id": user2, "partner_id": pid, "outlet_id": outlet2,
            "product": "gofood", "external_outlet_id": "override-1" }),
    )
    .await
    .data(200);
    let r = app
        .api_send(
            Method::POST,
            "/integrations/partner/v1/notification-subscriptions",
            &tok,
            Some(json!({ "event": "gofood.order.created", "url": "http://127.0.0.1:9/hook" })),
        )
        .await;
    r.data(201);
    let r = app
        .admin_post(
            "/sandbox/v1/events",
            json!({ "event": "gofood.order.created", "outlet_id": outlet2 }),
        )
        .await;
    assert_eq!(r.data(201)["event"]["deliveries"], json!(1));
}
both_dbs!(partner_without_read_scopes_hears_what_its_clients_were_granted);
