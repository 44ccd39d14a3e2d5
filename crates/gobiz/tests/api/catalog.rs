//! GoFood catalog and stock (spec §4), the menu-mapping webhook (§9.14) and the sandbox
//! catalog endpoints (§10.2). Black box: the real binary over HTTP, on both databases.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::harness::receiver::*;
use crate::harness::*;
use crate::support::catalog::*;
use reqwest::Method;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(20);

/// A short mapping delay so the webhook test does not wait the default second.
const MAPPING_ENV: &[(&str, &str)] = &[("GOBIZ_CATALOG_MAPPING_DELAY_MS", "200")];

fn id(map: &std::collections::HashMap<String, String>, key: &str) -> String {
    map.get(key)
        .unwrap_or_else(|| panic!("no {key} in {map:?}"))
        .clone()
}

// ---------------------------------------------------------------------------------------------
// Push and read (§4.2, §4.3)
// ---------------------------------------------------------------------------------------------

async fn push_and_get_happy_path(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;

    // Nothing pushed yet.
    let r = app.api_get(&catalog_path(&fx.outlet_id, "v2"), &tok).await;
    assert_eq!(
        r.data(200),
        &json!({ "menus": [], "variant_categories": [] }),
        "empty catalog before any push"
    );

    // The spec's own sample.
    let sample = spec_sample();
    push_ok(&app, &tok, &fx.outlet_id, &sample).await;
    let read = get_v2(&app, &tok, &fx.outlet_id).await;
    assert_read_model(&read, &sample);
    let item = &read["menus"][0]["menu_items"][0];
    assert_eq!(
        item["internal_name"],
        Value::Null,
        "absent internal_name: {item}"
    );
    assert_eq!(item["operational_hours"], all_day_hours());
    assert_eq!(
        item["variant_category_ids"],
        json!([read["variant_categories"][0]["id"]])
    );
    assert_eq!(
        read["variant_categories"][0]["internal_name"],
        json!("Topping (promo)")
    );

    // A richer catalog replaces it: optional fields absent or null, partial hours, a
    // `null` max_quantity, two menus.
    let base = base_catalog();
    push_ok(&app, &tok, &fx.outlet_id, &base).await;
    let read = get_v2(&app, &tok, &fx.outlet_id).await;
    assert_read_model(&read, &base);

    // Spot checks of the defaults, spelled out.
    let drinks = read["menus"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == json!("Drinks"))
        .expect("Drinks menu")
        .clone();
    let teh = &drinks["menu_items"][0];
    for k in ["internal_name", "description", "image"] {
        assert_eq!(teh[k], Value::Null, "{k} must be null: {teh}");
    }
    assert_eq!(teh["in_stock"], json!(false));
    for d in DAYS {
        assert_eq!(
            teh["operational_hours"][d],
            json!([{ "start": "00:00", "end": "23:59" }]),
            "null hours → {d} all day: {teh}"
        );
    }
    let pizza = read["menus"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == json!("Pizza"))
        .expect("Pizza menu")
        .clone();
    let xid = pizza["menu_items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["external_id"] == json!("XID"))
        .expect("XID")
        .clone();
    assert_eq!(
        xid["operational_hours"]["monday"],
        json!([{ "start": "08:00", "end": "12:00" }, { "start": "13:00", "end": "22:00" }])
    );
    for d in ["sunday", "wednesday", "thursday", "friday", "saturday"] {
        assert_eq!(
            xid["operational_hours"][d],
            json!([]),
            "a missing day (or []) = not sold that day: {xid}"
        );
    }
    let sugar = read["variant_categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["external_id"] == json!("VC-2"))
        .expect("VC-2")
        .clone();
    assert_eq!(
        sugar["rules"],
        json!({ "selection": { "min_quantity": 0, "max_quantity": 1 } }),
        "null max_quantity resolves to the number of variants"
    );
    assert_eq!(sugar["internal_name"], Value::Null);

    // The v2 alias of the push.
    let r = app
        .api_send(
            Method::PUT,
            &catalog_path(&fx.outlet_id, "v2"),
            &tok,
            Some(sample.clone()),
        )
        .await;
    assert_empty_ok(&r, "PUT v2/catalog");
    assert_read_model(&get_v2(&app, &tok, &fx.outlet_id).await, &sample);
}
both_dbs!(push_and_get_happy_path);

async fn catalogs_are_per_outlet(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let second = app.create_outlet_id(&fx.merchant_id, "Second").await;
    app.link(&fx, &second, "gofood", "ext-second").await;

    let base = base_catalog();
    push_ok(&app, &tok, &fx.outlet_id, &base).await;
    // Nothing on the other outlet yet.
    assert_eq!(
        get_v2(&app, &tok, &second).await,
        json!({ "menus": [], "variant_categories": [] })
    );
    // The same external ids on another outlet are other entities with other ids.
    push_ok(&app, &tok, &second, &base).await;
    let a = ids_of(&get_v2(&app, &tok, &fx.outlet_id).await);
    let b = ids_of(&get_v2(&app, &tok, &second).await);
    for (k, v) in &a {
        assert_ne!(Some(v), b.get(k), "{k} must get its own id on each outlet");
    }
    // Replacing one outlet's catalog leaves the other alone.
    let sample = spec_sample();
    push_ok(&app, &tok, &second, &sample).await;
    let first = get_v2(&app, &tok, &fx.outlet_id).await;
    assert_read_model(&first, &base);
    assert_eq!(ids_of(&first), a);
    assert_read_model(&get_v2(&app, &tok, &second).await, &sample);
}
both_dbs!(catalogs_are_per_outlet);

async fn ids_stable_across_pushes(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let first = json!({
      "request_id": "sync-1",
      "menus": [
        menu("Pizza", vec![item("P1", "Margherita", 9000, true), item("P2", "Funghi", 10000, true)]),
        menu("Pasta", vec![item("PA1", "Carbonara", 12000, true)]),
        menu("Sides", vec![item("S1", "Garlic bread", 3000, true)]) ],
      "variant_categories": [
        category("VC-A", "Size", 1, json!(1), vec![variant("V-S", "Small", 0, true), variant("V-L", "Large", 5000, true)]),
        category("VC-B", "Extra", 0, json!(null), vec![variant("V-E1", "Egg", 2000, true), variant("V-E2", "Bacon", 4000, true)]) ]
    });
    push_ok(&app, &tok, &fx.outlet_id, &first).await;
    let r1 = get_v2(&app, &tok, &fx.outlet_id).await;
    assert_read_model(&r1, &first);
    let ids1 = ids_of(&r1);

    // Re-sync with changes: P1 renamed and repriced, P2 moved to "Pasta", PA1 and S1
    // dropped, "Sides" dropped, new menu "Drinks" with new item D1, VC-B dropped, V-L dropped,
    // new variant V-M, categories now referenced by items.
    let mut p1 = item("P1", "Margherita Besar", 9500, false);
    p1["variant_category_external_ids"] = json!(["VC-A"]);
    let second = json!({
      "request_id": "sync-2",
      "menus": [
        menu("Pizza", vec![p1]),
        menu("Pasta", vec![item("P2", "Funghi", 10000, true)]),
        menu("Drinks", vec![item("D1", "Es Jeruk", 6000, true)]) ],
      "variant_categories": [
        category("VC-A", "Ukuran", 1, json!(2), vec![variant("V-S", "Kecil", 0, true), variant("V-M", "Sedang", 2500, true)]) ]
    });
    push_ok(&app, &tok, &fx.outlet_id, &second).await;
    let r2 = get_v2(&app, &tok, &fx.outlet_id).await;
    assert_read_model(&r2, &second);
    let ids2 = ids_of(&r2);
    for key in [
        "menu:Pizza",
        "menu:Pasta",
        "item:P1",
        "item:P2",
        "cat:VC-A",
        "var:V-S",
    ] {
        assert_eq!(
            id(&ids2, key),
            id(&ids1, key),
            "{key} must keep its id across pushes"
        );
    }
    for gone in [
        "item:PA1",
        "item:S1",
        "menu:Sides",
        "cat:VC-B",
        "var:V-L",
        "var:V-E1",
        "var:V-E2",
    ] {
        assert!(
            !ids2.contains_key(gone),
            "{gone} was dropped from the push and must disappear"
        );
    }
    let old: std::collections::HashSet<&String> = ids1.values().collect();
    for key in ["menu:Drinks", "item:D1", "var:V-M"] {
        assert!(
            !old.contains(&id(&ids2, key)),
            "{key} is new and must not reuse an old id"
        );
    }
    // P1's categories resolve to VC-A's (unchanged) id.
    let p1_read = r2["menus"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["menu_items"].as_array().unwrap().iter())
        .find(|i| i["external_id"] == json!("P1"))
        .unwrap()
        .clone();
    assert_eq!(
        p1_read["variant_category_ids"],
        json!([id(&ids1, "cat:VC-A")])
    );

    // Pushing the same catalog again changes nothing.
    push_ok(&app, &tok, &fx.outlet_id, &second).await;
    let r3 = get_v2(&app, &tok, &fx.outlet_id).await;
    assert_eq!(ids_of(&r3), ids2, "identical re-push keeps every id");
    assert_read_model(&r3, &second);

    // A push with nothing empties the catalog.
    let empty = json!({ "menus": [], "variant_categories": [] });
    push_ok(&app, &tok, &fx.outlet_id, &empty).await;
    assert_eq!(get_v2(&app, &tok, &fx.outlet_id).await, empty);
}
both_dbs!(ids_stable_across_pushes);

async fn v1_get_returns_write_model(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let base = base_catalog();
    push_ok(&app, &tok, &fx.outlet_id, &base).await;
    let v1 = get_v1(&app, &tok, &fx.outlet_id).await;
    assert_eq!(v1["request_id"], json!("req-base"), "v1: {v1}");
    assert_write_model(&v1, &base);

    let sample = spec_sample();
    push_ok(&app, &tok, &fx.outlet_id, &sample).await;
    let v1 = get_v1(&app, &tok, &fx.outlet_id).await;
    assert_write_model(&v1, &sample);
    assert_eq!(
        v1["menus"][0]["menu_items"][0]["variant_category_external_ids"],
        json!(["VC-XID"]),
        "v1 references categories by external id: {v1}"
    );
}
both_dbs!(v1_get_returns_write_model);

// ---------------------------------------------------------------------------------------------
// Stock (§4.4)
// ---------------------------------------------------------------------------------------------

async fn stock_by_id_and_external_id(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    push_ok(&app, &tok, &fx.outlet_id, &base_catalog()).await;
    let before = get_v2(&app, &tok, &fx.outlet_id).await;
    let ids = ids_of(&before);
    let flags0 = stock_flags(&before);

    // Items: one by external id, one by GoBiz id (PATCH).
    stock_ok(
        &app,
        &tok,
        &fx.outlet_id,
        ITEM_STOCKS,
        json!([{ "external_id": "XID", "in_stock": false },
               { "id": id(&ids, "item:XID-3"), "in_stock": true }]),
    )
    .await;
    let read = get_v2(&app, &tok, &fx.outlet_id).await;
    let mut want = flags0.clone();
    want.insert("item:XID".into(), false);
    want.insert("item:XID-3".into(), true);
    assert_eq!(stock_flags(&read), want, "after the item stock update");
    assert_eq!(ids_of(&read), ids, "stock updates do not change ids");

    // Both ids naming the same item are fine; PUT works like PATCH.
    let r = stock(
        &app,
        &tok,
        Method::PUT,
        &fx.outlet_id,
        ITEM_STOCKS,
        json!([{ "id": id(&ids, "item:XID"), "external_id": "XID", "in_stock": true }]),
    )
    .await;
    assert_empty_ok(&r, "PUT menu_item_stocks");
    want.insert("item:XID".into(), true);
    assert_eq!(stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await), want);

    // Variants: by external id (PATCH) and by id (PUT).
    stock_ok(
        &app,
        &tok,
        &fx.outlet_id,
        VARIANT_STOCKS,
        json!([{ "external_id": "V-XID", "in_stock": false },
               { "id": id(&ids, "var:V-3"), "in_stock": true }]),
    )
    .await;
    want.insert("var:V-XID".into(), false);
    want.insert("var:V-3".into(), true);
    assert_eq!(stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await), want);
    let r = stock(
        &app,
        &tok,
        Method::PUT,
        &fx.outlet_id,
        VARIANT_STOCKS,
        json!([{ "id": id(&ids, "var:V-XID-2"), "in_stock": false }]),
    )
    .await;
    assert_empty_ok(&r, "PUT variant_stocks");
    want.insert("var:V-XID-2".into(), false);
    let read = get_v2(&app, &tok, &fx.outlet_id).await;
    assert_eq!(stock_flags(&read), want);
    assert!(!variant_in_stock(&read, "V-XID-2"));
    assert!(
        item_in_stock(&read, "XID-2"),
        "untouched item keeps its flag"
    );

    // Items and variants are separate: a variant id is not a menu item and vice versa.
    let r = stock(
        &app,
        &tok,
        Method::PATCH,
        &fx.outlet_id,
        ITEM_STOCKS,
        json!([{ "external_id": "V-XID", "in_stock": true }]),
    )
    .await;
    assert_violation(&r, "[0].external_id", "V-XID");
    let r = stock(
        &app,
        &tok,
        Method::PATCH,
        &fx.outlet_id,
        VARIANT_STOCKS,
        json!([{ "id": id(&ids, "item:XID"), "in_stock": true }]),
    )
    .await;
    assert_violation(&r, "[0].id", &id(&ids, "item:XID"));
    assert_eq!(stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await), want);
}
both_dbs!(stock_by_id_and_external_id);

/// Another outlet of the merchant, linked, with its own catalog (item `ONLY-OTHER`,
/// variant `V-ONLY-OTHER`); returns its catalog ids.
async fn outlet_with_its_own_catalog(
    app: &TestApp,
    fx: &Fixture,
    tok: &str,
) -> HashMap<String, String> {
    let other = app.create_outlet_id(&fx.merchant_id, "Other").await;
    app.link(fx, &other, "gofood", "ext-other").await;
    let mut oc = base_catalog();
    set_path(
        &mut oc,
        "menus[0].menu_items[0].external_id",
        Some(json!("ONLY-OTHER")),
    );
    set_path(
        &mut oc,
        "variant_categories[0].variants[0].external_id",
        Some(json!("V-ONLY-OTHER")),
    );
    push_ok(app, tok, &other, &oc).await;
    ids_of(&get_v2(app, tok, &other).await)
}

/// A malformed id is rejected too, and applies nothing.
async fn malformed_stock_id_refused(
    app: &TestApp,
    tok: &str,
    outlet: &str,
    before: &HashMap<String, bool>,
) {
    // A malformed id is rejected too.
    let r = stock(
        app,
        tok,
        Method::PATCH,
        outlet,
        ITEM_STOCKS,
        json!([{ "external_id": "XID", "in_stock": false }, { "id": "not-a-uuid", "in_stock": false }]),
    )
    .await;
    assert_violation(&r, "[1].id", "");
    assert_eq!(stock_flags(&get_v2(app, tok, outlet).await), *before);
}

async fn stock_all_or_nothing(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;

    // No catalog yet: every reference is unknown.
    let r = stock(
        &app,
        &tok,
        Method::PATCH,
        &fx.outlet_id,
        ITEM_STOCKS,
        json!([{ "external_id": "XID", "in_stock": false }]),
    )
    .await;
    assert_violation(&r, "[0].external_id", "XID");

    push_ok(&app, &tok, &fx.outlet_id, &base_catalog()).await;
    let before = stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await);

    // An outlet with its own catalog: its items are unknown here.
    let other_ids = outlet_with_its_own_catalog(&app, &fx, &tok).await;

    let unknown_uuid = uuid::Uuid::new_v4().to_string();
    let cases: Vec<(&str, Value, &str, String)> = vec![
        (
            ITEM_STOCKS,
            json!([{ "external_id": "XID", "in_stock": false },
                   { "external_id": "NOPE", "in_stock": false }]),
            "[1].external_id",
            "NOPE".into(),
        ),
        (
            ITEM_STOCKS,
            json!([{ "external_id": "NOPE", "in_stock": false }]),
            "[0].external_id",
            "unknown menu item NOPE".into(),
        ),
        (
            ITEM_STOCKS,
            json!([{ "external_id": "XID-2", "in_stock": false },
                   { "id": unknown_uuid, "in_stock": false }]),
            "[1].id",
            unknown_uuid.clone(),
        ),
        (
            ITEM_STOCKS,
            json!([{ "external_id": "XID", "in_stock": false },
                   { "external_id": "ONLY-OTHER", "in_stock": false }]),
            "[1].external_id",
            "ONLY-OTHER".into(),
        ),
        (
            ITEM_STOCKS,
            json!([{ "external_id": "XID", "in_stock": false },
                   { "id": id(&other_ids, "item:ONLY-OTHER"), "in_stock": false }]),
            "[1].id",
            id(&other_ids, "item:ONLY-OTHER"),
        ),
        (
            VARIANT_STOCKS,
            json!([{ "external_id": "V-XID", "in_stock": false },
                   { "external_id": "V-NOPE", "in_stock": false }]),
            "[1].external_id",
            "V-NOPE".into(),
        ),
        (
            VARIANT_STOCKS,
            json!([{ "id": unknown_uuid, "in_stock": true },
                   { "external_id": "V-XID", "in_stock": false }]),
            "[0].id",
            unknown_uuid.clone(),
        ),
        (
            VARIANT_STOCKS,
            json!([{ "external_id": "V-XID", "in_stock": false },
                   { "external_id": "V-ONLY-OTHER", "in_stock": false }]),
            "[1].external_id",
            "V-ONLY-OTHER".into(),
        ),
    ];
    for (kind, body, path, needle) in cases {
        let r = stock(&app, &tok, Method::PATCH, &fx.outlet_id, kind, body.clone()).await;
        assert_eq!(r.status, 400, "{kind} {body}: {}", r.text);
        assert_violation(&r, path, &needle);
        assert_eq!(
            stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await),
            before,
            "{kind} {body}: a rejected update must apply nothing"
        );
    }
    malformed_stock_id_refused(&app, &tok, &fx.outlet_id, &before).await;
}
both_dbs!(stock_all_or_nothing);

async fn stock_id_and_external_id_must_agree(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    push_ok(&app, &tok, &fx.outlet_id, &base_catalog()).await;
    let read = get_v2(&app, &tok, &fx.outlet_id).await;
    let ids = ids_of(&read);
    let before = stock_flags(&read);

    let r = stock(
        &app,
        &tok,
        Method::PATCH,
        &fx.outlet_id,
        ITEM_STOCKS,
        json!([{ "id": id(&ids, "item:XID"), "external_id": "XID-2", "in_stock": false }]),
    )
    .await;
    assert_field_error(&r, "[0]");
    let r = stock(
        &app,
        &tok,
        Method::PATCH,
        &fx.outlet_id,
        VARIANT_STOCKS,
        json!([{ "external_id": "V-3", "in_stock": true },
               { "id": id(&ids, "var:V-XID"), "external_id": "V-XID-2", "in_stock": false }]),
    )
    .await;
    assert_field_error(&r, "[1]");
    assert_eq!(
        stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await),
        before,
        "mismatched references apply nothing"
    );
}
both_dbs!(stock_id_and_external_id_must_agree);

async fn stock_last_wins_and_empty(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    push_ok(&app, &tok, &fx.outlet_id, &base_catalog()).await;
    let read = get_v2(&app, &tok, &fx.outlet_id).await;
    let ids = ids_of(&read);
    let mut want = stock_flags(&read);

    // Empty array: 200, no change.
    stock_ok(&app, &tok, &fx.outlet_id, ITEM_STOCKS, json!([])).await;
    stock_ok(&app, &tok, &fx.outlet_id, VARIANT_STOCKS, json!([])).await;
    assert_eq!(stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await), want);

    // The same entity several times, by either reference: the last one wins.
    stock_ok(
        &app,
        &tok,
        &fx.outlet_id,
        ITEM_STOCKS,
        json!([{ "external_id": "XID", "in_stock": true },
               { "id": id(&ids, "item:XID"), "in_stock": true },
               { "external_id": "XID", "in_stock": false },
               { "external_id": "XID-2", "in_stock": false },
               { "id": id(&ids, "item:XID-2"), "in_stock": true }]),
    )
    .await;
    want.insert("item:XID".into(), false);
    want.insert("item:XID-2".into(), true);
    assert_eq!(stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await), want);

    stock_ok(
        &app,
        &tok,
        &fx.outlet_id,
        VARIANT_STOCKS,
        json!([{ "external_id": "V-3", "in_stock": true },
               { "id": id(&ids, "var:V-3"), "in_stock": false },
               { "external_id": "V-3", "in_stock": true },
               { "id": id(&ids, "var:V-XID"), "in_stock": false },
               { "external_id": "V-XID", "in_stock": true },
               { "id": id(&ids, "var:V-XID"), "in_stock": false }]),
    )
    .await;
    want.insert("var:V-3".into(), true);
    want.insert("var:V-XID".into(), false);
    assert_eq!(stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await), want);

    // Setting a flag to its current value is fine.
    stock_ok(
        &app,
        &tok,
        &fx.outlet_id,
        ITEM_STOCKS,
        json!([{ "external_id": "XID", "in_stock": false }]),
    )
    .await;
    assert_eq!(stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await), want);
}
both_dbs!(stock_last_wins_and_empty);

async fn stock_object_forms(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    push_ok(&app, &tok, &fx.outlet_id, &base_catalog()).await;
    let read = get_v2(&app, &tok, &fx.outlet_id).await;
    let ids = ids_of(&read);
    let mut want = stock_flags(&read);

    stock_ok(
        &app,
        &tok,
        &fx.outlet_id,
        ITEM_STOCKS,
        json!({ "menu_items": [{ "external_id": "XID", "in_stock": false }] }),
    )
    .await;
    want.insert("item:XID".into(), false);
    assert_eq!(stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await), want);

    stock_ok(
        &app,
        &tok,
        &fx.outlet_id,
        ITEM_STOCKS,
        json!({ "items": [{ "id": id(&ids, "item:XID-2"), "in_stock": false }] }),
    )
    .await;
    want.insert("item:XID-2".into(), false);
    assert_eq!(stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await), want);

    stock_ok(
        &app,
        &tok,
        &fx.outlet_id,
        VARIANT_STOCKS,
        json!({ "variants": [{ "external_id": "V-XID", "in_stock": false }] }),
    )
    .await;
    want.insert("var:V-XID".into(), false);
    assert_eq!(stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await), want);

    stock_ok(
        &app,
        &tok,
        &fx.outlet_id,
        VARIANT_STOCKS,
        json!({ "items": [{ "id": id(&ids, "var:V-3"), "in_stock": true }] }),
    )
    .await;
    want.insert("var:V-3".into(), true);
    assert_eq!(stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await), want);

    // Object form with an empty list; object form is all-or-nothing too.
    stock_ok(
        &app,
        &tok,
        &fx.outlet_id,
        ITEM_STOCKS,
        json!({ "menu_items": [] }),
    )
    .await;
    let r = stock(
        &app,
        &tok,
        Method::PATCH,
        &fx.outlet_id,
        ITEM_STOCKS,
        json!({ "menu_items": [{ "external_id": "XID", "in_stock": true },
                                { "external_id": "NOPE-OBJ", "in_stock": true }] }),
    )
    .await;
    assert_error_title(&r, 400, "Bad Request");
    assert!(
        r.messages().iter().any(|m| m.contains("NOPE-OBJ")),
        "the message names the unknown item: {:?}",
        r.messages()
    );
    assert_eq!(stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await), want);
}
both_dbs!(stock_object_forms);

async fn stock_body_validation(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    push_ok(&app, &tok, &fx.outlet_id, &base_catalog()).await;
    let want = stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await);

    for kind in [ITEM_STOCKS, VARIANT_STOCKS] {
        let xid = if kind == ITEM_STOCKS { "XID" } else { "V-XID" };
        // Missing / mistyped in_stock, no reference at all.
        let r = stock(
            &app,
            &tok,
            Method::PATCH,
            &fx.outlet_id,
            kind,
            json!([{ "external_id": xid }]),
        )
        .await;
        assert_violation(&r, "[0].in_stock", "");
        let r = stock(
            &app,
            &tok,
            Method::PATCH,
            &fx.outlet_id,
            kind,
            json!([{ "external_id": xid, "in_stock": false }, { "external_id": xid, "in_stock": "no" }]),
        )
        .await;
        assert_violation(&r, "[1].in_stock", "expected boolean");
        let r = stock(
            &app,
            &tok,
            Method::PATCH,
            &fx.outlet_id,
            kind,
            json!([{ "in_stock": false }]),
        )
        .await;
        assert_field_error(&r, "[0]");
        let r = stock(
            &app,
            &tok,
            Method::PATCH,
            &fx.outlet_id,
            kind,
            json!([{ "external_id": 7, "in_stock": false }]),
        )
        .await;
        assert_violation(&r, "[0].external_id", "expected string");
        // Not a list.
        for body in [json!("x"), json!(5), json!({ "unrelated": [] }), json!([1])] {
            let r = stock(&app, &tok, Method::PATCH, &fx.outlet_id, kind, body.clone()).await;
            assert_error_title(&r, 400, "Bad Request");
        }
        // Malformed JSON.
        let r = app
            .send(
                app.request(Method::PATCH, &stock_path(&fx.outlet_id, kind))
                    .bearer_auth(&tok)
                    .header("content-type", "application/json")
                    .body("[{\"external_id\": "),
            )
            .await;
        assert_error_title(&r, 400, "Bad Request");

        // At most 3000 elements: 3000 pass, 3001 are refused.
        let el = json!({ "external_id": xid, "in_stock": false });
        let r = stock(
            &app,
            &tok,
            Method::PATCH,
            &fx.outlet_id,
            kind,
            Value::Array(vec![el.clone(); 3001]),
        )
        .await;
        assert_error_title(&r, 400, "Bad Request");
        assert_eq!(
            stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await),
            want,
            "{kind}: refused bodies apply nothing"
        );
        let mut els = vec![el; 2999];
        els.push(json!({ "external_id": xid, "in_stock": true }));
        stock_ok(&app, &tok, &fx.outlet_id, kind, Value::Array(els)).await;
        assert_eq!(
            stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await),
            want,
            "{kind}: 3000 elements, the last (in stock) wins"
        );
    }
}
both_dbs!(stock_body_validation);

async fn later_push_overwrites_stock(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let base = base_catalog();
    push_ok(&app, &tok, &fx.outlet_id, &base).await;
    stock_ok(
        &app,
        &tok,
        &fx.outlet_id,
        ITEM_STOCKS,
        json!([{ "external_id": "XID", "in_stock": false }, { "external_id": "XID-3", "in_stock": true }]),
    )
    .await;
    stock_ok(
        &app,
        &tok,
        &fx.outlet_id,
        VARIANT_STOCKS,
        json!([{ "external_id": "V-XID", "in_stock": false }, { "external_id": "V-3", "in_stock": true }]),
    )
    .await;
    let read = get_v2(&app, &tok, &fx.outlet_id).await;
    assert!(!item_in_stock(&read, "XID"));
    assert!(item_in_stock(&read, "XID-3"));
    assert!(!variant_in_stock(&read, "V-XID"));
    assert!(variant_in_stock(&read, "V-3"));

    // The same catalog again: the payload's flags win.
    push_ok(&app, &tok, &fx.outlet_id, &base).await;
    let read = get_v2(&app, &tok, &fx.outlet_id).await;
    assert_read_model(&read, &base);
    assert!(item_in_stock(&read, "XID"), "push overwrites stock");
    assert!(!item_in_stock(&read, "XID-3"), "push overwrites stock");
    assert!(variant_in_stock(&read, "V-XID"), "push overwrites stock");
    assert!(!variant_in_stock(&read, "V-3"), "push overwrites stock");
}
both_dbs!(later_push_overwrites_stock);

// ---------------------------------------------------------------------------------------------
// Validation (§4.1, §1.6 row 13)
// ---------------------------------------------------------------------------------------------

/// One rejected catalog: the body, the expected error path and a keyword of its message,
/// and whether this must be the only error object.
struct Case {
    name: String,
    body: Value,
    path: String,
    keyword: String,
    single: bool,
}

const I0: &str = "menus[0].menu_items[0]";
const H0: &str = "menus[0].menu_items[0].operational_hours";
const VC0: &str = "variant_categories[0]";
const SEL0: &str = "variant_categories[0].rules.selection";
const V0: &str = "variant_categories[0].variants[0]";

/// `base_catalog()` with `edits`, expecting `path: …keyword…` as the only error.
fn case(edits: &[(&str, Option<Value>)], path: &str, keyword: &str) -> Case {
    Case {
        name: format!("{edits:?}"),
        body: mutated(&base_catalog(), edits),
        path: path.to_string(),
        keyword: keyword.to_string(),
        single: true,
    }
}

/// Like [`case`] without requiring a single error.
fn case_multi(edits: &[(&str, Option<Value>)], path: &str, keyword: &str) -> Case {
    Case {
        single: false,
        ..case(edits, path, keyword)
    }
}

/// Sets `{prefix}.{field}` to `v`, expecting `{prefix}.{field}: …keyword…`.
fn field(prefix: &str, f: &str, v: Option<Value>, keyword: &str) -> Case {
    let p = if prefix.is_empty() {
        f.to_string()
    } else {
        format!("{prefix}.{f}")
    };
    case(&[(p.as_str(), v)], &p, keyword)
}

fn field_cases() -> Vec<Case> {
    let str151 = json!(rep('n', 151));
    let str201 = json!(rep('i', 201));
    let str101 = json!(rep('x', 101));
    let e151 = json!(rep('é', 151));
    let mut c = vec![
        // Top level.
        field("", "menus", None, "is required"),
        case_multi(
            &[("variant_categories", None)],
            "variant_categories",
            "is required",
        ),
        field("", "menus", Some(json!("x")), "expected array"),
        case_multi(
            &[("variant_categories", Some(json!({})))],
            "variant_categories",
            "expected array",
        ),
        field("", "request_id", Some(json!("")), "must be"),
        field("", "request_id", Some(str101.clone()), "must be"),
        field("", "request_id", Some(json!(5)), "expected string"),
        // Menus.
        field("menus[0]", "name", None, "is required"),
        field("menus[0]", "name", Some(json!("")), "must be"),
        field("menus[0]", "name", Some(str151.clone()), "must be"),
        field("menus[0]", "name", Some(json!(7)), "expected string"),
        field("menus[1]", "menu_items", None, "is required"),
        field("menus[1]", "menu_items", Some(json!({})), "expected array"),
        case(
            &[("menus[1]", Some(json!("Drinks")))],
            "menus[1]",
            "expected object",
        ),
        // Items.
        field(I0, "external_id", None, "is required"),
        field(I0, "external_id", Some(json!("")), "must be"),
        field(I0, "external_id", Some(str101.clone()), "must be"),
        field(I0, "external_id", Some(json!(42)), "expected string"),
        field(I0, "name", None, "is required"),
        field(I0, "name", Some(json!("")), "must be"),
        field(I0, "name", Some(str151.clone()), "must be"),
        field(I0, "name", Some(e151.clone()), "must be"),
        field(I0, "name", Some(json!(true)), "expected string"),
        field(I0, "internal_name", Some(str201.clone()), "must be"),
        field(I0, "internal_name", Some(json!(5)), "expected string"),
        field(I0, "description", Some(str201.clone()), "must be"),
        field(I0, "description", Some(json!([])), "expected string"),
        field(I0, "in_stock", None, "is required"),
        field(I0, "in_stock", Some(json!("yes")), "expected boolean"),
        field(I0, "in_stock", Some(json!(1)), "expected boolean"),
        field(I0, "price", None, "is required"),
        field(I0, "price", Some(json!("9000")), "expected integer"),
        field(I0, "price", Some(json!(3000.5)), "expected integer"),
        field(I0, "price", Some(json!(-1)), "must be 0 to 100000000"),
        field(
            I0,
            "price",
            Some(json!(100_000_001)),
            "must be 0 to 100000000",
        ),
        field(
            I0,
            "image",
            Some(json!("ftp://gofood.co.id/some.png")),
            "must be an http or https URL",
        ),
        field(
            I0,
            "image",
            Some(json!("gofood.co.id/some.png")),
            "must be an http or https URL",
        ),
        field(I0, "image", Some(json!(12)), "expected string"),
        field(I0, "operational_hours", Some(json!([])), "expected object"),
        field(
            I0,
            "variant_category_external_ids",
            Some(json!("VC-XID")),
            "expected array",
        ),
        case(
            &[(
                "menus[0].menu_items[0].variant_category_external_ids",
                Some(json!(["VC-X"])),
            )],
            "menus[0].menu_items[0].variant_category_external_ids[0]",
            "unknown variant category VC-X",
        ),
        case(
            &[(
                "menus[1].menu_items[0].variant_category_external_ids",
                Some(json!(["VC-XID", "VC-NOPE"])),
            )],
            "menus[1].menu_items[0].variant_category_external_ids[1]",
            "unknown variant category VC-NOPE",
        ),
        case(
            &[(
                "menus[0].menu_items[0].variant_category_external_ids",
                Some(json!([1])),
            )],
            "menus[0].menu_items[0].variant_category_external_ids[0]",
            "expected string",
        ),
        // Operational hours.
        field(H0, "monday[0].start", Some(json!("24:00")), "must be HH:mm"),
        field(H0, "monday[0].start", Some(json!("9:00")), "must be HH:mm"),
        field(H0, "monday[0].start", Some(json!("ab")), "must be HH:mm"),
        field(H0, "monday[0].start", Some(json!("08:60")), "must be HH:mm"),
        field(H0, "monday[0].start", Some(json!(800)), ""),
        field(H0, "monday[0].end", Some(json!("24:00")), "must be HH:mm"),
        field(
            H0,
            "monday[0].end",
            Some(json!("12:00:00")),
            "must be HH:mm",
        ),
        field(H0, "monday[0].start", None, "is required"),
        field(H0, "monday[0].end", None, "is required"),
        field(H0, "monday", Some(json!("08:00-12:00")), "expected array"),
        case(
            &[(
                "menus[0].menu_items[0].operational_hours.monday",
                Some(json!([window("12:00", "12:00")])),
            )],
            &format!("{H0}.monday[0]"),
            "start must be before end",
        ),
        case(
            &[(
                "menus[0].menu_items[0].operational_hours.sunday",
                Some(json!([window("13:00", "09:00")])),
            )],
            &format!("{H0}.sunday[0]"),
            "start must be before end",
        ),
        case(
            &[(
                "menus[0].menu_items[0].operational_hours.monday",
                Some(json!([window("08:00", "12:00"), window("11:00", "14:00")])),
            )],
            &format!("{H0}.monday[1]"),
            "overlaps",
        ),
        case(
            &[(
                "menus[0].menu_items[0].operational_hours.monday",
                Some(json!([window("08:00", "18:00"), window("10:00", "11:00")])),
            )],
            &format!("{H0}.monday[1]"),
            "overlaps",
        ),
        case(
            &[(
                "menus[0].menu_items[0].operational_hours.monday",
                Some(json!([
                    window("00:00", "01:00"),
                    window("02:00", "03:00"),
                    window("04:00", "05:00"),
                    window("06:00", "07:00"),
                    window("08:00", "09:00"),
                    window("10:00", "11:00")
                ])),
            )],
            &format!("{H0}.monday"),
            "",
        ),
        field(H0, "funday", Some(json!([])), "unknown day"),
        field(
            H0,
            "Monday",
            Some(json!([window("08:00", "09:00")])),
            "unknown day",
        ),
        // Duplicates (reported at the later occurrence).
        field(
            "menus[1].menu_items[0]",
            "external_id",
            Some(json!("XID")),
            "duplicate XID",
        ),
        field(
            "menus[0].menu_items[1]",
            "external_id",
            Some(json!("XID")),
            "duplicate XID",
        ),
        case(
            &[
                ("variant_categories[1].external_id", Some(json!("VC-XID"))),
                (
                    "menus[1].menu_items[0].variant_category_external_ids",
                    Some(json!(["VC-XID"])),
                ),
            ],
            "variant_categories[1].external_id",
            "duplicate VC-XID",
        ),
        field(
            "variant_categories[1].variants[0]",
            "external_id",
            Some(json!("V-XID")),
            "duplicate V-XID",
        ),
        field(
            "variant_categories[0].variants[1]",
            "external_id",
            Some(json!("V-XID")),
            "duplicate V-XID",
        ),
        // Variant categories.
        case_multi(
            &[("variant_categories[0].external_id", None)],
            "variant_categories[0].external_id",
            "is required",
        ),
        case_multi(
            &[("variant_categories[0].external_id", Some(json!("")))],
            "variant_categories[0].external_id",
            "must be",
        ),
        case_multi(
            &[("variant_categories[0].external_id", Some(str101.clone()))],
            "variant_categories[0].external_id",
            "must be",
        ),
        field(VC0, "name", None, "is required"),
        field(VC0, "name", Some(json!("")), "must be"),
        field(VC0, "name", Some(str151.clone()), "must be"),
        field(VC0, "internal_name", Some(str201.clone()), "must be"),
        field(VC0, "rules", None, "is required"),
        field(VC0, "rules.selection", None, "is required"),
        field(VC0, "rules", Some(json!("x")), "expected object"),
        field(VC0, "rules.selection", Some(json!(5)), "expected object"),
        field(SEL0, "min_quantity", None, "is required"),
        field(SEL0, "min_quantity", Some(json!("1")), "expected integer"),
        field(SEL0, "min_quantity", Some(json!(1.5)), "expected integer"),
        field(SEL0, "min_quantity", Some(json!(-1)), ""),
        field(SEL0, "min_quantity", Some(json!(3)), ""),
        field(SEL0, "max_quantity", None, "is required"),
        field(SEL0, "max_quantity", Some(json!("2")), "expected integer"),
        field(SEL0, "max_quantity", Some(json!(3)), ""),
        case(
            &[(
                "variant_categories[1].rules.selection.min_quantity",
                Some(json!(2)),
            )],
            "variant_categories[1].rules.selection.min_quantity",
            "",
        ),
        case(
            &[
                (
                    "variant_categories[0].rules.selection.min_quantity",
                    Some(json!(2)),
                ),
                (
                    "variant_categories[0].rules.selection.max_quantity",
                    Some(json!(1)),
                ),
            ],
            "variant_categories[0].rules.selection.min_quantity",
            "",
        ),
        case_multi(
            &[("variant_categories[0].variants", None)],
            "variant_categories[0].variants",
            "is required",
        ),
        case_multi(
            &[("variant_categories[0].variants", Some(json!({})))],
            "variant_categories[0].variants",
            "expected array",
        ),
        // Variants.
        field(V0, "external_id", None, "is required"),
        field(V0, "external_id", Some(json!("")), "must be"),
        field(V0, "external_id", Some(str101.clone()), "must be"),
        field(V0, "name", None, "is required"),
        field(V0, "name", Some(json!("")), "must be"),
        field(V0, "name", Some(str151.clone()), "must be"),
        field(V0, "price", None, "is required"),
        field(V0, "price", Some(json!(-1)), "must be 0 to 100000000"),
        field(
            V0,
            "price",
            Some(json!(100_000_001)),
            "must be 0 to 100000000",
        ),
        field(V0, "price", Some(json!(1.5)), "expected integer"),
        field(V0, "price", Some(json!("1000")), "expected integer"),
        field(V0, "in_stock", None, "is required"),
        field(V0, "in_stock", Some(json!("true")), "expected boolean"),
    ];
    for x in &mut c {
        x.name = format!("{} → {}: {}", x.name, x.path, x.keyword);
    }
    c
}

/// The four count limits of §4.1, each exceeded by one.
fn count_cases() -> Vec<Case> {
    let menus_101: Vec<Value> = (0..101)
        .map(|i| {
            menu(
                &format!("Menu {i}"),
                vec![item(&format!("M{i}"), "Item", 1000, true)],
            )
        })
        .collect();
    let cats_201: Vec<Value> = (0..201)
        .map(|i| {
            category(
                &format!("VC-{i}"),
                "Cat",
                0,
                json!(null),
                vec![variant(&format!("V-{i}"), "Var", 0, true)],
            )
        })
        .collect();
    let items = |from: usize, n: usize| -> Vec<Value> {
        (from..from + n)
            .map(|i| item(&format!("IT-{i}"), "Item", 1000, true))
            .collect()
    };
    let vars_101: Vec<Value> = (0..101)
        .map(|i| variant(&format!("VV-{i}"), "Var", 0, true))
        .collect();
    vec![
        Case {
            name: "101 menus".into(),
            body: json!({ "menus": menus_101, "variant_categories": [] }),
            path: "menus".into(),
            keyword: String::new(),
            single: true,
        },
        Case {
            name: "201 variant categories".into(),
            body: json!({ "menus": [menu("M", vec![item("X", "Item", 1000, true)])],
                          "variant_categories": cats_201 }),
            path: "variant_categories".into(),
            keyword: String::new(),
            single: true,
        },
        Case {
            name: "3001 items over two menus".into(),
            body: json!({ "menus": [menu("A", items(0, 1500)), menu("B", items(1500, 1501))],
                          "variant_categories": [] }),
            path: "menus".into(),
            keyword: String::new(),
            single: true,
        },
        Case {
            name: "101 variants in one category".into(),
            body: json!({ "menus": [menu("M", vec![item("X", "Item", 1000, true)])],
                          "variant_categories": [category("VC", "Cat", 0, json!(2), vars_101)] }),
            path: "variant_categories[0].variants".into(),
            keyword: String::new(),
            single: true,
        },
    ]
}

/// Like `assert_violation` (plus "the only error" when `single`), as a `Result`.
fn check_violation(r: &Resp, path: &str, keyword: &str, single: bool) -> Result<(), String> {
    if r.status != 400 {
        return Err(format!("expected 400, got {}", r.status));
    }
    let errors = r.json["errors"].as_array().cloned().unwrap_or_default();
    if r.json["success"] != json!(false) || errors.is_empty() {
        return Err("not an error envelope".into());
    }
    if errors.len() > 50 {
        return Err(format!("{} errors, at most 50 allowed", errors.len()));
    }
    for e in &errors {
        if e["message_title"] != json!("Bad Request") || e["code"] != json!("HTTP_400") {
            return Err(format!(
                "error object {e} must have title Bad Request, code HTTP_400"
            ));
        }
    }
    let msgs = r.messages();
    let prefix = format!("{path}: ");
    if !msgs
        .iter()
        .any(|m| m.starts_with(&prefix) && m[prefix.len()..].contains(keyword))
    {
        return Err(format!("expected `{prefix}…{keyword}…`, got {msgs:?}"));
    }
    if single && msgs.len() != 1 {
        return Err(format!(
            "exactly one error object for one violation, got {msgs:?}"
        ));
    }
    Ok(())
}

async fn run_cases(app: &TestApp, tok: &str, outlet: &str, cases: Vec<Case>) {
    let before_v2 = get_v2(app, tok, outlet).await;
    let before_v1 = get_v1(app, tok, outlet).await;
    let mut failures = Vec::new();
    for c in cases {
        let r = push(app, tok, outlet, &c.body).await;
        if let Err(msg) = check_violation(&r, &c.path, &c.keyword, c.single) {
            let got: String = r.text.chars().take(600).collect();
            failures.push(format!(
                "CASE {}\n  status {}: {msg}\n  body: {got}",
                c.name, r.status
            ));
        }
    }
    assert_eq!(
        get_v2(app, tok, outlet).await,
        before_v2,
        "rejected pushes must store nothing (v2)"
    );
    assert_eq!(
        get_v1(app, tok, outlet).await,
        before_v1,
        "rejected pushes must store nothing (v1)"
    );
    assert!(
        failures.is_empty(),
        "{} validation case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

async fn validation_each_rule(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    // The base is valid; every case below breaks exactly one rule of it.
    let base = base_catalog();
    push_ok(&app, &tok, &fx.outlet_id, &base).await;
    run_cases(&app, &tok, &fx.outlet_id, field_cases()).await;
    assert_read_model(&get_v2(&app, &tok, &fx.outlet_id).await, &base);

    // Not a catalog at all.
    for body in [json!([]), json!("catalog"), json!(null)] {
        let r = push(&app, &tok, &fx.outlet_id, &body).await;
        assert_error_title(&r, 400, "Bad Request");
    }
    let r = app
        .send(
            app.request(Method::PUT, &catalog_path(&fx.outlet_id, "v1"))
                .bearer_auth(&tok)
                .header("content-type", "application/json")
                .body("{\"menus\": [ "),
        )
        .await;
    assert_error_title(&r, 400, "Bad Request");
    assert_read_model(&get_v2(&app, &tok, &fx.outlet_id).await, &base);
}
both_dbs!(validation_each_rule);

async fn validation_count_limits(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let base = base_catalog();
    push_ok(&app, &tok, &fx.outlet_id, &base).await;
    run_cases(&app, &tok, &fx.outlet_id, count_cases()).await;
}
both_dbs!(validation_count_limits);

async fn validation_reports_all_twenty(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let base = base_catalog();
    push_ok(&app, &tok, &fx.outlet_id, &base).await;

    let it1 = "menus[0].menu_items[1]";
    let m1 = "menus[1].menu_items[0]";
    let vc1 = "variant_categories[1]";
    let edits: Vec<(String, Option<Value>)> = vec![
        ("request_id".into(), Some(json!(""))),
        ("menus[0].name".into(), Some(json!(""))),
        (format!("{I0}.name"), Some(json!(rep('n', 151)))),
        (format!("{I0}.internal_name"), Some(json!(rep('i', 201)))),
        (format!("{I0}.description"), Some(json!(rep('d', 201)))),
        (format!("{I0}.price"), Some(json!(-5))),
        (
            format!("{I0}.image"),
            Some(json!("ftp://gofood.co.id/x.png")),
        ),
        (format!("{I0}.in_stock"), Some(json!("yes"))),
        (
            format!("{I0}.variant_category_external_ids"),
            Some(json!(["VC-X"])),
        ),
        (format!("{H0}.monday[0].start"), Some(json!("24:00"))),
        (
            format!("{H0}.tuesday"),
            Some(json!([window("10:00", "09:00")])),
        ),
        (format!("{H0}.funday"), Some(json!([]))),
        (format!("{it1}.external_id"), None),
        (format!("{m1}.external_id"), Some(json!("XID"))),
        (format!("{m1}.price"), Some(json!(3000.5))),
        (
            format!("{m1}.variant_category_external_ids"),
            Some(json!(["VC-XID"])),
        ),
        (format!("{VC0}.name"), Some(json!(""))),
        (format!("{SEL0}.max_quantity"), Some(json!(3))),
        (format!("{V0}.price"), Some(json!(100_000_001))),
        (format!("{vc1}.external_id"), Some(json!("VC-XID"))),
        (format!("{vc1}.variants[0].in_stock"), None),
    ];
    let edits_ref: Vec<(&str, Option<Value>)> =
        edits.iter().map(|(p, v)| (p.as_str(), v.clone())).collect();
    let body = mutated(&base, &edits_ref);
    let expected: Vec<(String, &str)> = vec![
        ("request_id".into(), "must be"),
        ("menus[0].name".into(), "must be"),
        (format!("{I0}.name"), "must be"),
        (format!("{I0}.internal_name"), "must be"),
        (format!("{I0}.description"), "must be"),
        (format!("{I0}.price"), "must be 0 to 100000000"),
        (format!("{I0}.image"), "must be an http or https URL"),
        (format!("{I0}.in_stock"), "expected boolean"),
        (
            format!("{I0}.variant_category_external_ids[0]"),
            "unknown variant category VC-X",
        ),
        (format!("{H0}.monday[0].start"), "must be HH:mm"),
        (format!("{H0}.tuesday[0]"), "start must be before end"),
        (format!("{H0}.funday"), "unknown day"),
        (format!("{it1}.external_id"), "is required"),
        (format!("{m1}.external_id"), "duplicate XID"),
        (format!("{m1}.price"), "expected integer"),
        (format!("{VC0}.name"), "must be"),
        (format!("{SEL0}.max_quantity"), ""),
        (format!("{V0}.price"), "must be 0 to 100000000"),
        (format!("{vc1}.external_id"), "duplicate VC-XID"),
        (format!("{vc1}.variants[0].in_stock"), "is required"),
    ];
    assert_eq!(expected.len(), 20);

    let r = push(&app, &tok, &fx.outlet_id, &body).await;
    assert_error_title(&r, 400, "Bad Request");
    let msgs = r.messages();
    let mut missing = Vec::new();
    for (path, kw) in &expected {
        let prefix = format!("{path}: ");
        if !msgs
            .iter()
            .any(|m| m.starts_with(&prefix) && m[prefix.len()..].contains(kw))
        {
            missing.push(format!("{prefix}…{kw}…"));
        }
    }
    assert!(
        missing.is_empty(),
        "violations not reported: {missing:#?}\ngot {} errors: {msgs:#?}",
        msgs.len()
    );
    assert_eq!(
        msgs.len(),
        20,
        "one error object per violation, 20 violations: {msgs:#?}"
    );
    assert_read_model(&get_v2(&app, &tok, &fx.outlet_id).await, &base);
}
both_dbs!(validation_reports_all_twenty);

async fn validation_errors_capped_at_fifty(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    // 60 items without a name: 60 violations.
    let items: Vec<Value> = (0..60)
        .map(|i| json!({ "external_id": format!("N{i}"), "in_stock": true, "price": 1000 }))
        .collect();
    let body = json!({ "menus": [menu("Nameless", items)], "variant_categories": [] });
    let r = push(&app, &tok, &fx.outlet_id, &body).await;
    assert_error_title(&r, 400, "Bad Request");
    let msgs = r.messages();
    assert_eq!(msgs.len(), 50, "capped at 50 error objects: {msgs:#?}");
    let re = regex::Regex::new(r"^menus\[0\]\.menu_items\[(\d+)\]\.name: is required").unwrap();
    let mut seen = std::collections::HashSet::new();
    for m in &msgs {
        let c = re
            .captures(m)
            .unwrap_or_else(|| panic!("unexpected error message: {m}"));
        let i: usize = c[1].parse().unwrap();
        assert!(i < 60, "{m}");
        assert!(seen.insert(i), "duplicate error for item {i}");
    }
    assert_eq!(
        get_v2(&app, &tok, &fx.outlet_id).await,
        json!({ "menus": [], "variant_categories": [] })
    );
}
both_dbs!(validation_errors_capped_at_fifty);

async fn rejected_push_keeps_previous_catalog(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let base = base_catalog();
    push_ok(&app, &tok, &fx.outlet_id, &base).await;
    stock_ok(
        &app,
        &tok,
        &fx.outlet_id,
        ITEM_STOCKS,
        json!([{ "external_id": "XID-2", "in_stock": false }]),
    )
    .await;
    let v2 = get_v2(&app, &tok, &fx.outlet_id).await;
    let v1 = get_v1(&app, &tok, &fx.outlet_id).await;

    // A push that would drop and change almost everything, with a single bad price.
    let bad = json!({
      "request_id": "rejected",
      "menus": [ menu("New", vec![item("NEW-1", "New item", 1000, true), item("NEW-2", "Broken", -1, true)]) ],
      "variant_categories": []
    });
    let r = push(&app, &tok, &fx.outlet_id, &bad).await;
    assert_violation(&r, "menus[0].menu_items[1].price", "must be 0 to 100000000");
    assert_eq!(
        get_v2(&app, &tok, &fx.outlet_id).await,
        v2,
        "v2 unchanged (stock flags included)"
    );
    assert_eq!(get_v1(&app, &tok, &fx.outlet_id).await, v1, "v1 unchanged");
    // The old items are still there for stock updates; the rejected ones never existed.
    stock_ok(
        &app,
        &tok,
        &fx.outlet_id,
        ITEM_STOCKS,
        json!([{ "external_id": "XID-2", "in_stock": true }]),
    )
    .await;
    let r = stock(
        &app,
        &tok,
        Method::PATCH,
        &fx.outlet_id,
        ITEM_STOCKS,
        json!([{ "external_id": "NEW-1", "in_stock": false }]),
    )
    .await;
    assert_violation(&r, "[0].external_id", "NEW-1");
}
both_dbs!(rejected_push_keeps_previous_catalog);

async fn field_boundaries_accepted(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let mut edge = item(&rep('x', 100), &rep('é', 150), 0, true);
    edge["internal_name"] = json!(rep('i', 200));
    edge["description"] = json!(rep('d', 200));
    edge["image"] = json!("https://cdn.example.com/a/b.png?x=1");
    edge["operational_hours"] = json!({
        "monday": [window("00:00", "01:00"), window("02:00", "03:00"), window("04:00", "05:00"),
                   window("06:00", "07:00"), window("08:00", "23:59")],
        "sunday": [window("00:00", "23:59")],
        "tuesday": [],
        "saturday": [window("22:58", "23:59")]
    });
    edge["variant_category_external_ids"] = json!([rep('c', 100), "VC-NULL"]);
    let mut plain = item("P", "P", 100_000_000, false);
    for k in ["internal_name", "description", "image", "operational_hours"] {
        plain[k] = Value::Null;
    }
    plain["variant_category_external_ids"] = json!([]);
    let mut cat = category(
        &rep('c', 100),
        &rep('n', 150),
        2,
        json!(2),
        vec![
            variant(&rep('v', 100), &rep('é', 150), 0, true),
            variant("V-MAX", "Max", 100_000_000, false),
        ],
    );
    cat["internal_name"] = json!(rep('i', 200));
    let body = json!({
        "request_id": rep('r', 100),
        "menus": [ menu(&rep('é', 150), vec![edge, plain]) ],
        "variant_categories": [
            cat,
            category("VC-NULL", "Null max", 0, json!(null), vec![
                variant("N1", "a", 1, true), variant("N2", "b", 2, true), variant("N3", "c", 3, true)]),
            category("VC-UNUSED", "Unused", 0, json!(0), vec![variant("U1", "u", 0, true)])
        ]
    });
    push_ok(&app, &tok, &fx.outlet_id, &body).await;
    let read = get_v2(&app, &tok, &fx.outlet_id).await;
    assert_read_model(&read, &body);
    let null_cat = read["variant_categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["external_id"] == json!("VC-NULL"))
        .unwrap()
        .clone();
    assert_eq!(null_cat["rules"]["selection"]["max_quantity"], json!(3));
    assert_eq!(
        get_v1(&app, &tok, &fx.outlet_id).await["request_id"],
        json!(rep('r', 100))
    );
}
both_dbs!(field_boundaries_accepted);

async fn count_boundaries_accepted(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    // 100 menus × 30 items = 3000 items; 200 categories, the first with 100 variants.
    let menus: Vec<Value> = (0..100)
        .map(|m| {
            let items: Vec<Value> = (0..30)
                .map(|i| {
                    let mut it = item(
                        &format!("I-{m}-{i}"),
                        &format!("Item {m}/{i}"),
                        1000 + i,
                        true,
                    );
                    if i == 0 {
                        it["variant_category_external_ids"] =
                            json!(["VC-0", format!("VC-{}", m + 1)]);
                    }
                    it
                })
                .collect();
            menu(&format!("Menu {m}"), items)
        })
        .collect();
    let mut cats = vec![category(
        "VC-0",
        "Big",
        0,
        json!(null),
        (0..100)
            .map(|v| variant(&format!("V-0-{v}"), &format!("Var {v}"), v, true))
            .collect(),
    )];
    cats.extend((1..200).map(|c| {
        category(
            &format!("VC-{c}"),
            &format!("Cat {c}"),
            1,
            json!(1),
            vec![variant(&format!("V-{c}"), "Only", 500, true)],
        )
    }));
    let body = json!({ "menus": menus, "variant_categories": cats });
    push_ok(&app, &tok, &fx.outlet_id, &body).await;
    let read = get_v2(&app, &tok, &fx.outlet_id).await;
    assert_read_model(&read, &body);
    let big = read["variant_categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["external_id"] == json!("VC-0"))
        .unwrap()
        .clone();
    assert_eq!(big["rules"]["selection"]["max_quantity"], json!(100));
}
both_dbs!(count_boundaries_accepted);

// ---------------------------------------------------------------------------------------------
// Access (§1.6 rows 2, 6, 7; §2.10)
// ---------------------------------------------------------------------------------------------

/// Every catalog/stock call on `outlet`, with a valid body where one is needed.
fn endpoints(outlet: &str) -> Vec<(Method, String, Option<Value>, &'static str)> {
    let stock_body = json!([{ "external_id": "XID", "in_stock": false }]);
    vec![
        (
            Method::PUT,
            catalog_path(outlet, "v1"),
            Some(spec_sample()),
            "gofood:catalog:write",
        ),
        (
            Method::PUT,
            catalog_path(outlet, "v2"),
            Some(spec_sample()),
            "gofood:catalog:write",
        ),
        (
            Method::GET,
            catalog_path(outlet, "v2"),
            None,
            "gofood:catalog:read",
        ),
        (
            Method::GET,
            catalog_path(outlet, "v1"),
            None,
            "gofood:catalog:read",
        ),
        (
            Method::PATCH,
            stock_path(outlet, ITEM_STOCKS),
            Some(stock_body.clone()),
            "gofood:catalog:write",
        ),
        (
            Method::PUT,
            stock_path(outlet, ITEM_STOCKS),
            Some(stock_body.clone()),
            "gofood:catalog:write",
        ),
        (
            Method::PATCH,
            stock_path(outlet, VARIANT_STOCKS),
            Some(json!([{ "external_id": "V-XID", "in_stock": false }])),
            "gofood:catalog:write",
        ),
        (
            Method::PUT,
            stock_path(outlet, VARIANT_STOCKS),
            Some(json!([{ "external_id": "V-XID", "in_stock": false }])),
            "gofood:catalog:write",
        ),
    ]
}

async fn wrong_scope_forbidden(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let full = app.fixture_token(&fx).await;
    push_ok(&app, &full, &fx.outlet_id, &spec_sample()).await;
    let before = get_v2(&app, &full, &fx.outlet_id).await;

    let read_only = app
        .access_token(&fx.client_id, &fx.client_secret, "gofood:catalog:read")
        .await;
    let write_only = app
        .access_token(&fx.client_id, &fx.client_secret, "gofood:catalog:write")
        .await;
    let other = app
        .access_token(
            &fx.client_id,
            &fx.client_secret,
            "gofood:order:read gofood:order:write gofood:outlet:write partner:outlet:read partner:outlet:write",
        )
        .await;
    for (method, path, body, scope) in endpoints(&fx.outlet_id) {
        let toks: Vec<&str> = if scope == "gofood:catalog:write" {
            vec![&read_only, &other]
        } else {
            vec![&write_only, &other]
        };
        for t in toks {
            let r = app.api_send(method.clone(), &path, t, body.clone()).await;
            assert_missing_scope(&r, scope);
        }
        // The right scope alone is enough.
        let t = if scope == "gofood:catalog:write" {
            &write_only
        } else {
            &read_only
        };
        let r = app.api_send(method.clone(), &path, t, body.clone()).await;
        assert_eq!(r.status, 200, "{method} {path} with {scope}: {}", r.text);
        // No token → 401.
        let mut rb = app.request(method.clone(), &path);
        if let Some(b) = &body {
            rb = rb.json(b);
        }
        let r = app.send(rb).await;
        assert_session_expired(&r);
    }
    // Scope is checked before the outlet (§1.7): unknown outlet, wrong scope → 403.
    let r = app
        .api_send(
            Method::PUT,
            &catalog_path("G999999998", "v1"),
            &read_only,
            Some(spec_sample()),
        )
        .await;
    assert_error(
        &r,
        403,
        "Forbidden",
        "Missing required scope: gofood:catalog:write",
    );
    // A refused push changed nothing (the successful calls above re-pushed the same sample and
    // set the same stock flags).
    let after = get_v2(&app, &full, &fx.outlet_id).await;
    assert_eq!(ids_of(&after), ids_of(&before));
}
both_dbs!(wrong_scope_forbidden);

async fn outlet_access_not_found(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    // Another merchant's outlet, never linked.
    let m2 = app.create_merchant("Stranger").await;
    let foreign = app.create_outlet_id(&m2, "Foreign").await;
    // An outlet of the fixture's merchant linked for payment only.
    let paid = app.create_outlet_id(&fx.merchant_id, "Payment only").await;
    app.link(&fx, &paid, "payment", "ext-pay").await;

    for (method, path, body, _) in endpoints("G999999999") {
        let r = app.api_send(method.clone(), &path, &tok, body).await;
        assert_error(
            &r,
            404,
            "Not found",
            "Outlet with id: G999999999 is not found",
        );
    }
    for outlet in [&foreign, &paid] {
        for (method, path, body, _) in endpoints(outlet) {
            let r = app.api_send(method.clone(), &path, &tok, body).await;
            assert_error(&r, 404, "Requested resource not found", NOT_REGISTERED);
        }
        // The outlet check comes before body validation (§1.7).
        let r = push(&app, &tok, outlet, &json!({ "menus": "nope" })).await;
        assert_error(&r, 404, "Requested resource not found", NOT_REGISTERED);
    }

    // Unlinking gofood after a push: the catalog is out of reach.
    push_ok(&app, &tok, &fx.outlet_id, &spec_sample()).await;
    let r = app
        .admin_delete(
            "/sandbox/v1/links",
            json!({ "user_id": fx.user_id, "partner_id": fx.partner_id, "outlet_id": fx.outlet_id,
                    "product": "gofood" }),
        )
        .await;
    r.data(200);
    for (method, path, body, _) in endpoints(&fx.outlet_id) {
        let r = app.api_send(method.clone(), &path, &tok, body).await;
        assert_error(&r, 404, "Requested resource not found", NOT_REGISTERED);
    }
    // Nothing was stored on the refused outlets.
    for outlet in [&foreign, &paid] {
        let r = app
            .admin_get(&format!("/sandbox/v1/outlets/{outlet}/catalog"))
            .await;
        assert_eq!(
            r.data(200),
            &json!({ "menus": [], "variant_categories": [] }),
            "{outlet}"
        );
    }
}
both_dbs!(outlet_access_not_found);

async fn direct_partner_own_outlet(app: TestApp) {
    let fx = app.setup_direct().await;
    let tok = app.fixture_token(&fx).await;
    let second = app.create_outlet_id(&fx.merchant_id, "Second own").await;
    let m2 = app.create_merchant("Stranger").await;
    let foreign = app.create_outlet_id(&m2, "Foreign").await;

    let base = base_catalog();
    for outlet in [&fx.outlet_id, &second] {
        assert_eq!(
            get_v2(&app, &tok, outlet).await,
            json!({ "menus": [], "variant_categories": [] })
        );
        push_ok(&app, &tok, outlet, &base).await;
        assert_read_model(&get_v2(&app, &tok, outlet).await, &base);
        assert_write_model(&get_v1(&app, &tok, outlet).await, &base);
        stock_ok(
            &app,
            &tok,
            outlet,
            ITEM_STOCKS,
            json!([{ "external_id": "XID", "in_stock": false }]),
        )
        .await;
        stock_ok(
            &app,
            &tok,
            outlet,
            VARIANT_STOCKS,
            json!([{ "external_id": "V-XID", "in_stock": false }]),
        )
        .await;
        let read = get_v2(&app, &tok, outlet).await;
        assert!(!item_in_stock(&read, "XID"));
        assert!(!variant_in_stock(&read, "V-XID"));
    }
    for (method, path, body, _) in endpoints(&foreign) {
        let r = app.api_send(method.clone(), &path, &tok, body).await;
        assert_error(&r, 404, "Requested resource not found", NOT_REGISTERED);
    }
}
both_dbs!(direct_partner_own_outlet);

// ---------------------------------------------------------------------------------------------
// Menu mapping webhook (§4.2, §9.14, §9.10)
// ---------------------------------------------------------------------------------------------

fn assert_mapping_payload(p: &Value, request_id: &str, outlet: &str, ext: &str, read: &Value) {
    assert_eq!(p["header"]["event_name"], json!(MAPPING_EVENT), "{p}");
    assert_eq!(p["header"]["version"], json!(1), "{p}");
    assert!(
        is_uuid(p["header"]["event_id"].as_str().unwrap_or_default()),
        "header.event_id: {p}"
    );
    let ts = p["header"]["timestamp"].as_str().unwrap_or_default();
    let re = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+07:00$").unwrap();
    assert!(re.is_match(ts), "header.timestamp: {ts}");
    let b = &p["body"];
    assert_eq!(b["request_id"], json!(request_id), "body.request_id: {b}");
    assert_eq!(b["outlet"]["id"], json!(outlet), "body.outlet: {b}");
    assert_eq!(
        b["outlet"]["external_outlet_id"],
        json!(ext),
        "body.outlet: {b}"
    );
    assert_eq!(
        mapping_view(b),
        mapping_view(read),
        "the mapping's ids must be the GET v2 ids"
    );
}

async fn notifications(app: &TestApp, tok: &str, entity: &str) -> Vec<Value> {
    let r = app
        .api_get(
            &format!("/integrations/partner/notifications?entity_id={entity}"),
            tok,
        )
        .await;
    r.data(200)["notifications"]
        .as_array()
        .unwrap_or_else(|| panic!("notifications: {}", r.text))
        .clone()
}

async fn mapping_webhook(app: TestApp) {
    let rx = Receiver::start().await;
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let other = second_partner_on_outlet(&app, &fx).await;
    let otok = app.fixture_token(&other).await;
    let sub = subscribe(&app, &tok, MAPPING_EVENT, &rx.url("/a")).await;
    subscribe(&app, &otok, MAPPING_EVENT, &rx.url("/b")).await;

    // 1. An accepted push with a request_id.
    let rid = format!("req-{}", uuid::Uuid::new_v4().simple());
    let mut body = base_catalog();
    body["request_id"] = json!(rid);
    let t0 = Instant::now();
    push_ok(&app, &tok, &fx.outlet_id, &body).await;
    let read1 = get_v2(&app, &tok, &fx.outlet_id).await;
    let got = rx.wait_for_path("/a", 1, WAIT).await[0].clone();
    let after = got.at.duration_since(t0);
    assert!(
        after >= Duration::from_millis(100),
        "the mapping webhook comes after the mapping delay (200 ms), not with the push: {after:?}"
    );
    assert_eq!(
        got.header("x-go-signature"),
        Some(go_signature(&fx.notification_secret, &got.body))
    );
    let p1 = got.json();
    assert_mapping_payload(&p1, &rid, &fx.outlet_id, &fx.external_outlet_id, &read1);
    let event_id = p1["header"]["event_id"].as_str().unwrap().to_string();
    assert_eq!(got.idempotency_key(), idempotency_key(&event_id, &sub));

    // Troubleshooting lists it under the request_id, for the pushing partner only.
    let list = notifications(&app, &tok, &rid).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["event_type"], json!(MAPPING_EVENT));
    assert_eq!(list[0]["entity_id"], json!(rid));
    assert_eq!(list[0]["event_id"], json!(event_id));
    assert_eq!(list[0]["partner_id"], json!(fx.partner_id));
    assert_eq!(list[0]["subscription_id"], json!(sub));
    assert_eq!(notifications(&app, &otok, &rid).await, Vec::<Value>::new());

    // 2. A rejected push and a sandbox push emit nothing.
    let mut bad = base_catalog();
    bad["request_id"] = json!("rejected-push");
    set_path(&mut bad, "menus[0].menu_items[0].price", Some(json!(-1)));
    let r = push(&app, &tok, &fx.outlet_id, &bad).await;
    assert_eq!(r.status, 400, "{}", r.text);
    let mut sb = spec_sample();
    sb["request_id"] = json!("sandbox-push");
    let r = admin_send(
        &app,
        Method::PUT,
        &format!("/sandbox/v1/outlets/{}/catalog", fx.outlet_id),
        Some(sb),
    )
    .await;
    assert_empty_ok(&r, "sandbox catalog push");
    rx.assert_stays("/a", 1, Duration::from_millis(1500)).await;
    rx.assert_stays("/b", 0, Duration::from_millis(0)).await;
    assert_eq!(
        notifications(&app, &tok, "rejected-push").await,
        Vec::<Value>::new()
    );
    assert_eq!(
        notifications(&app, &tok, "sandbox-push").await,
        Vec::<Value>::new()
    );

    // 3. A push without request_id: a generated UUID; ids follow the new catalog.
    let mut second = base_catalog();
    second.as_object_mut().unwrap().remove("request_id");
    set_path(
        &mut second,
        "menus[1].menu_items[0].external_id",
        Some(json!("XID-NEW")),
    );
    push_ok(&app, &tok, &fx.outlet_id, &second).await;
    let read2 = get_v2(&app, &tok, &fx.outlet_id).await;
    let reqs = rx.wait_for_path("/a", 2, WAIT).await;
    let p2 = reqs[1].json();
    let rid2 = p2["body"]["request_id"]
        .as_str()
        .unwrap_or_else(|| panic!("body.request_id: {p2}"))
        .to_string();
    assert!(
        is_uuid(&rid2),
        "generated request_id must be a UUID: {rid2}"
    );
    assert_mapping_payload(&p2, &rid2, &fx.outlet_id, &fx.external_outlet_id, &read2);
    let (i1, i2) = (ids_of(&read1), ids_of(&read2));
    assert_eq!(id(&i1, "item:XID"), id(&i2, "item:XID"));
    assert!(!i2.contains_key("item:XID-3"));
    let list = notifications(&app, &tok, &rid2).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["event_type"], json!(MAPPING_EVENT));

    // 4. The other partner gets its own mapping only when it pushes itself.
    rx.assert_stays("/b", 0, Duration::from_millis(0)).await;
    let orid = format!("other-{}", uuid::Uuid::new_v4().simple());
    let mut third = spec_sample();
    third["request_id"] = json!(orid);
    push_ok(&app, &otok, &fx.outlet_id, &third).await;
    let got_b = rx.wait_for_path("/b", 1, WAIT).await[0].clone();
    assert_eq!(
        got_b.header("x-go-signature"),
        Some(go_signature(&other.notification_secret, &got_b.body))
    );
    let read3 = get_v2(&app, &otok, &fx.outlet_id).await;
    assert_mapping_payload(&got_b.json(), &orid, &fx.outlet_id, "second-ext", &read3);
    rx.assert_stays("/a", 2, Duration::from_millis(1500)).await;
    assert_eq!(notifications(&app, &tok, &orid).await, Vec::<Value>::new());
    assert_eq!(notifications(&app, &otok, &orid).await.len(), 1);
}
both_dbs!(mapping_webhook, MAPPING_ENV);

// ---------------------------------------------------------------------------------------------
// Sandbox (§10.2)
// ---------------------------------------------------------------------------------------------

/// The sandbox catalog and stock endpoints refuse no token and partner tokens.
async fn sandbox_catalog_needs_admin(app: &TestApp, tok: &str, paths: [&str; 3]) {
    let [cat, items, vars] = paths.map(str::to_string);
    // Admin token required.
    for (m, p, b) in [
        (Method::GET, cat.clone(), None),
        (Method::PUT, cat.clone(), Some(spec_sample())),
        (Method::PATCH, items.clone(), Some(json!([]))),
        (Method::PATCH, vars.clone(), Some(json!([]))),
    ] {
        let mut rb = app.request(m.clone(), &p);
        if let Some(b) = &b {
            rb = rb.json(b);
        }
        let r = app.send(rb).await;
        assert_error(&r, 401, "Unauthorized", "Invalid admin token");
        let r = app.api_send(m, &p, tok, b).await;
        assert_error(&r, 401, "Unauthorized", "Invalid admin token");
    }
}

/// Unknown outlet → 404; an outlet no partner is linked to works in the sandbox.
async fn sandbox_catalog_unknown_and_unlinked_outlets(app: &TestApp, fx: &Fixture) {
    // Unknown outlet.
    let r = app
        .admin_get("/sandbox/v1/outlets/G999999997/catalog")
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = admin_send(
        app,
        Method::PUT,
        "/sandbox/v1/outlets/G999999997/catalog",
        Some(spec_sample()),
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = app
        .admin_patch("/sandbox/v1/outlets/G999999997/menu_item_stocks", json!([]))
        .await;
    assert_eq!(r.status, 404, "{}", r.text);

    // An outlet no partner is linked to works in the sandbox.
    let lone = app.create_outlet_id(&fx.merchant_id, "Lone").await;
    let lcat = format!("/sandbox/v1/outlets/{lone}/catalog");
    let r = admin_send(app, Method::PUT, &lcat, Some(spec_sample())).await;
    assert_empty_ok(&r, "sandbox PUT on an unlinked outlet");
    assert_read_model(app.admin_get(&lcat).await.data(200), &spec_sample());
}

async fn sandbox_catalog_and_stock(app: TestApp) {
    let fx = app.setup_facilitator().await;
    let tok = app.fixture_token(&fx).await;
    let cat = format!("/sandbox/v1/outlets/{}/catalog", fx.outlet_id);
    let items = format!("/sandbox/v1/outlets/{}/menu_item_stocks", fx.outlet_id);
    let vars = format!("/sandbox/v1/outlets/{}/variant_stocks", fx.outlet_id);

    sandbox_catalog_needs_admin(&app, &tok, [&cat, &items, &vars]).await;
    let r = app.admin_get(&cat).await;
    assert_eq!(
        r.data(200),
        &json!({ "menus": [], "variant_categories": [] })
    );

    let base = base_catalog();
    let r = admin_send(&app, Method::PUT, &cat, Some(base.clone())).await;
    assert_empty_ok(&r, "sandbox PUT catalog");
    let sread = app.admin_get(&cat).await.data(200).clone();
    assert_read_model(&sread, &base);
    assert_eq!(
        get_v2(&app, &tok, &fx.outlet_id).await,
        sread,
        "the sandbox and the partner API read the same outlet catalog"
    );

    // Same validation.
    let mut bad = base_catalog();
    set_path(&mut bad, "menus[0].menu_items[0].price", Some(json!(-1)));
    set_path(
        &mut bad,
        "menus[0].menu_items[0].variant_category_external_ids",
        Some(json!(["VC-X"])),
    );
    let r = admin_send(&app, Method::PUT, &cat, Some(bad)).await;
    assert_violation(&r, "menus[0].menu_items[0].price", "must be 0 to 100000000");
    assert_violation(
        &r,
        "menus[0].menu_items[0].variant_category_external_ids[0]",
        "unknown variant category VC-X",
    );
    assert_eq!(r.messages().len(), 2, "{:?}", r.messages());
    assert_eq!(app.admin_get(&cat).await.data(200), &sread);

    // Stock through the sandbox, both body forms.
    let ids = ids_of(&sread);
    let mut want = stock_flags(&sread);
    let r = app
        .admin_patch(
            &items,
            json!([{ "external_id": "XID", "in_stock": false }, { "id": id(&ids, "item:XID-3"), "in_stock": true }]),
        )
        .await;
    assert_empty_ok(&r, "sandbox menu_item_stocks");
    want.insert("item:XID".into(), false);
    want.insert("item:XID-3".into(), true);
    let r = app
        .admin_patch(
            &vars,
            json!({ "variants": [{ "id": id(&ids, "var:V-XID"), "in_stock": false }] }),
        )
        .await;
    assert_empty_ok(&r, "sandbox variant_stocks");
    want.insert("var:V-XID".into(), false);
    let r = app
        .admin_patch(
            &items,
            json!({ "items": [{ "external_id": "XID-2", "in_stock": false }] }),
        )
        .await;
    assert_empty_ok(&r, "sandbox menu_item_stocks (object)");
    want.insert("item:XID-2".into(), false);
    assert_eq!(
        stock_flags(&app.admin_get(&cat).await.data(200).clone()),
        want
    );
    assert_eq!(stock_flags(&get_v2(&app, &tok, &fx.outlet_id).await), want);

    // All or nothing there too.
    let r = app
        .admin_patch(
            &items,
            json!([{ "external_id": "XID", "in_stock": true }, { "external_id": "SB-NOPE", "in_stock": true }]),
        )
        .await;
    assert_violation(&r, "[1].external_id", "SB-NOPE");
    let r = app
        .admin_patch(
            &vars,
            json!([{ "external_id": "V-SB-NOPE", "in_stock": true }]),
        )
        .await;
    assert_violation(&r, "[0].external_id", "V-SB-NOPE");
    let r = app
        .admin_patch(&items, json!([{ "external_id": "XID" }]))
        .await;
    assert_error_title(&r, 400, "Bad Request");
    assert_eq!(
        stock_flags(&app.admin_get(&cat).await.data(200).clone()),
        want
    );

    // A partner push of the same catalog keeps the sandbox-made ids and resets stock.
    push_ok(&app, &tok, &fx.outlet_id, &base).await;
    let pread = get_v2(&app, &tok, &fx.outlet_id).await;
    assert_eq!(
        ids_of(&pread),
        ids,
        "ids stable across sandbox and partner pushes"
    );
    assert_read_model(&pread, &base);

    sandbox_catalog_unknown_and_unlinked_outlets(&app, &fx).await;
}
both_dbs!(sandbox_catalog_and_stock);
