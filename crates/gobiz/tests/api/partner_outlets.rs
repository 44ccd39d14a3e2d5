//! Linked outlets (§3.2), outlet information (§3.4), pagination (§1.13).

use crate::harness::*;
use serde_json::{json, Value};

const LINKED: &str = "/integrations/partner/v1/linked-outlets";

fn ids(data: &Value) -> Vec<String> {
    data["outlets"]
        .as_array()
        .unwrap_or_else(|| panic!("outlets array: {data}"))
        .iter()
        .map(|o| o["id"].as_str().expect("outlet id").to_string())
        .collect()
}

async fn linked_outlets_facilitator_sees_only_its_links(app: TestApp) {
    let fx = app.setup_facilitator().await;
    // A second outlet of the same merchant, not linked.
    let unlinked = app.create_outlet_id(&fx.merchant_id, "Unlinked").await;
    // A third, linked for payment only: still listed (linked for at least one product).
    let paid = app.create_outlet_id(&fx.merchant_id, "Payment only").await;
    app.link(&fx, &paid, "payment", "ext-pay").await;
    let tok = app.fixture_token(&fx).await;
    let r = app.api_get(LINKED, &tok).await;
    let data = r.data(200);
    let got = ids(data);
    assert!(
        !got.contains(&unlinked),
        "unlinked outlet must not be listed: {}",
        r.text
    );
    assert_eq!(got.len(), 2, "body: {}", r.text);
    let first = data["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == json!(fx.outlet_id))
        .unwrap();
    assert_eq!(first["external_outlet_id"], json!(fx.external_outlet_id));
    assert_rfc3339_z(&first["created_at"]);
    assert_rfc3339_z(&first["updated_at"]);
    let second = data["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == json!(paid))
        .unwrap();
    assert_eq!(second["external_outlet_id"], json!("ext-pay"));
}
both_dbs!(linked_outlets_facilitator_sees_only_its_links);

async fn linked_outlets_after_unlink(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let r = app
        .admin_delete(
            "/sandbox/v1/links",
            json!({ "user_id": fx.user_id, "partner_id": fx.partner_id, "outlet_id": fx.outlet_id,
                    "product": "gofood" }),
        )
        .await;
    assert_eq!(r.data(200), &json!({}));
    let r = app.api_get(LINKED, &tok).await;
    assert_eq!(r.data(200)["outlets"], json!([]));
    let r = app
        .api_get(
            &format!("/integrations/partner/outlets/{}/v1", fx.outlet_id),
            &tok,
        )
        .await;
    assert_error(
        &r,
        404,
        "Requested resource not found",
        "The outlet is not yet registered for integration. Please contact the support team.",
    );
}
both_dbs!(linked_outlets_after_unlink);

async fn linked_outlets_direct_partner_sees_merchant_outlets(app: TestApp) {
    let fx = app.setup_direct().await;
    let second = app.create_outlet_id(&fx.merchant_id, "Second").await;
    // An outlet of another merchant is not visible.
    let other_merchant = app.create_merchant("Other").await;
    let foreign = app.create_outlet_id(&other_merchant, "Foreign").await;
    let tok = app.fixture_token(&fx).await;
    let r = app.api_get(LINKED, &tok).await;
    let data = r.data(200);
    let mut got = ids(data);
    got.sort();
    let mut want = vec![fx.outlet_id.clone(), second.clone()];
    want.sort();
    assert_eq!(got, want, "body: {}", r.text);
    for o in data["outlets"].as_array().unwrap() {
        assert_eq!(
            o["external_outlet_id"],
            Value::Null,
            "direct callers get null: {o}"
        );
        assert_rfc3339_z(&o["created_at"]);
        assert_rfc3339_z(&o["updated_at"]);
    }
    // Outlet info: own outlet without any link, foreign outlet → not registered.
    let r = app
        .api_get(&format!("/integrations/partner/outlets/{second}/v1"), &tok)
        .await;
    assert_eq!(r.data(200)["outlet"]["id"], json!(second));
    let r = app
        .api_get(&format!("/integrations/partner/outlets/{foreign}/v1"), &tok)
        .await;
    assert_error(
        &r,
        404,
        "Requested resource not found",
        "The outlet is not yet registered for integration. Please contact the support team.",
    );
}
both_dbs!(linked_outlets_direct_partner_sees_merchant_outlets);

async fn outlet_information(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let r = app
        .api_get(
            &format!("/integrations/partner/outlets/{}/v1", fx.outlet_id),
            &tok,
        )
        .await;
    let o = r.data(200)["outlet"].clone();
    let sandbox = app
        .admin_get(&format!("/sandbox/v1/outlets/{}", fx.outlet_id))
        .await;
    let s = sandbox.data(200)["outlet"].clone();
    assert_eq!(o["id"], json!(fx.outlet_id));
    assert_eq!(o["name"], s["name"]);
    assert!(o["name"].as_str().unwrap().starts_with("Outlet "), "{o}");
    assert_eq!(o["merchant_name"], s["merchant_name"]);
    assert!(
        o["merchant_name"].as_str().unwrap().starts_with("Warung "),
        "{o}"
    );
    assert_eq!(o["status"], json!("active"));
    assert_eq!(o["email"], s["email"]);
    assert!(
        o["email"].as_str().unwrap().ends_with("@example.com"),
        "{o}"
    );
    for k in ["gopay", "qris"] {
        assert!(
            o["payment_settings"][k]["active"].is_boolean(),
            "payment_settings.{k}: {o}"
        );
    }
    for k in ["midtrans", "gopay"] {
        assert!(
            o["applications"][k]["active"].is_boolean(),
            "applications.{k}: {o}"
        );
    }
    assert_eq!(o["payment_settings"], s["payment_settings"]);
    assert_eq!(o["applications"], s["applications"]);

    // Changes made through the sandbox show up; an outlet with no email gives "".
    let r = app
        .admin_patch(
            &format!("/sandbox/v1/outlets/{}", fx.outlet_id),
            json!({ "status": "inactive", "qris_active": false, "gopay_active": true, "name": "Renamed" }),
        )
        .await;
    r.data(200);
    let r = app
        .api_get(
            &format!("/integrations/partner/outlets/{}/v1", fx.outlet_id),
            &tok,
        )
        .await;
    let o = r.data(200)["outlet"].clone();
    assert_eq!(o["status"], json!("inactive"));
    assert_eq!(o["name"], json!("Renamed"));
    assert_eq!(o["payment_settings"]["qris"]["active"], json!(false));
    assert_eq!(o["payment_settings"]["gopay"]["active"], json!(true));

    let bare = app.create_outlet_id(&fx.merchant_id, "No email").await;
    app.link(&fx, &bare, "payment", "ext-bare").await;
    let r = app
        .api_get(&format!("/integrations/partner/outlets/{bare}/v1"), &tok)
        .await;
    assert_eq!(r.data(200)["outlet"]["email"], json!(""));
}
both_dbs!(outlet_information);

async fn pagination_bounds(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    for (query, field) in [
        ("per=0", "per"),
        ("per=101", "per"),
        ("per=-1", "per"),
        ("per=abc", "per"),
        ("per=1.5", "per"),
        ("page=0", "page"),
        ("page=-3", "page"),
        ("page=abc", "page"),
    ] {
        let r = app.api_get(&format!("{LINKED}?{query}"), &tok).await;
        assert_eq!(r.status, 400, "{query}: {}", r.text);
        assert_field_error(&r, field);
    }
    // Limits are inclusive.
    for query in ["per=1", "per=100", "page=1", "per=100&page=1"] {
        let r = app.api_get(&format!("{LINKED}?{query}"), &tok).await;
        assert_eq!(ids(r.data(200)), vec![fx.outlet_id.clone()], "{query}");
    }
    // Page past the end → empty list.
    let r = app.api_get(&format!("{LINKED}?page=2"), &tok).await;
    assert_eq!(r.data(200)["outlets"], json!([]));
    let r = app
        .api_get(&format!("{LINKED}?per=5&page=1000"), &tok)
        .await;
    assert_eq!(r.data(200)["outlets"], json!([]));
}
both_dbs!(pagination_bounds);

async fn pagination_pages_in_created_order(app: TestApp) {
    let fx = app.setup_facilitator().await;
    // Ids chosen so that id order is the reverse of link order; the list is sorted by
    // created_at (first link time), so creation order must win.
    app.advance_clock(2).await;
    let b = app
        .create_outlet(&fx.merchant_id, json!({ "name": "B", "id": "G900000002" }))
        .await;
    assert_eq!(b["id"], json!("G900000002"));
    app.link(&fx, "G900000002", "gofood", "ext-b").await;
    app.advance_clock(2).await;
    app.create_outlet(&fx.merchant_id, json!({ "name": "C", "id": "G900000001" }))
        .await;
    app.link(&fx, "G900000001", "gofood", "ext-c").await;
    // Re-linking A later must not move it (created_at = first link time).
    app.advance_clock(2).await;
    app.link(&fx, &fx.outlet_id, "gofood", "ext-a2").await;

    let tok = app.fixture_token(&fx).await;
    let want = vec![
        fx.outlet_id.clone(),
        "G900000002".to_string(),
        "G900000001".to_string(),
    ];
    let mut paged = Vec::new();
    for page in 1..=3 {
        let r = app
            .api_get(&format!("{LINKED}?per=1&page={page}"), &tok)
            .await;
        let got = ids(r.data(200));
        assert_eq!(got.len(), 1, "page {page}: {}", r.text);
        paged.extend(got);
    }
    assert_eq!(paged, want);
    let r = app.api_get(&format!("{LINKED}?per=1&page=4"), &tok).await;
    assert_eq!(r.data(200)["outlets"], json!([]));
    // Default page size returns all three in the same order; external ids are current.
    let r = app.api_get(LINKED, &tok).await;
    let data = r.data(200);
    assert_eq!(ids(data), want);
    assert_eq!(data["outlets"][0]["external_outlet_id"], json!("ext-a2"));
    assert_eq!(data["outlets"][1]["external_outlet_id"], json!("ext-b"));
    assert_eq!(data["outlets"][2]["external_outlet_id"], json!("ext-c"));
    let r = app.api_get(&format!("{LINKED}?per=2&page=2"), &tok).await;
    assert_eq!(ids(r.data(200)), vec!["G900000001".to_string()]);
}
both_dbs!(pagination_pages_in_created_order);
