//! QRIS payments (spec §7, §9.15, §10.2): create with `Idempotency-Key` (replay, concurrency,
//! order-id conflicts), body 400s, get and its 404s, the `qris_string` checked with an
//! independent EMVCo TLV parser and CRC, the QR PNG read back by a QR decoder, sandbox pay /
//! expire / cancel with the settlement webhook, scopes and links. Black box: the real binary
//! over HTTP, on both databases.

use std::collections::HashSet;
use std::time::Duration;

use crate::harness::receiver::{go_signature, idempotency_key, subscribe, Received, Receiver};
use crate::harness::*;
use crate::support::payments::*;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// Self-tests of the independent parser and CRC
// ---------------------------------------------------------------------------------------------

/// The spec's sample string (§7.2) parses and its CRC verifies; a changed character fails.
#[test]
fn spec_sample_parses_and_crc_checks() {
    let s = "00020101021226610014COM.GO-JEK.WWW01189360091400000123450210G0000123450303UMI51440014ID.CO.QRIS.WWW0215ID10200000123450303UMI520458125303360540430005802ID5917Kopi Senja Kemang6007Jakarta62360525T71839e9c944b40cebd318a760703A0163046020";
    assert_eq!(
        crc16(b"123456789"),
        0x29B1,
        "CRC-16/CCITT-FALSE check value"
    );
    crc_ok(s).unwrap();
    check_qris(
        s,
        &QrisExpect {
            outlet_id: "G000012345",
            outlet_name: "Kopi Senja Kemang",
            tx_id: "71839e9c-944b-40ce-bd31-8a76db666f36",
            amount: 3000,
        },
    );
    let bad = s.replacen("5404300058", "5404300158", 1);
    assert!(crc_ok(&bad).is_err(), "a changed amount must break the CRC");
    assert!(parse_tlv("0002010").is_err(), "truncated value");
    assert!(parse_tlv("0A0201").is_err(), "non-digit tag");
}

// ---------------------------------------------------------------------------------------------
// Create and the qris_string
// ---------------------------------------------------------------------------------------------

async fn create_emv_payload_and_crc(app: TestApp) {
    let e = penv(&app).await;
    let long50: String = "Ab9-_~.".repeat(8)[..50].to_string();
    let cases: Vec<(String, i64)> = vec![
        ("order-1234".into(), 3000),
        ("A".into(), 1),
        (long50, 10_000_000),
        ("ORD.2024~07_x".into(), 123_456),
        (order_id(), 99_999),
    ];
    let mut ids = HashSet::new();
    let mut strings = HashSet::new();
    for (order, amount) in &cases {
        let r = create(
            &app,
            &e.tok,
            e.outlet(),
            Some(&new_key()),
            &tx_body(order, *amount),
        )
        .await;
        assert_not_replayed(&r, "first create");
        let d = r.data(200).clone();
        assert_tx_data(&app, &d, &e, order, *amount, "pending");
        ids.insert(tx_id(&d));
        strings.insert(qris_of(&d));
    }
    assert_eq!(ids.len(), cases.len(), "distinct transaction ids");
    assert_eq!(strings.len(), cases.len(), "distinct qris strings");

    // item_details is optional; several items that add up are fine.
    let mut b = tx_body(&order_id(), 3000);
    b.as_object_mut().unwrap().remove("item_details");
    b.as_object_mut().unwrap().remove("customer_details");
    b.as_object_mut().unwrap().remove("metadata");
    let d = create_ok(&app, &e.tok, e.outlet(), &b).await;
    assert_tx_data(
        &app,
        &d,
        &e,
        b["transaction_details"]["order_id"].as_str().unwrap(),
        3000,
        "pending",
    );
    let o = order_id();
    let mut b = tx_body(&o, 5000);
    b["item_details"] = json!([
        { "price": 2000, "quantity": 2, "name": "Kopi" },
        { "price": 1000, "quantity": 1, "name": "Roti" },
        { "price": 0, "quantity": 3, "name": "Air" }
    ]);
    let d = create_ok(&app, &e.tok, e.outlet(), &b).await;
    assert_tx_data(&app, &d, &e, &o, 5000, "pending");

    // Tag 59 follows the outlet's name, cut to 25 characters.
    let long_name = "Kopi Senja Kemang Raya Jakarta Selatan";
    let r = app
        .admin_patch(
            &format!("/sandbox/v1/outlets/{}", e.outlet()),
            json!({ "name": long_name }),
        )
        .await;
    r.data(200);
    let o = order_id();
    let d = create_ok(&app, &e.tok, e.outlet(), &tx_body(&o, 4200)).await;
    assert_tx_data_for(
        &app,
        &d,
        e.outlet(),
        &e.pop_id,
        long_name,
        &o,
        4200,
        "pending",
    );
}
both_dbs!(create_emv_payload_and_crc);

// ---------------------------------------------------------------------------------------------
// Idempotency
// ---------------------------------------------------------------------------------------------

async fn idempotent_replay(app: TestApp) {
    let e = penv(&app).await;
    let key = new_key();
    let o = order_id();
    let body = tx_body(&o, 3000);
    let r1 = create(&app, &e.tok, e.outlet(), Some(&key), &body).await;
    assert_not_replayed(&r1, "first request");
    let d1 = r1.data(200).clone();
    assert_tx_data(&app, &d1, &e, &o, 3000, "pending");

    // Same key, same body: the stored response, marked as replayed.
    let r2 = create(&app, &e.tok, e.outlet(), Some(&key), &body).await;
    assert_replayed(&r2, "same key, same body");
    assert_eq!(r2.data(200), &d1, "replay must return the stored response");

    // Same key, another (valid) body: still the stored response.
    let o_other = order_id();
    let r3 = create(
        &app,
        &e.tok,
        e.outlet(),
        Some(&key),
        &tx_body(&o_other, 777),
    )
    .await;
    assert_replayed(&r3, "same key, other body");
    assert_eq!(r3.data(200), &d1, "replay whatever the body");

    // Same key, an invalid body: still the stored response.
    let r4 = create(
        &app,
        &e.tok,
        e.outlet(),
        Some(&key),
        &json!({ "payment_type": "card" }),
    )
    .await;
    assert_replayed(&r4, "same key, invalid body");
    assert_eq!(r4.data(200), &d1, "replay whatever the body (even invalid)");

    // Still exactly one transaction for the order: a fresh key with that order id conflicts.
    let r = create(&app, &e.tok, e.outlet(), Some(&new_key()), &body).await;
    assert_error(
        &r,
        409,
        "Conflict",
        &format!("order_id {o} already has a pending or settled transaction on this outlet"),
    );
    // The other body of r3 created nothing: its order id is still free.
    let r = create(
        &app,
        &e.tok,
        e.outlet(),
        Some(&new_key()),
        &tx_body(&o_other, 777),
    )
    .await;
    assert_not_replayed(&r, "order id of the replayed other body");
    assert_tx_data(&app, r.data(200), &e, &o_other, 777, "pending");
    // GET sees the original.
    let g = get_ok(&app, &e.tok, e.outlet(), &tx_id(&d1)).await;
    assert_eq!(g, d1, "GET after replays");

    // Scope is (client, outlet, key): another client of the same partner with the same key
    // gets a new transaction.
    let c2 = pay_client(&app, &e.fx.partner_id).await;
    let tok2 = token(&app, &c2, WRITE).await;
    let o2 = order_id();
    let r = create(&app, &tok2, e.outlet(), Some(&key), &tx_body(&o2, 1500)).await;
    assert_not_replayed(&r, "same key, other client");
    let d = r.data(200).clone();
    assert_tx_data(&app, &d, &e, &o2, 1500, "pending");
    assert_ne!(tx_id(&d), tx_id(&d1), "other client → other transaction");

    // ... and another outlet linked to the same partner with the same key and client.
    let out2 = app.create_outlet_id(&e.fx.merchant_id, "Kedua").await;
    app.link(&e.fx, &out2, "payment", "ext-2").await;
    let o3 = order_id();
    let r = create(&app, &e.tok, &out2, Some(&key), &tx_body(&o3, 2500)).await;
    assert_not_replayed(&r, "same key, other outlet");
    let d = r.data(200).clone();
    assert_eq!(d["transaction"]["order_id"], json!(o3), "{d}");
    assert_eq!(d["outlet"]["id"], json!(out2), "{d}");
    assert_ne!(tx_id(&d), tx_id(&d1));
}
both_dbs!(idempotent_replay);

async fn concurrent_same_key(app: TestApp) {
    let e = penv(&app).await;
    let key = new_key();
    let url = app.url(&create_path(e.outlet()));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..64 {
        let client = app.client.clone();
        let url = url.clone();
        let tok = e.tok.clone();
        let key = key.clone();
        // Every request has its own order id: only the key may decide.
        let body = tx_body(&format!("conc-{i}-{}", &key[..8]), 1000 + i);
        set.spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(tok)
                .header(KEY, key)
                .json(&body)
                .send()
                .await
                .expect("send");
            Resp::read(r).await
        });
    }
    let mut datas = Vec::new();
    let mut fresh = 0;
    while let Some(r) = set.join_next().await {
        let r = r.expect("task");
        if r.header(REPLAYED).as_deref() != Some("true") {
            fresh += 1;
        }
        datas.push(r.data(200).clone());
    }
    assert_eq!(datas.len(), 64);
    let ids: HashSet<String> = datas.iter().map(tx_id).collect();
    assert_eq!(
        ids.len(),
        1,
        "64 concurrent creates with one key: transaction ids {ids:?}"
    );
    for d in &datas {
        assert_eq!(d, &datas[0], "every concurrent request gets the same body");
    }
    assert_eq!(fresh, 1, "exactly one response is not a replay");
    let d = &datas[0];
    let order = d["transaction"]["order_id"].as_str().unwrap().to_string();
    let amount = d["transaction"]["gross_amount"].as_i64().unwrap();
    assert_tx_data(&app, d, &e, &order, amount, "pending");
    let g = get_ok(&app, &e.tok, e.outlet(), &tx_id(d)).await;
    assert_eq!(&g, d, "GET of the one transaction");
    // No other transaction was created: every other order id is still free.
    for i in 0..64 {
        let o = format!("conc-{i}-{}", &key[..8]);
        if o == order {
            continue;
        }
        if i % 8 != 0 {
            continue;
        }
        let r = create(&app, &e.tok, e.outlet(), Some(&new_key()), &tx_body(&o, 5)).await;
        assert_eq!(
            r.status, 200,
            "order id {o} must not have a transaction; body: {}",
            r.text
        );
    }
}
both_dbs!(concurrent_same_key);

async fn order_id_conflicts_and_reuse(app: TestApp) {
    let e = penv(&app).await;
    let o = order_id();
    let conflict =
        format!("order_id {o} already has a pending or settled transaction on this outlet");
    let d1 = create_ok(&app, &e.tok, e.outlet(), &tx_body(&o, 3000)).await;

    // Another key, same pending order id → 409; that key is still free afterwards.
    let k2 = new_key();
    let r = create(&app, &e.tok, e.outlet(), Some(&k2), &tx_body(&o, 3000)).await;
    assert_error(&r, 409, "Conflict", &conflict);
    let o2 = order_id();
    let r = create(&app, &e.tok, e.outlet(), Some(&k2), &tx_body(&o2, 1234)).await;
    assert_not_replayed(&r, "key after a 409");
    assert_tx_data(&app, r.data(200), &e, &o2, 1234, "pending");

    // A 400 is not stored either.
    let k3 = new_key();
    let r = create(
        &app,
        &e.tok,
        e.outlet(),
        Some(&k3),
        &json!({ "payment_type": "qris" }),
    )
    .await;
    assert_error_title(&r, 400, "Bad Request");
    let o3 = order_id();
    let r = create(&app, &e.tok, e.outlet(), Some(&k3), &tx_body(&o3, 99)).await;
    assert_not_replayed(&r, "key after a 400");
    assert_tx_data(&app, r.data(200), &e, &o3, 99, "pending");

    // The same order id on another outlet is independent.
    let out2 = app.create_outlet_id(&e.fx.merchant_id, "Lain").await;
    app.link(&e.fx, &out2, "payment", "ext-lain").await;
    let r = create(&app, &e.tok, &out2, Some(&new_key()), &tx_body(&o, 3000)).await;
    assert_eq!(r.data(200)["transaction"]["order_id"], json!(o));

    // After expire the order id may be reused; after cancel too; after settlement not.
    let r = sandbox_action(&app, &tx_id(&d1), "expire").await;
    assert_eq!(r.data(200)["transaction"]["status"], json!("expire"));
    let d2 = create_ok(&app, &e.tok, e.outlet(), &tx_body(&o, 3000)).await;
    assert_ne!(tx_id(&d2), tx_id(&d1));
    assert_tx_data(&app, &d2, &e, &o, 3000, "pending");
    let r = sandbox_action(&app, &tx_id(&d2), "cancel").await;
    assert_eq!(r.data(200)["transaction"]["status"], json!("cancel"));
    let d3 = create_ok(&app, &e.tok, e.outlet(), &tx_body(&o, 3000)).await;
    let r = pay(&app, json!({ "transaction_id": tx_id(&d3) })).await;
    assert_eq!(r.data(200)["transaction"]["status"], json!("settlement"));
    let r = create(
        &app,
        &e.tok,
        e.outlet(),
        Some(&new_key()),
        &tx_body(&o, 3000),
    )
    .await;
    assert_error(&r, 409, "Conflict", &conflict);
}
both_dbs!(order_id_conflicts_and_reuse);

async fn idempotency_key_header(app: TestApp) {
    let e = penv(&app).await;
    let body = || tx_body(&order_id(), 1000);
    let bad = |r: &Resp, what: &str| {
        assert_error_title(r, 400, "Bad Request");
        assert!(
            r.messages()
                .iter()
                .any(|m| m.starts_with("Idempotency-Key:")),
            "{what}: expected a message starting `Idempotency-Key:`, got {:?}",
            r.messages()
        );
    };
    let r = create(&app, &e.tok, e.outlet(), None, &body()).await;
    bad(&r, "missing");
    let r = create(&app, &e.tok, e.outlet(), Some(&"k".repeat(33)), &body()).await;
    bad(&r, "33 characters");
    let r = create(&app, &e.tok, e.outlet(), Some(""), &body()).await;
    bad(&r, "empty");
    let r = create(&app, &e.tok, e.outlet(), Some("has space"), &body()).await;
    bad(&r, "space");
    let r = create(&app, &e.tok, e.outlet(), Some("tab\there"), &body()).await;
    bad(&r, "tab");
    // The X- header of promotions does not count here.
    let r = app
        .send(
            app.request(reqwest::Method::POST, &create_path(e.outlet()))
                .bearer_auth(&e.tok)
                .header("X-Idempotency-Key", new_key())
                .json(&body()),
        )
        .await;
    bad(&r, "only X-Idempotency-Key");

    for k in [
        "k".repeat(32),
        "1".to_string(),
        "!#$%&'*+-.^_`|~\"(),/:;<=>?@[]{}".to_string(),
    ] {
        let r = create(&app, &e.tok, e.outlet(), Some(&k), &body()).await;
        assert_eq!(
            r.status, 200,
            "key {k:?} must be accepted; body: {}",
            r.text
        );
        assert_not_replayed(&r, "fresh key");
    }
    // None of the refused requests created anything: nothing else to see; a fresh create works.
    create_ok(&app, &e.tok, e.outlet(), &body()).await;
}
both_dbs!(idempotency_key_header);

// ---------------------------------------------------------------------------------------------
// Body validation
// ---------------------------------------------------------------------------------------------

type Edit<'a> = (&'a str, Option<Value>);

/// `base` with one JSON-path edit (dots; `[i]` not needed here).
fn edited(base: &Value, edit: &Edit<'_>) -> Value {
    let mut v = base.clone();
    let parts: Vec<&str> = edit.0.split('.').collect();
    let mut cur = &mut v;
    for p in &parts[..parts.len() - 1] {
        cur = if let Ok(i) = p.parse::<usize>() {
            &mut cur[i]
        } else {
            &mut cur[*p]
        };
    }
    let last = parts[parts.len() - 1];
    match &edit.1 {
        Some(x) => {
            if let Ok(i) = last.parse::<usize>() {
                cur[i] = x.clone();
            } else {
                cur[last] = x.clone();
            }
        }
        None => {
            cur.as_object_mut().unwrap().remove(last);
        }
    }
    v
}

async fn body_validation(app: TestApp) {
    let e = penv(&app).await;
    // One key for every refused body: 400s are not stored.
    let key = new_key();
    let base = tx_body("order-val", 3000);
    let od = "transaction_details.order_id";
    let ga = "transaction_details.gross_amount";
    let cur = "transaction_details.currency";
    let cases: Vec<(Edit<'_>, &str)> = vec![
        (("payment_type", Some(json!("gopay"))), "payment_type"),
        (("payment_type", Some(json!("QRIS"))), "payment_type"),
        (("payment_type", None), "payment_type"),
        (("payment_type", Some(json!(1))), "payment_type"),
        (("transaction_details", None), "transaction_details"),
        ((od, None), od),
        ((od, Some(json!(""))), od),
        ((od, Some(json!("x".repeat(51)))), od),
        ((od, Some(json!("a b"))), od),
        ((od, Some(json!("a/b"))), od),
        ((od, Some(json!("ä1"))), od),
        ((od, Some(json!("a#1"))), od),
        ((od, Some(json!(1234))), od),
        ((ga, None), ga),
        ((ga, Some(json!(0))), ga),
        ((ga, Some(json!(-1))), ga),
        ((ga, Some(json!(10_000_001))), ga),
        ((ga, Some(json!(1500.5))), ga),
        ((ga, Some(json!("3000"))), ga),
        ((cur, Some(json!("USD"))), cur),
        ((cur, Some(json!("idr"))), cur),
        ((cur, None), cur),
        (("item_details.0.price", Some(json!(-1))), "item_details"),
        (("item_details.0.price", Some(json!(10.5))), "item_details"),
        (("item_details.0.quantity", Some(json!(0))), "item_details"),
        (("item_details.0.quantity", None), "item_details"),
        (("item_details.0.price", None), "item_details"),
        (("item_details.0.name", None), "item_details"),
        (("item_details", Some(json!("x"))), "item_details"),
    ];
    for (edit, field) in &cases {
        let b = edited(&base, edit);
        let r = create(&app, &e.tok, e.outlet(), Some(&key), &b).await;
        assert!(
            r.status == 400,
            "edit {edit:?} must give 400, got {}: {}",
            r.status,
            r.text
        );
        assert_field_error(&r, field);
    }
    // Item sum mismatch: a message starting `item_details:`.
    for items in [
        json!([{ "price": 2999, "quantity": 1, "name": "a" }]),
        json!([{ "price": 1000, "quantity": 2, "name": "a" }, { "price": 500, "quantity": 1, "name": "b" }]),
        json!([{ "price": 3000, "quantity": 2, "name": "a" }]),
        json!([]),
    ] {
        let mut b = base.clone();
        b["item_details"] = items.clone();
        let r = create(&app, &e.tok, e.outlet(), Some(&key), &b).await;
        assert_error_title(&r, 400, "Bad Request");
        assert!(
            r.messages().iter().any(|m| m.starts_with("item_details:")),
            "items {items} must give a message starting `item_details:`; got {:?}",
            r.messages()
        );
    }
    // Malformed JSON and a non-object body.
    let r = create_raw(&app, &e.tok, e.outlet(), &key, "{\"payment_type\":").await;
    assert_error_title(&r, 400, "Bad Request");
    let r = create_raw(&app, &e.tok, e.outlet(), &key, "[]").await;
    assert_error_title(&r, 400, "Bad Request");

    // Boundaries accepted, and the key was never used.
    let r = create(&app, &e.tok, e.outlet(), Some(&key), &base).await;
    assert_not_replayed(&r, "key after 400s");
    assert_tx_data(&app, r.data(200), &e, "order-val", 3000, "pending");
}
both_dbs!(body_validation);

// ---------------------------------------------------------------------------------------------
// Get
// ---------------------------------------------------------------------------------------------

async fn get_transaction_and_404s(app: TestApp) {
    let e = penv(&app).await;
    let o = order_id();
    let d = create_ok(&app, &e.tok, e.outlet(), &tx_body(&o, 25_000)).await;
    let id = tx_id(&d);

    // Read-only token works; same data as the create.
    let rtok = token(&app, &e.pay_client, READ).await;
    let g = get_ok(&app, &rtok, e.outlet(), &id).await;
    assert_eq!(g, d, "GET = create response while pending");
    assert_tx_data(&app, &g, &e, &o, 25_000, "pending");

    // Unknown ids.
    for unknown in [uuid::Uuid::new_v4().to_string(), "not-a-uuid".to_string()] {
        let r = get_tx(&app, &rtok, e.outlet(), &unknown).await;
        assert_not_found_tx(&r);
    }
    // Another outlet of the same partner (linked for payment).
    let out2 = app.create_outlet_id(&e.fx.merchant_id, "Dua").await;
    app.link(&e.fx, &out2, "payment", "ext-dua").await;
    let r = get_tx(&app, &rtok, &out2, &id).await;
    assert_not_found_tx(&r);

    // Another partner holding a payment link on the same outlet.
    let p2 = app
        .create_partner(json!({ "name": "Other POS", "type": "facilitator" }))
        .await;
    let p2_id = p2["id"].as_str().unwrap().to_string();
    let mut fx2 = e.fx.clone();
    fx2.partner_id = p2_id.clone();
    app.link(&fx2, e.outlet(), "payment", "ext-p2").await;
    let c2 = pay_client(&app, &p2_id).await;
    let tok2 = token(&app, &c2, &format!("{READ} {WRITE}")).await;
    let r = get_tx(&app, &tok2, e.outlet(), &id).await;
    assert_not_found_tx(&r);
    // Its own transactions are visible to it, and not to the first partner.
    let d2 = create_ok(&app, &tok2, e.outlet(), &tx_body(&order_id(), 10)).await;
    get_ok(&app, &tok2, e.outlet(), &tx_id(&d2)).await;
    let r = get_tx(&app, &e.tok, e.outlet(), &tx_id(&d2)).await;
    assert_not_found_tx(&r);
    // Its QR image is not the first partner's either.
    let (status, _, _, resp) = qr_get(
        &app,
        d2["actions"][0]["url"].as_str().unwrap(),
        Some(&e.tok),
    )
    .await;
    assert_eq!(
        status, 404,
        "QR of another partner's transaction: {}",
        resp.text
    );
}
both_dbs!(get_transaction_and_404s);

// ---------------------------------------------------------------------------------------------
// QR image
// ---------------------------------------------------------------------------------------------

async fn qr_png_decodes_to_qris_string(app: TestApp) {
    let e = penv(&app).await;
    let d = create_ok(&app, &e.tok, e.outlet(), &tx_body(&order_id(), 48_500)).await;
    let url = d["actions"][0]["url"].as_str().unwrap().to_string();
    let qris = qris_of(&d);

    let wtok = token(&app, &e.pay_client, WRITE).await;
    let rtok = token(&app, &e.pay_client, READ).await;
    for (tok, what) in [(&e.tok, "read+write"), (&wtok, "write"), (&rtok, "read")] {
        let (status, ct, png, resp) = qr_get(&app, &url, Some(tok)).await;
        assert_eq!(status, 200, "QR with {what} token: {}", resp.text);
        assert!(ct.starts_with("image/png"), "content-type {ct:?}");
        assert!(
            resp.header("x-request-id").is_some(),
            "X-Request-ID on the PNG response"
        );
        let (w, h, decoded) = decode_qr(&png);
        assert!(
            w >= 256 && h >= 256,
            "image is {w}×{h}, at least 256×256 expected"
        );
        assert_eq!(
            decoded,
            vec![qris.clone()],
            "QR decoder reads back the qris_string"
        );
    }
    // Without Accept too.
    let r = app
        .client
        .get(&url)
        .bearer_auth(&e.tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);

    // 401 without token, 403 without a payment scope, 404 unknown.
    let (status, _, _, resp) = qr_get(&app, &url, None).await;
    assert_eq!(status, 401, "{}", resp.text);
    assert_session_expired(&resp);
    let ftok = app.fixture_token(&e.fx).await;
    let (status, _, _, resp) = qr_get(&app, &url, Some(&ftok)).await;
    assert_eq!(status, 403, "gofood-only token: {}", resp.text);
    assert_error_title(&resp, 403, "Forbidden");
    let unknown = format!("{}/transactions/{}/qr-code", app.base, uuid::Uuid::new_v4());
    let (status, _, _, resp) = qr_get(&app, &unknown, Some(&e.tok)).await;
    assert_eq!(status, 404, "{}", resp.text);
    assert_error_title(&resp, 404, "Not found");

    // Still served once settled.
    pay(&app, json!({ "transaction_id": tx_id(&d) }))
        .await
        .data(200);
    let (status, _, png, resp) = qr_get(&app, &url, Some(&e.tok)).await;
    assert_eq!(status, 200, "QR of a settled transaction: {}", resp.text);
    assert_eq!(decode_qr(&png).2, vec![qris]);
}
both_dbs!(qr_png_decodes_to_qris_string);

// ---------------------------------------------------------------------------------------------
// Sandbox pay, expire, cancel
// ---------------------------------------------------------------------------------------------

/// Waits for the single settlement webhook of transaction `id` on `path`.
async fn settlement_hook(
    rx: &Receiver,
    path: &str,
    id: &str,
) -> crate::harness::receiver::Received {
    let want = id.to_string();
    let p = path.to_string();
    rx.wait_until(WAIT, &format!("settlement webhook for {id}"), move |r| {
        r.iter()
            .any(|x| x.path == p && x.json()["body"]["transaction"]["id"] == json!(want))
    })
    .await;
    rx.requests_to(path)
        .into_iter()
        .find(|x| x.json()["body"]["transaction"]["id"] == json!(id))
        .unwrap()
}

/// Field-by-field check of a settlement webhook against the settled `GET` data.
fn assert_settlement_hook(
    h: &crate::harness::receiver::Received,
    g: &Value,
    secret: &str,
    sub_id: &str,
) {
    let p = h.json();
    assert_eq!(key_set(&p), ["body", "header"], "payload keys: {p}");
    let hd = &p["header"];
    assert_eq!(hd["event_name"], json!(EVENT), "{hd}");
    assert_eq!(hd["version"], json!(1), "{hd}");
    let event_id = hd["event_id"].as_str().expect("event_id");
    assert!(is_uuid(event_id), "event_id: {hd}");
    assert_jakarta_ms(&hd["timestamp"], "header.timestamp");
    assert_eq!(
        h.header("x-go-signature"),
        Some(go_signature(secret, &h.body)),
        "X-Go-Signature"
    );
    assert_eq!(
        h.idempotency_key(),
        idempotency_key(event_id, sub_id),
        "X-Go-Idempotency-Key"
    );
    assert_eq!(h.method, "POST");

    let b = &p["body"];
    assert_eq!(key_set(b), ["outlet", "transaction"], "body keys: {b}");
    assert_eq!(b["outlet"], g["outlet"], "body.outlet = GET outlet: {b}");
    let t = &b["transaction"];
    let gt = &g["transaction"];
    assert_eq!(
        key_set(t),
        key_set(gt),
        "transaction keys (no terminal_label): {t}"
    );
    for k in [
        "id",
        "payment_type",
        "qris_string",
        "order_id",
        "gross_amount",
        "currency",
    ] {
        assert_eq!(t[k], gt[k], "body.transaction.{k}");
    }
    assert_eq!(t["status"], json!("settlement"), "{t}");
    for k in ["created_at", "settlement_at"] {
        assert_jakarta_ms(&t[k], &format!("body.transaction.{k}"));
        assert_same_second(&gt[k], &t[k], k);
    }
    let settled = epoch_ms(gt["settlement_at"].as_str().unwrap());
    let ts = epoch_ms(hd["timestamp"].as_str().unwrap());
    assert!(
        ts >= settled && ts - settled < 5_000,
        "header.timestamp {} must be the settlement time {} (or just after)",
        hd["timestamp"],
        gt["settlement_at"]
    );
}

/// Troubleshooting finds the settlement delivery by entity_id = transaction id (§9.15, §9.10), with the exact payload.
async fn troubleshooting_finds_the_settlement(
    app: &TestApp,
    e: &PEnv,
    id: &str,
    sub: &str,
    h: &Received,
) {
    // Troubleshooting finds the delivery by entity_id = transaction id (§9.15, §9.10).
    let r = app
        .api_get(
            &format!("/integrations/partner/notifications?entity_id={id}"),
            &e.tok,
        )
        .await;
    let n = r.data(200)["notifications"]
        .as_array()
        .unwrap_or_else(|| panic!("notifications: {}", r.text))
        .clone();
    assert_eq!(n.len(), 1, "one delivery for the transaction: {}", r.text);
    assert_eq!(n[0]["entity_id"], json!(id), "{}", r.text);
    assert_eq!(n[0]["event_type"], json!(EVENT), "{}", r.text);
    assert_eq!(n[0]["subscription_id"], json!(sub), "{}", r.text);
    assert_eq!(
        n[0]["event_id"],
        h.json()["header"]["event_id"],
        "{}",
        r.text
    );
    assert_eq!(
        n[0]["payload"].as_str(),
        Some(h.body_str().as_str()),
        "exact payload"
    );
}

async fn pay_by_id_with_webhook(app: TestApp) {
    let e = penv(&app).await;
    let rx = Receiver::start().await;
    let sub = subscribe(&app, &e.tok, EVENT, &rx.url("/pay")).await;
    // A partner with only a gofood link on the outlet (and payment scopes) gets nothing.
    let p2 = app
        .create_partner(json!({ "name": "Gofood only", "type": "facilitator" }))
        .await;
    let p2_id = p2["id"].as_str().unwrap().to_string();
    let mut fx2 = e.fx.clone();
    fx2.partner_id = p2_id.clone();
    app.link(&fx2, e.outlet(), "gofood", "ext-gf").await;
    let c2 = pay_client(&app, &p2_id).await;
    let tok2 = token(&app, &c2, READ).await;
    subscribe(&app, &tok2, EVENT, &rx.url("/other")).await;

    let o = order_id();
    let d = create_ok(&app, &e.tok, e.outlet(), &tx_body(&o, 3000)).await;
    let id = tx_id(&d);
    let before = epoch_ms(d["transaction"]["created_at"].as_str().unwrap());

    let r = pay(&app, json!({ "transaction_id": id })).await;
    let t = r.data(200)["transaction"].clone();
    assert_eq!(t["id"], json!(id), "{t}");
    assert_eq!(t["status"], json!("settlement"), "{t}");
    assert_rfc3339_z(&t["settlement_at"]);

    let g = get_ok(&app, &e.tok, e.outlet(), &id).await;
    assert_tx_data(&app, &g, &e, &o, 3000, "settlement");
    assert_eq!(g["transaction"]["settlement_at"], t["settlement_at"]);
    assert_eq!(
        g["transaction"]["created_at"],
        d["transaction"]["created_at"]
    );
    assert_eq!(
        g["transaction"]["qris_string"],
        d["transaction"]["qris_string"]
    );
    assert!(
        epoch_ms(g["transaction"]["settlement_at"].as_str().unwrap()) >= before,
        "settlement_at not before created_at: {g}"
    );
    for k in [
        "id",
        "payment_type",
        "qris_string",
        "order_id",
        "gross_amount",
        "currency",
        "created_at",
        "settlement_at",
        "status",
    ] {
        assert_eq!(
            t[k], g["transaction"][k],
            "sandbox pay transaction.{k} vs GET"
        );
    }

    let h = settlement_hook(&rx, "/pay", &id).await;
    assert_settlement_hook(&h, &g, &e.fx.notification_secret, &sub);

    troubleshooting_finds_the_settlement(&app, &e, &id, &sub, &h).await;
    // Final: paying, expiring or cancelling again → 409; the status never changes.
    assert_conflict(
        &pay(&app, json!({ "transaction_id": id })).await,
        "pay again",
    );
    assert_conflict(
        &pay(&app, json!({ "qris_string": qris_of(&d) })).await,
        "pay by string again",
    );
    assert_conflict(&sandbox_action(&app, &id, "expire").await, "expire settled");
    assert_conflict(&sandbox_action(&app, &id, "cancel").await, "cancel settled");
    app.advance_clock(901).await;
    let g2 = get_ok(&app, &e.tok, e.outlet(), &id).await;
    assert_eq!(g2, g, "a settled transaction never changes");

    // Unknown → 404.
    let r = pay(
        &app,
        json!({ "transaction_id": uuid::Uuid::new_v4().to_string() }),
    )
    .await;
    assert_eq!(r.status, 404, "pay unknown id: {}", r.text);

    // Exactly one delivery, none for the gofood-only partner.
    rx.assert_stays("/pay", 1, Duration::from_millis(500)).await;
    rx.assert_stays("/other", 0, Duration::from_millis(10))
        .await;
}
both_dbs!(pay_by_id_with_webhook);

async fn pay_by_qris_string(app: TestApp) {
    let e = penv(&app).await;
    let rx = Receiver::start().await;
    let sub = subscribe(&app, &e.tok, EVENT, &rx.url("/pay")).await;
    let o = order_id();
    let d = create_ok(&app, &e.tok, e.outlet(), &tx_body(&o, 150_000)).await;
    let other = create_ok(&app, &e.tok, e.outlet(), &tx_body(&order_id(), 150_000)).await;
    let id = tx_id(&d);

    // An unknown (but well-formed) string → 404.
    let fake = {
        let s = qris_of(&d);
        let head = &s[..s.len() - 4];
        let ref_pos = head.find("0525T").unwrap() + 5;
        let mut h = head.to_string();
        let c = if &h[ref_pos..ref_pos + 1] == "0" {
            "1"
        } else {
            "0"
        };
        h.replace_range(ref_pos..ref_pos + 1, c);
        format!("{h}{:04X}", crc16(h.as_bytes()))
    };
    crc_ok(&fake).unwrap();
    let r = pay(&app, json!({ "qris_string": fake })).await;
    assert_eq!(r.status, 404, "pay an unknown qris_string: {}", r.text);

    let r = pay(&app, json!({ "qris_string": qris_of(&d) })).await;
    let t = r.data(200)["transaction"].clone();
    assert_eq!(t["id"], json!(id), "the transaction of that string: {t}");
    assert_eq!(t["status"], json!("settlement"), "{t}");
    let g = get_ok(&app, &e.tok, e.outlet(), &id).await;
    assert_tx_data(&app, &g, &e, &o, 150_000, "settlement");
    // The other transaction is untouched.
    let g_other = get_ok(&app, &e.tok, e.outlet(), &tx_id(&other)).await;
    assert_eq!(g_other, other, "other transaction stays pending");

    let h = settlement_hook(&rx, "/pay", &id).await;
    assert_settlement_hook(&h, &g, &e.fx.notification_secret, &sub);
    assert_conflict(
        &pay(&app, json!({ "qris_string": qris_of(&d) })).await,
        "pay twice",
    );
}
both_dbs!(pay_by_qris_string);

async fn expire_via_clock(app: TestApp) {
    let e = penv(&app).await;
    let rx = Receiver::start().await;
    subscribe(&app, &e.tok, EVENT, &rx.url("/pay")).await;
    let o = order_id();
    let d = create_ok(&app, &e.tok, e.outlet(), &tx_body(&o, 7000)).await;
    let id = tx_id(&d);

    app.advance_clock(890).await;
    let g = get_ok(&app, &e.tok, e.outlet(), &id).await;
    assert_eq!(
        g["transaction"]["status"],
        json!("pending"),
        "before 15 minutes: {g}"
    );
    app.advance_clock(11).await;
    let g = get_ok(&app, &e.tok, e.outlet(), &id).await;
    assert_tx_data(&app, &g, &e, &o, 7000, "expire");
    assert_eq!(
        g["transaction"]["created_at"],
        d["transaction"]["created_at"]
    );

    // Final.
    assert_conflict(
        &pay(&app, json!({ "transaction_id": id })).await,
        "pay expired",
    );
    assert_conflict(
        &pay(&app, json!({ "qris_string": qris_of(&d) })).await,
        "pay expired by string",
    );
    assert_conflict(&sandbox_action(&app, &id, "cancel").await, "cancel expired");
    assert_conflict(&sandbox_action(&app, &id, "expire").await, "expire expired");
    let g2 = get_ok(&app, &e.tok, e.outlet(), &id).await;
    assert_eq!(g2, g, "expired stays expired");
    // The order id is free again.
    create_ok(&app, &e.tok, e.outlet(), &tx_body(&o, 7000)).await;

    // The sandbox expire endpoint.
    let d2 = create_ok(&app, &e.tok, e.outlet(), &tx_body(&order_id(), 8000)).await;
    let r = sandbox_action(&app, &tx_id(&d2), "expire").await;
    let t = r.data(200)["transaction"].clone();
    assert_eq!(t["id"], json!(tx_id(&d2)));
    assert_eq!(t["status"], json!("expire"));
    assert_eq!(t["settlement_at"], Value::Null);
    let r = sandbox_action(&app, &uuid::Uuid::new_v4().to_string(), "expire").await;
    assert_eq!(r.status, 404, "expire unknown: {}", r.text);

    // No event for expiry.
    rx.assert_stays("/pay", 0, Duration::from_millis(500)).await;
}
both_dbs!(expire_via_clock);

async fn cancel_via_sandbox(app: TestApp) {
    let e = penv(&app).await;
    let o = order_id();
    let d = create_ok(&app, &e.tok, e.outlet(), &tx_body(&o, 12_000)).await;
    let id = tx_id(&d);
    let r = sandbox_action(&app, &id, "cancel").await;
    let t = r.data(200)["transaction"].clone();
    assert_eq!(t["id"], json!(id));
    assert_eq!(t["status"], json!("cancel"), "{t}");
    assert_eq!(t["settlement_at"], Value::Null);
    let g = get_ok(&app, &e.tok, e.outlet(), &id).await;
    assert_tx_data(&app, &g, &e, &o, 12_000, "cancel");

    assert_conflict(
        &pay(&app, json!({ "transaction_id": id })).await,
        "pay cancelled",
    );
    assert_conflict(&sandbox_action(&app, &id, "cancel").await, "cancel twice");
    assert_conflict(
        &sandbox_action(&app, &id, "expire").await,
        "expire cancelled",
    );
    app.advance_clock(901).await;
    let g2 = get_ok(&app, &e.tok, e.outlet(), &id).await;
    assert_eq!(g2, g, "cancelled stays cancelled after 15 minutes");
    let r = sandbox_action(&app, &uuid::Uuid::new_v4().to_string(), "cancel").await;
    assert_eq!(r.status, 404, "cancel unknown: {}", r.text);
}
both_dbs!(cancel_via_sandbox);

// ---------------------------------------------------------------------------------------------
// Scopes and links
// ---------------------------------------------------------------------------------------------

async fn wrong_scope(app: TestApp) {
    let e = penv(&app).await;
    let d = create_ok(&app, &e.tok, e.outlet(), &tx_body(&order_id(), 100)).await;
    let id = tx_id(&d);
    let rtok = token(&app, &e.pay_client, READ).await;
    let wtok = token(&app, &e.pay_client, WRITE).await;
    let ftok = app.fixture_token(&e.fx).await;

    let r = create(
        &app,
        &rtok,
        e.outlet(),
        Some(&new_key()),
        &tx_body(&order_id(), 100),
    )
    .await;
    assert_error(
        &r,
        403,
        "Forbidden",
        &format!("Missing required scope: {WRITE}"),
    );
    let r = create(
        &app,
        &ftok,
        e.outlet(),
        Some(&new_key()),
        &tx_body(&order_id(), 100),
    )
    .await;
    assert_error(
        &r,
        403,
        "Forbidden",
        &format!("Missing required scope: {WRITE}"),
    );
    let r = get_tx(&app, &wtok, e.outlet(), &id).await;
    assert_error(
        &r,
        403,
        "Forbidden",
        &format!("Missing required scope: {READ}"),
    );
    let r = get_tx(&app, &ftok, e.outlet(), &id).await;
    assert_error(
        &r,
        403,
        "Forbidden",
        &format!("Missing required scope: {READ}"),
    );

    let r = app
        .send(
            app.request(reqwest::Method::POST, &create_path(e.outlet()))
                .header(KEY, new_key())
                .json(&tx_body(&order_id(), 100)),
        )
        .await;
    assert_session_expired(&r);
    let r = app.get(&get_path(e.outlet(), &id)).await;
    assert_session_expired(&r);
}
both_dbs!(wrong_scope);

async fn unlinked_outlet(app: TestApp) {
    // Gofood-only link: payment endpoints answer 404 row 7.
    let e = penv_unlinked(&app).await;
    let r = create(
        &app,
        &e.tok,
        e.outlet(),
        Some(&new_key()),
        &tx_body(&order_id(), 100),
    )
    .await;
    assert_unregistered(&r);
    let r = get_tx(&app, &e.tok, e.outlet(), &uuid::Uuid::new_v4().to_string()).await;
    assert_unregistered(&r);
    // Unknown outlet: row 6.
    let r = create(
        &app,
        &e.tok,
        "G999999998",
        Some(&new_key()),
        &tx_body(&order_id(), 100),
    )
    .await;
    assert_error(
        &r,
        404,
        "Not found",
        "Outlet with id: G999999998 is not found",
    );

    // Once linked for payment it works, and the key refused above was not stored.
    let ext = e.fx.external_outlet_id.clone();
    app.link(&e.fx, e.outlet(), "payment", &ext).await;
    let key = new_key();
    let o = order_id();
    let r = create(&app, &e.tok, e.outlet(), Some(&key), &tx_body(&o, 100)).await;
    assert_not_replayed(&r, "after linking");
    assert_tx_data(&app, r.data(200), &e, &o, 100, "pending");

    // A direct-integration partner acts on its own outlets without a link.
    let dfx = app.setup_direct().await;
    let c = pay_client(&app, &dfx.partner_id).await;
    let tok = token(&app, &c, &format!("{READ} {WRITE}")).await;
    let view = outlet_view(&app, &dfx.outlet_id).await;
    let o = order_id();
    let d = create_ok(&app, &tok, &dfx.outlet_id, &tx_body(&o, 4321)).await;
    assert_tx_data_for(
        &app,
        &d,
        &dfx.outlet_id,
        view["pop_id"].as_str().unwrap(),
        view["name"].as_str().unwrap(),
        &o,
        4321,
        "pending",
    );
    // ... but not on another merchant's outlet.
    let r = create(
        &app,
        &tok,
        e.outlet(),
        Some(&new_key()),
        &tx_body(&order_id(), 100),
    )
    .await;
    assert_unregistered(&r);
}
both_dbs!(unlinked_outlet);
