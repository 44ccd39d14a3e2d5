//! GoFood SKU promotions (spec §6): create with `X-Idempotency-Key` (replay, misuse,
//! concurrency, scope), syntax 400s and per-item business failures, list paging, detail,
//! deactivate, delete, status from the sandbox clock, and order pricing with applied
//! promotions (§5.4, §9.12) including the order webhooks. Black box: the real binary over
//! HTTP, on both databases.

use std::collections::HashSet;

use crate::harness::receiver::Receiver;
use crate::harness::*;
use crate::support::catalog::{mutated, push_ok, second_partner_on_outlet};
use crate::support::orders::{
    assert_hook_matches, epoch_ms, nasi, num, place_ok, subscribe_all, teh, wait_hooks, HOOK,
    NOT_REGISTERED,
};
use crate::support::promotions::*;
use reqwest::Method;
use serde_json::{json, Value};

/// `NASI` with `V-HOT` (2000) and `V-EGG` (5000): unit price 32000 without promotion.
fn nasi_hot_egg(quantity: i64) -> Value {
    json!({ "external_id": "NASI", "quantity": quantity,
            "variants": [ { "external_id": "V-HOT" }, { "external_id": "V-EGG" } ] })
}

/// One JSON-path edit for `mutated`: set (`Some`) or remove (`None`).
type Edit<'a> = (&'a str, Option<Value>);

fn kopi(quantity: i64) -> Value {
    json!({ "external_id": "KOPI", "quantity": quantity })
}

#[test]
fn date_helpers() {
    assert_eq!(date(0), "1970-01-01");
    assert_eq!(date(19_723), "2024-01-01");
    assert_eq!(date(19_782), "2024-02-29");
    assert_eq!(weekday(0), "thursday");
    assert_eq!(weekday(19_723), "monday");
    for n in (18_000..22_000).step_by(37) {
        let ms = epoch_ms(&format!("{}T00:00:00Z", date(n)));
        assert_eq!(ms, n * DAY * 1000, "date({n}) round trip");
    }
}

// ---------------------------------------------------------------------------------------------
// Idempotency
// ---------------------------------------------------------------------------------------------

async fn idempotent_replay(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let o = e.outlet();
    let body = with_days(
        with_window(
            promo("P1", 9000, &date(d + 1), &date(d + 2)),
            "10:00:00",
            "14:00:00",
        ),
        &["sunday", "monday"],
    );
    let key = new_key();
    let r1 = create(&app, &e.tok, o, Some(&key), &body).await;
    let (s, f) = results(&r1);
    assert!(f.is_empty() && s.len() == 1, "first create: {}", r1.text);
    assert_not_replayed(&r1, "first request");
    let id = s[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        s[0],
        json!({ "id": id, "external_menu_id": "P1", "errors": null })
    );

    // Same body with other key order and whitespace: replayed, nothing new.
    let raw = format!(
        r#"{{ "promo_detail": {{ "applicable_days": ["sunday","monday"], "end_time": "14:00:00",
              "start_time": "10:00:00", "end_date": "{}", "start_date": "{}",
              "selling_price": 9000, "external_menu_id": "P1" }},
            "promo_type": "sku_promo" }}"#,
        date(d + 2),
        date(d + 1)
    );
    let r2 = create_raw(&app, &e.tok, o, Some(&key), &raw).await;
    assert_eq!(r2.status, 200, "replay: {}", r2.text);
    assert_eq!(r2.json, r1.json, "the replay must be the stored response");
    assert_replayed(&r2, "same key, same body");
    let r3 = create(&app, &e.tok, o, Some(&key), &body).await;
    assert_eq!(r3.json, r1.json, "second replay");
    assert_replayed(&r3, "same key, same body again");
    assert_eq!(
        count(&app, &e.tok, o).await,
        1,
        "no new promotion on replay"
    );

    // Same key, different bodies: 409, nothing created, the key still replays.
    for other in [
        mutated(&body, &[("promo_detail.selling_price", Some(json!(8000)))]),
        mutated(&body, &[("promo_detail.applicable_days", None)]),
        json!([body.clone()]),
        promo("P2", 5000, &date(d + 1), &date(d + 2)),
    ] {
        let r = create(&app, &e.tok, o, Some(&key), &other).await;
        assert_error(&r, 409, "Conflict", KEY_REUSED);
    }
    assert_eq!(count(&app, &e.tok, o).await, 1, "409s create nothing");

    // The stored response is replayed even after the promotion is gone; nothing is recreated.
    let r = delete(&app, &e.tok, o, &id).await;
    assert_eq!(r.json, json!({ "success": true, "data": {} }), "{}", r.text);
    let r4 = create(&app, &e.tok, o, Some(&key), &body).await;
    assert_eq!(r4.status, 200, "{}", r4.text);
    assert_eq!(r4.json, r1.json, "replay after delete");
    assert_replayed(&r4, "replay after delete");
    assert_eq!(count(&app, &e.tok, o).await, 0, "replay must not recreate");

    // A 200 with only failures is stored too: replayed even once the item exists.
    let later = promo("LATER", 5000, &date(d + 1), &date(d + 2));
    let k2 = new_key();
    let r5 = create(&app, &e.tok, o, Some(&k2), &later).await;
    let (s, f) = results(&r5);
    assert!(s.is_empty() && f.len() == 1, "{}", r5.text);
    assert_eq!(f[0]["errors"], json!(NOT_ACTIVE));
    let mut cat = promo_catalog();
    cat["menus"][0]["menu_items"]
        .as_array_mut()
        .unwrap()
        .push(crate::support::catalog::item(
            "LATER",
            "Later item",
            10000,
            true,
        ));
    push_ok(&app, &e.tok, o, &cat).await;
    let r6 = create(&app, &e.tok, o, Some(&k2), &later).await;
    assert_eq!(r6.json, r5.json, "a stored failure is replayed");
    assert_replayed(&r6, "stored failure");
    assert_eq!(count(&app, &e.tok, o).await, 0);
    // A fresh key creates it now.
    create_one(&app, &e.tok, o, &later).await;
    assert_eq!(count(&app, &e.tok, o).await, 1);
}
both_dbs!(idempotent_replay);

async fn idempotency_concurrent(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let o = e.outlet().to_string();
    let body = promo("P1", 9000, &date(d + 1), &date(d + 3));
    let key = new_key();
    let url = app.url(&promos_path(&o));
    let mut handles = Vec::new();
    for _ in 0..50 {
        let (c, url, tok, key, body) = (
            app.client.clone(),
            url.clone(),
            e.tok.clone(),
            key.clone(),
            body.clone(),
        );
        handles.push(tokio::spawn(async move {
            let r = c
                .post(url)
                .bearer_auth(tok)
                .header(KEY, key)
                .json(&body)
                .send()
                .await
                .expect("send");
            Resp::read(r).await
        }));
    }
    let mut resps = Vec::new();
    for h in handles {
        resps.push(h.await.expect("task"));
    }
    for r in &resps {
        assert_eq!(r.status, 200, "concurrent identical request: {}", r.text);
        assert_eq!(
            r.json, resps[0].json,
            "every concurrent request answers the same body"
        );
    }
    let (s, f) = results(&resps[0]);
    assert!(f.is_empty() && s.len() == 1, "{}", resps[0].text);
    let fresh = resps
        .iter()
        .filter(|r| r.header(REPLAYED).as_deref() != Some("true"))
        .count();
    assert_eq!(fresh, 1, "exactly one request runs, the others replay it");
    let l = list_data(&app, &e.tok, &o, "").await;
    assert_eq!(l["total_count"], json!(1), "one promotion: {l}");
    assert_eq!(list_ids(&l), ids(&s));
}
both_dbs!(idempotency_concurrent);

async fn overlap_under_concurrency(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let o = e.outlet().to_string();
    let url = app.url(&promos_path(&o));
    // Concurrent requests with different keys on one item and period: the overlap rule holds.
    let body = promo("P1", 9000, &date(d + 1), &date(d + 3));
    let mut handles = Vec::new();
    for _ in 0..20 {
        let (c, url, tok, body) = (app.client.clone(), url.clone(), e.tok.clone(), body.clone());
        handles.push(tokio::spawn(async move {
            let r = c
                .post(url)
                .bearer_auth(tok)
                .header(KEY, new_key())
                .json(&body)
                .send()
                .await
                .expect("send");
            Resp::read(r).await
        }));
    }
    let mut successes = 0;
    for h in handles {
        let r = h.await.expect("task");
        let (s, f) = results(&r);
        successes += s.len();
        for x in f {
            assert_eq!(x["errors"], json!(OVERLAP), "{}", r.text);
        }
    }
    assert_eq!(successes, 1, "one of 20 overlapping promotions is created");
    assert_eq!(count(&app, &e.tok, &o).await, 1);
}
both_dbs!(overlap_under_concurrency);

async fn idempotency_key_header_and_400s(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let o = e.outlet();
    let good = promo("P1", 9000, &date(d + 1), &date(d + 1));

    // Missing or invalid key → 400 `X-Idempotency-Key: …`, nothing created.
    let long = "a".repeat(37);
    let bad_keys: Vec<Option<&str>> = vec![
        None,
        Some(""),
        Some(&long),
        Some("abc_def"),
        Some("abc.def"),
        Some("abc def"),
        Some("abc+def"),
        Some("abc/def"),
        Some("{abc}"),
    ];
    for k in bad_keys {
        let r = create(&app, &e.tok, o, k, &good).await;
        assert_error_title(&r, 400, "Bad Request");
        assert!(
            r.messages()
                .iter()
                .any(|m| m.starts_with("X-Idempotency-Key:")),
            "key {k:?}: message must start with `X-Idempotency-Key:`, got {:?}",
            r.messages()
        );
    }
    assert_eq!(count(&app, &e.tok, o).await, 0, "bad keys create nothing");

    // Valid keys: 1 character, 36 characters, a UUID with and without hyphens.
    let k36 = format!("{}-{}", "A".repeat(20), "9".repeat(15));
    assert_eq!(k36.len(), 36);
    let simple = uuid::Uuid::new_v4().simple().to_string();
    let valid = [
        "x".to_string(),
        k36,
        simple,
        new_key().to_uppercase(),
        new_key(),
    ];
    for (i, k) in valid.iter().enumerate() {
        let day = d + 2 + i as i64;
        let b = promo("P1", 9000, &date(day), &date(day));
        let r = create(&app, &e.tok, o, Some(k), &b).await;
        let (s, _) = results(&r);
        assert_eq!(s.len(), 1, "key {k:?}: {}", r.text);
    }
    assert_eq!(count(&app, &e.tok, o).await, valid.len() as u64);

    // A 400 is not stored: the same key works afterwards with a corrected body.
    let key = new_key();
    let bad = mutated(
        &good,
        &[("promo_detail.selling_price", Some(json!("9000")))],
    );
    for _ in 0..2 {
        let r = create(&app, &e.tok, o, Some(&key), &bad).await;
        assert_field_error(&r, "promo_detail.selling_price");
        assert_not_replayed(&r, "a 400");
    }
    let r = create(&app, &e.tok, o, Some(&key), &good).await;
    let (s, _) = results(&r);
    assert_eq!(
        s.len(),
        1,
        "corrected body with the key of a 400: {}",
        r.text
    );
    assert_not_replayed(&r, "first 200 after a 400");
    let again = create(&app, &e.tok, o, Some(&key), &good).await;
    assert_eq!(again.json, r.json);
    assert_replayed(&again, "the 200 is stored");
    // The bad body with that key is judged as a body first (spec §1.7: syntax before the
    // idempotency record), so it stays a 400 and changes nothing.
    let r = create(&app, &e.tok, o, Some(&key), &bad).await;
    assert_error(
        &r,
        400,
        "Bad Request",
        "promo_detail.selling_price: expected integer",
    );
    assert_eq!(count(&app, &e.tok, o).await, valid.len() as u64 + 1);

    // The vendor Accept a real client sends is fine.
    let r = app
        .send(
            app.request(Method::POST, &promos_path(o))
                .bearer_auth(&e.tok)
                .header(KEY, new_key())
                .header("accept", "application/vnd.eim.v1+json")
                .json(&promo("P2", 9000, &date(d + 1), &date(d + 1))),
        )
        .await;
    assert_eq!(results(&r).0.len(), 1, "{}", r.text);
}
both_dbs!(idempotency_key_header_and_400s);

async fn idempotency_scope(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let a = e.outlet().to_string();
    let b = second_outlet(&app, &e).await;
    let p1 = promo("P1", 9000, &date(d + 1), &date(d + 2));
    let p2 = promo("P2", 9000, &date(d + 1), &date(d + 2));
    let key = new_key();

    let r = create(&app, &e.tok, &a, Some(&key), &p1).await;
    let (s, _) = results(&r);
    assert_eq!(s.len(), 1, "{}", r.text);

    // Another client of the same partner: its own key space (a new attempt, not a replay).
    let (c2, s2) = promo_client(&app, &e.fx.partner_id).await;
    let tok2 = promo_token(&app, &c2, &s2).await;
    let r = create(&app, &tok2, &a, Some(&key), &p1).await;
    assert_not_replayed(&r, "same key from another client");
    let (s, f) = results(&r);
    assert!(s.is_empty() && f.len() == 1, "{}", r.text);
    assert_eq!(f[0]["errors"], json!(OVERLAP), "{}", r.text);
    // ...which it has now used itself.
    let r = create(&app, &tok2, &a, Some(&key), &p2).await;
    assert_error(&r, 409, "Conflict", KEY_REUSED);
    let r = create(&app, &tok2, &a, Some(&key), &p1).await;
    assert_replayed(&r, "client 2 replays its own response");
    assert_eq!(results(&r).1.len(), 1);

    // Another partner linked to the same outlet: independent too.
    let other = second_partner_on_outlet(&app, &e.fx).await;
    let (c3, s3) = promo_client(&app, &other.partner_id).await;
    let tok3 = promo_token(&app, &c3, &s3).await;
    let r = create(&app, &tok3, &a, Some(&key), &p2).await;
    assert_not_replayed(&r, "same key from another partner");
    assert_eq!(results(&r).0.len(), 1, "{}", r.text);

    // The same client on another outlet: independent.
    let r = create(&app, &e.tok, &b, Some(&key), &p2).await;
    assert_not_replayed(&r, "same key on another outlet");
    let (s, _) = results(&r);
    assert_eq!(s.len(), 1, "{}", r.text);
    let r = create(&app, &e.tok, &b, Some(&key), &p1).await;
    assert_error(&r, 409, "Conflict", KEY_REUSED);

    // Still bound on the first outlet for the first client.
    let r = create(&app, &e.tok, &a, Some(&key), &p2).await;
    assert_error(&r, 409, "Conflict", KEY_REUSED);
    assert_eq!(count(&app, &e.tok, &a).await, 2);
    assert_eq!(count(&app, &e.tok, &b).await, 1);
}
both_dbs!(idempotency_scope);

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/// One promotion field made invalid (edits on a valid promotion), with the field a 400
/// names.
fn syntax_error_cases() -> Vec<(&'static str, Vec<Edit<'static>>)> {
    let pd = "promo_detail";
    let sp = "promo_detail.selling_price";
    let sd = "promo_detail.start_date";
    let ed = "promo_detail.end_date";
    let st = "promo_detail.start_time";
    let et = "promo_detail.end_time";
    let ad = "promo_detail.applicable_days";
    let xm = "promo_detail.external_menu_id";
    vec![
        ("promo_type", vec![("promo_type", None)]),
        ("promo_type", vec![("promo_type", Some(json!("bundle")))]),
        ("promo_type", vec![("promo_type", Some(json!("SKU_PROMO")))]),
        ("promo_type", vec![("promo_type", Some(json!(1)))]),
        ("promo_type", vec![("promo_type", Some(Value::Null))]),
        (pd, vec![(pd, None)]),
        (pd, vec![(pd, Some(json!("x")))]),
        (pd, vec![(pd, Some(json!([])))]),
        (xm, vec![(xm, None)]),
        (xm, vec![(xm, Some(json!(12)))]),
        (xm, vec![(xm, Some(Value::Null))]),
        (sp, vec![(sp, None)]),
        (sp, vec![(sp, Some(json!("5000")))]),
        (sp, vec![(sp, Some(json!(5000.5)))]),
        (sp, vec![(sp, Some(Value::Null))]),
        (sp, vec![(sp, Some(json!(true)))]),
        (sd, vec![(sd, None)]),
        (sd, vec![(sd, Some(json!(20250101)))]),
        (sd, vec![(sd, Some(json!("2025/01/01")))]),
        (sd, vec![(sd, Some(json!("01-01-2025")))]),
        (sd, vec![(sd, Some(json!("2025-1-1")))]),
        (sd, vec![(sd, Some(json!("2025-13-01")))]),
        (sd, vec![(sd, Some(json!("2025-02-30")))]),
        (sd, vec![(sd, Some(json!("2025-01-01T00:00:00Z")))]),
        (sd, vec![(sd, Some(json!("")))]),
        (ed, vec![(ed, None)]),
        (ed, vec![(ed, Some(json!("tomorrow")))]),
        (ed, vec![(ed, Some(json!("2025-04-31")))]),
        (st, vec![(st, Some(json!("10:00")))]),
        (st, vec![(st, Some(json!("24:00:00")))]),
        (st, vec![(st, Some(json!("10:60:00")))]),
        (st, vec![(st, Some(json!("9:00:00")))]),
        (st, vec![(st, Some(json!(36000)))]),
        (et, vec![(et, Some(json!("12:00:60")))]),
        (et, vec![(et, Some(json!("noon")))]),
        (pd, vec![(st, None)]),
        (pd, vec![(et, None)]),
        (ad, vec![(ad, Some(json!(["funday"])))]),
        (ad, vec![(ad, Some(json!(["monday", "monday"])))]),
        (ad, vec![(ad, Some(json!(["Monday"])))]),
        (ad, vec![(ad, Some(json!("monday")))]),
        (ad, vec![(ad, Some(json!([1])))]),
    ]
}

async fn syntax_errors_are_400(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let o = e.outlet();
    let base = with_window(
        promo("P1", 5000, &date(d + 1), &date(d + 2)),
        "10:00:00",
        "12:00:00",
    );
    let cases = syntax_error_cases();
    let sp = "promo_detail.selling_price";
    let sd = "promo_detail.start_date";
    for (path, edits) in &cases {
        let body = mutated(&base, edits);
        let r = create(&app, &e.tok, o, Some(&new_key()), &body).await;
        assert_field_error(&r, path);
        for m in r.messages() {
            assert!(
                !m.starts_with('['),
                "a single object has no `[i].` prefix: {m} for {body}"
            );
        }
    }

    // Arrays: `[i].` prefix, and the whole request fails.
    let good = promo("P2", 5000, &date(d + 1), &date(d + 2));
    let r = create(
        &app,
        &e.tok,
        o,
        Some(&new_key()),
        &json!([good.clone(), mutated(&base, &[(sp, Some(json!("x")))])]),
    )
    .await;
    assert_field_error(&r, "[1].promo_detail.selling_price");
    let r = create(
        &app,
        &e.tok,
        o,
        Some(&new_key()),
        &json!([
            mutated(&base, &[("promo_type", Some(json!("voucher")))]),
            good.clone()
        ]),
    )
    .await;
    assert_field_error(&r, "[0].promo_type");
    let r = create(
        &app,
        &e.tok,
        o,
        Some(&new_key()),
        &json!([
            good.clone(),
            good.clone(),
            mutated(&base, &[(sd, Some(json!("2025-1-01")))])
        ]),
    )
    .await;
    assert_field_error(&r, "[2].promo_detail.start_date");
    let r = create(&app, &e.tok, o, Some(&new_key()), &json!([good.clone(), 5])).await;
    assert_error_title(&r, 400, "Bad Request");

    // One error object per violation.
    let r = create(
        &app,
        &e.tok,
        o,
        Some(&new_key()),
        &mutated(&base, &[(sp, Some(json!("x"))), (sd, Some(json!("bad")))]),
    )
    .await;
    assert_field_error(&r, sp);
    assert_field_error(&r, sd);

    // Empty array, more than 50, not an object or array, malformed JSON.
    let r = create(&app, &e.tok, o, Some(&new_key()), &json!([])).await;
    assert_error_title(&r, 400, "Bad Request");
    let many: Vec<Value> = (0..51)
        .map(|i| promo("P3", 5000, &date(d + 1 + i), &date(d + 1 + i)))
        .collect();
    let r = create(&app, &e.tok, o, Some(&new_key()), &json!(many)).await;
    assert_error_title(&r, 400, "Bad Request");
    for b in [json!("promo"), json!(5), Value::Null] {
        let r = create(&app, &e.tok, o, Some(&new_key()), &b).await;
        assert_error_title(&r, 400, "Bad Request");
    }
    let r = create_raw(&app, &e.tok, o, Some(&new_key()), "{\"promo_type\": ").await;
    assert_error_title(&r, 400, "Bad Request");

    // Nothing was created by any of them.
    assert_eq!(count(&app, &e.tok, o).await, 0, "400s create nothing");

    // The base and the 50-element array are valid.
    create_one(&app, &e.tok, o, &base).await;
    let r = create(&app, &e.tok, o, Some(&new_key()), &json!(many[..50])).await;
    let (s, f) = results(&r);
    assert!(s.len() == 50 && f.is_empty(), "50 promotions: {}", r.text);
    assert_eq!(count(&app, &e.tok, o).await, 51);
}
both_dbs!(syntax_errors_are_400);

async fn business_rule_failures(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let o = e.outlet();
    let tok = &e.tok;
    let (d1, d2) = (date(d + 1), date(d + 2));

    create_fails(&app, tok, o, &promo("NOPE", 5000, &d1, &d2), NOT_ACTIVE).await;
    create_fails(&app, tok, o, &promo("SATE", 1000, &d1, &d2), NOT_ACTIVE).await;
    create_fails(&app, tok, o, &promo("P1", 0, &d1, &d2), PRICE_MIN).await;
    create_fails(&app, tok, o, &promo("P1", -100, &d1, &d2), PRICE_MIN).await;
    // P1 costs 10000: at most 9000.
    for p in [9001, 9999, 10000, 12000] {
        create_fails(&app, tok, o, &promo("P1", p, &d1, &d2), PRICE_10).await;
    }
    // NASI costs 25000: at most 22500.
    create_fails(&app, tok, o, &promo("NASI", 22501, &d1, &d2), PRICE_10).await;
    create_fails(
        &app,
        tok,
        o,
        &promo("P1", 5000, &date(d - 1), &d2),
        START_PAST,
    )
    .await;
    create_fails(
        &app,
        tok,
        o,
        &promo("P1", 5000, &date(d - 30), &date(d - 20)),
        START_PAST,
    )
    .await;
    create_fails(&app, tok, o, &promo("P1", 5000, &d2, &d1), END_BEFORE).await;
    create_fails(
        &app,
        tok,
        o,
        &promo("P1", 5000, &d1, &date(d + 92)),
        TOO_LONG,
    )
    .await;
    for (s, t) in [("16:00:00", "14:00:00"), ("14:00:00", "14:00:00")] {
        create_fails(
            &app,
            tok,
            o,
            &with_window(promo("P1", 5000, &d1, &d2), s, t),
            TIME_ORDER,
        )
        .await;
    }
    assert_eq!(count(&app, tok, o).await, 0, "failures create nothing");

    // The boundaries are accepted.
    let today = create_one(&app, tok, o, &promo("P1", 9000, &date(d), &date(d))).await;
    assert_eq!(status(&app, tok, o, &today).await, "active");
    create_one(&app, tok, o, &promo("NASI", 22500, &d1, &d1)).await;
    create_one(&app, tok, o, &promo("P2", 1, &d1, &d2)).await;
    create_one(&app, tok, o, &promo("P3", 5000, &d1, &date(d + 91))).await;
    create_one(&app, tok, o, &promo("P4", 5000, &d1, &d1)).await;
    create_one(
        &app,
        tok,
        o,
        &with_window(promo("P5", 5000, &d1, &d1), "00:00:00", "23:59:59"),
    )
    .await;
    create_one(
        &app,
        tok,
        o,
        &with_days(
            with_window(promo("P6", 5000, &d1, &d1), "14:00:00", "14:00:01"),
            &[
                "sunday",
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
            ],
        ),
    )
    .await;
    assert_eq!(count(&app, tok, o).await, 7);
}
both_dbs!(business_rule_failures);

async fn overlap_rules(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let o = e.outlet();
    let tok = &e.tok;
    let dd = |n: i64| date(d + n);

    let a = create_one(&app, tok, o, &promo("P1", 9000, &dd(1), &dd(5))).await;
    for (s, t) in [(5, 6), (0, 1), (2, 3), (0, 10), (1, 5)] {
        create_fails(&app, tok, o, &promo("P1", 8000, &dd(s), &dd(t)), OVERLAP).await;
    }
    // Adjacent periods and other items are fine; a daily window does not matter.
    let c = create_one(&app, tok, o, &promo("P1", 9000, &dd(6), &dd(7))).await;
    create_one(&app, tok, o, &promo("P2", 9000, &dd(1), &dd(5))).await;
    create_fails(
        &app,
        tok,
        o,
        &with_window(promo("P2", 9000, &dd(3), &dd(3)), "01:00:00", "02:00:00"),
        OVERLAP,
    )
    .await;

    // Within one request: an earlier success blocks a later entry; a failed one does not.
    let r = create(
        &app,
        tok,
        o,
        Some(&new_key()),
        &json!([
            promo("P3", 9000, &dd(1), &dd(2)),
            promo("P3", 9000, &dd(2), &dd(3)),
            promo("P3", 9000, &dd(3), &dd(4)),
            promo("P4", 99999, &dd(1), &dd(2)),
            promo("P4", 9000, &dd(1), &dd(2)),
        ]),
    )
    .await;
    let (s, f) = results(&r);
    assert_eq!(s.len(), 3, "{}", r.text);
    assert_eq!(
        f,
        vec![
            json!({ "id": null, "external_menu_id": "P3", "errors": OVERLAP }),
            json!({ "id": null, "external_menu_id": "P4", "errors": PRICE_10 }),
        ],
        "{}",
        r.text
    );
    let xs: Vec<&str> = s
        .iter()
        .map(|x| x["external_menu_id"].as_str().unwrap())
        .collect();
    assert_eq!(xs, vec!["P3", "P3", "P4"], "success[] in request order");
    let p3 = detail(&app, tok, o, s[1]["id"].as_str().unwrap()).await;
    assert_eq!(
        p3["promo_detail"]["start_date"],
        json!(dd(3)),
        "the third entry was created"
    );

    // Inactive and deleted promotions do not block.
    let r = deactivate(&app, tok, o, &a).await;
    assert_eq!(r.status, 200, "{}", r.text);
    create_one(&app, tok, o, &promo("P1", 9000, &dd(2), &dd(3))).await;
    let r = delete(&app, tok, o, &c).await;
    assert_eq!(r.status, 200, "{}", r.text);
    create_one(&app, tok, o, &promo("P1", 9000, &dd(7), &dd(8))).await;

    // An active promotion blocks like a created one.
    let now = create_one(&app, tok, o, &promo("P5", 9000, &dd(0), &dd(2))).await;
    assert_eq!(status(&app, tok, o, &now).await, "active");
    create_fails(&app, tok, o, &promo("P5", 9000, &dd(2), &dd(4)), OVERLAP).await;
    create_one(&app, tok, o, &promo("P5", 9000, &dd(3), &dd(4))).await;
}
both_dbs!(overlap_rules);

async fn mixed_request(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let o = e.outlet();
    let tok = &e.tok;
    let (d1, d2) = (date(d + 1), date(d + 2));
    let entries = vec![
        promo("P1", 9000, &d1, &d2),
        promo("NOPE", 9000, &d1, &d2),
        with_window(promo("P2", 5000, &d1, &d2), "18:00:00", "21:00:00"),
        promo("P3", 0, &d1, &d2),
        promo("P4", 5000, &date(d - 1), &d2),
        with_days(promo("NASI", 20000, &d1, &d1), &["friday"]),
        promo("P5", 5000, &d2, &d1),
        promo("P6", 5000, &d1, &date(d + 100)),
        with_window(promo("P7", 5000, &d1, &d2), "21:00:00", "18:00:00"),
        promo("P1", 8000, &d2, &d2),
        promo("SATE", 1000, &d1, &d2),
        promo("P8", 9500, &d1, &d2),
    ];
    let r = create(&app, tok, o, Some(&new_key()), &json!(entries)).await;
    let (s, f) = results(&r);
    let sx: Vec<&str> = s
        .iter()
        .map(|x| x["external_menu_id"].as_str().unwrap())
        .collect();
    assert_eq!(sx, vec!["P1", "P2", "NASI"], "success[]: {}", r.text);
    let fx: Vec<(String, String)> = f
        .iter()
        .map(|x| {
            (
                x["external_menu_id"].as_str().unwrap().to_string(),
                x["errors"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("NOPE", NOT_ACTIVE),
        ("P3", PRICE_MIN),
        ("P4", START_PAST),
        ("P5", END_BEFORE),
        ("P6", TOO_LONG),
        ("P7", TIME_ORDER),
        ("P1", OVERLAP),
        ("SATE", NOT_ACTIVE),
        ("P8", PRICE_10),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(fx, want, "failure[] in request order: {}", r.text);
    assert_eq!(s.len() + f.len(), entries.len());
    for (x, want) in s.iter().zip([&entries[0], &entries[2], &entries[5]]) {
        let p = detail(&app, tok, o, x["id"].as_str().unwrap()).await;
        assert_eq!(p["promo_detail"], expected_detail(want), "stored entry");
        assert_eq!(p["status"], json!("created"));
    }
    assert_eq!(count(&app, tok, o).await, 3);
    // A one-element array answers like the object.
    let r = create(
        &app,
        tok,
        o,
        Some(&new_key()),
        &json!([promo("P9", 9000, &d1, &d1)]),
    )
    .await;
    let (s, f) = results(&r);
    assert!(s.len() == 1 && f.is_empty(), "{}", r.text);
}
both_dbs!(mixed_request);

// ---------------------------------------------------------------------------------------------
// Reads, deactivate, delete
// ---------------------------------------------------------------------------------------------

async fn list_paging(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let o = e.outlet();
    let tok = &e.tok;

    let empty = list_data(&app, tok, o, "").await;
    assert_eq!(
        empty,
        json!({ "promotions": [], "total_count": 0, "limit": 20, "page": 1 })
    );

    let bulk: Vec<Value> = (0..50)
        .map(|i| promo("P1", 9000, &date(d + 1 + i), &date(d + 1 + i)))
        .collect();
    let r = create(&app, tok, o, Some(&new_key()), &json!(bulk)).await;
    let (s, _) = results(&r);
    assert_eq!(s.len(), 50, "{}", r.text);
    let bulk_ids: HashSet<String> = ids(&s).into_iter().collect();
    // Three more, one second apart: newest first.
    let mut later = Vec::new();
    for (i, x) in ["P2", "P3", "P4"].iter().enumerate() {
        app.advance_clock(2).await;
        let id = create_one(&app, tok, o, &promo(x, 9000, &date(d), &date(d + 1))).await;
        later.push((id, x.to_string(), i));
    }
    let newest: Vec<String> = later.iter().rev().map(|l| l.0.clone()).collect();

    let p1 = list_data(&app, tok, o, "?limit=2&page=1").await;
    assert_eq!(p1["total_count"], json!(53));
    assert_eq!(p1["limit"], json!(2));
    assert_eq!(p1["page"], json!(1));
    assert_eq!(list_ids(&p1), newest[..2].to_vec(), "newest first");
    let p2 = list_data(&app, tok, o, "?limit=2&page=2").await;
    assert_eq!(p2["page"], json!(2));
    let p2ids = list_ids(&p2);
    assert_eq!(p2ids.len(), 2);
    assert_eq!(p2ids[0], newest[2]);
    assert!(bulk_ids.contains(&p2ids[1]));
    // The entries carry dates, status and item.
    let first = &p1["promotions"][0];
    assert_eq!(
        *first,
        json!({ "id": newest[0], "start_date": date(d), "end_date": date(d + 1),
                "status": "active", "external_menu_id": "P4" })
    );

    let def = list_data(&app, tok, o, "").await;
    assert_eq!(def["limit"], json!(20));
    assert_eq!(def["page"], json!(1));
    assert_eq!(def["total_count"], json!(53));
    assert_eq!(def["promotions"].as_array().unwrap().len(), 20);

    let all = list_data(&app, tok, o, "?limit=100").await;
    let all_ids = list_ids(&all);
    assert_eq!(all_ids.len(), 53);
    assert_eq!(all_ids[..3].to_vec(), newest);
    assert_eq!(
        all_ids[3..].iter().cloned().collect::<HashSet<_>>(),
        bulk_ids
    );
    for p in all["promotions"].as_array().unwrap()[3..].iter() {
        assert_eq!(p["status"], json!("created"));
        assert_eq!(p["external_menu_id"], json!("P1"));
        assert_eq!(p["start_date"], p["end_date"]);
    }
    // Pages partition the list.
    let mut paged = Vec::new();
    for page in 1..=3 {
        let p = list_data(&app, tok, o, &format!("?limit=20&page={page}")).await;
        paged.extend(list_ids(&p));
    }
    assert_eq!(paged, all_ids, "pages of 20 cover the list in order");
    let last = list_data(&app, tok, o, "?limit=20&page=3").await;
    assert_eq!(last["promotions"].as_array().unwrap().len(), 13);
    let past = list_data(&app, tok, o, "?limit=20&page=4").await;
    assert_eq!(past["promotions"], json!([]));
    assert_eq!(past["total_count"], json!(53));
    let one = list_data(&app, tok, o, "?page=1&limit=1").await;
    assert_eq!(list_ids(&one), vec![newest[0].clone()]);

    // Bad parameters.
    for q in [
        "?limit=0",
        "?limit=101",
        "?limit=-1",
        "?limit=abc",
        "?limit=2.5",
        "?limit=",
        "?page=0",
        "?page=-1",
        "?page=x",
        "?page=1.0",
    ] {
        let r = list(&app, tok, o, q).await;
        let field = if q.contains("limit") { "limit" } else { "page" };
        assert_field_error(&r, field);
    }

    // Deleting shrinks the count; deactivated ones stay listed as inactive.
    let r = delete(&app, tok, o, &newest[0]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = deactivate(&app, tok, o, &newest[1]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let p = list_data(&app, tok, o, "?limit=1").await;
    assert_eq!(p["total_count"], json!(52));
    assert_eq!(p["promotions"][0]["id"], json!(newest[1]));
    assert_eq!(p["promotions"][0]["status"], json!("inactive"));
}
both_dbs!(list_paging);

async fn detail_shape(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let o = e.outlet();
    let tok = &e.tok;
    let full = with_days(
        with_window(
            promo("P1", 2500, &date(d + 1), &date(d + 4)),
            "14:00:00",
            "16:00:00",
        ),
        &["sunday", "monday"],
    );
    let minimal = promo("P2", 9000, &date(d), &date(d));
    let fid = create_one(&app, tok, o, &full).await;
    let mid = create_one(&app, tok, o, &minimal).await;
    let now = crate::support::orders::clock_now_ms(&app).await;

    let p = detail(&app, tok, o, &fid).await;
    assert_eq!(p["status"], json!("created"));
    assert_eq!(p["start_date"], json!(date(d + 1)));
    assert_eq!(p["end_date"], json!(date(d + 4)));
    assert_eq!(
        p["promo_detail"],
        json!({ "start_date": date(d + 1), "end_date": date(d + 4), "start_time": "14:00:00",
                "end_time": "16:00:00", "selling_price": 2500, "external_menu_id": "P1",
                "applicable_days": ["sunday", "monday"] })
    );
    assert_eq!(p["created_at"], p["updated_at"], "never updated");
    let created = ms_of(&p["created_at"]);
    assert!(
        (created - now).abs() < 60_000,
        "created_at comes from the (advanced) server clock: {} vs now {now}",
        p["created_at"]
    );

    let m = detail(&app, tok, o, &mid).await;
    assert_eq!(m["status"], json!("active"));
    assert_eq!(
        m["promo_detail"],
        json!({ "start_date": date(d), "end_date": date(d), "start_time": null,
                "end_time": null, "selling_price": 9000, "external_menu_id": "P2",
                "applicable_days": null }),
        "absent optional fields are null"
    );

    // The list agrees with the details.
    let l = list_data(&app, tok, o, "").await;
    for (id, p) in [(&fid, &p), (&mid, &m)] {
        let entry = l["promotions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == json!(id))
            .unwrap_or_else(|| panic!("{id} listed: {l}"))
            .clone();
        for k in ["start_date", "end_date", "status"] {
            assert_eq!(entry[k], p[k], "list {k} of {id}");
        }
        assert_eq!(
            entry["external_menu_id"],
            p["promo_detail"]["external_menu_id"]
        );
    }

    // updated_at moves on deactivation; created_at does not.
    app.advance_clock(120).await;
    let r = deactivate(&app, tok, o, &fid).await;
    assert_eq!(r.json, json!({ "success": true, "data": {} }), "{}", r.text);
    let q = detail(&app, tok, o, &fid).await;
    assert_eq!(q["status"], json!("inactive"));
    assert_eq!(q["created_at"], p["created_at"]);
    assert!(
        ms_of(&q["updated_at"]) >= created + 120_000,
        "updated_at after deactivation: {q}"
    );
    assert_eq!(q["promo_detail"], p["promo_detail"]);

    // Unknown ids.
    let unknown = new_key();
    let r = get_promo(&app, tok, o, &unknown).await;
    assert_promo_not_found(&r, &unknown);
    let r = get_promo(&app, tok, o, "not-a-promotion").await;
    assert_promo_not_found(&r, "not-a-promotion");
}
both_dbs!(detail_shape);

async fn deactivate_rules(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let o = e.outlet();
    let tok = &e.tok;
    let created = create_one(&app, tok, o, &promo("P1", 9000, &date(d + 1), &date(d + 2))).await;
    let active = create_one(&app, tok, o, &promo("P2", 9000, &date(d), &date(d + 1))).await;
    let expiring = create_one(&app, tok, o, &promo("P3", 9000, &date(d), &date(d))).await;
    assert_eq!(status(&app, tok, o, &created).await, "created");
    assert_eq!(status(&app, tok, o, &active).await, "active");

    for id in [&created, &active] {
        let r = deactivate(&app, tok, o, id).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json, json!({ "success": true, "data": {} }));
        assert_eq!(status(&app, tok, o, id).await, "inactive");
        let r = deactivate(&app, tok, o, id).await;
        assert_error(
            &r,
            409,
            "Conflict",
            &format!("Promotion {id} cannot be deactivated in status inactive"),
        );
    }

    goto(&app, d + 1, hms(0, 0, 30)).await;
    let tok = &retoken(&app, &e).await;
    assert_eq!(status(&app, tok, o, &expiring).await, "expired");
    let r = deactivate(&app, tok, o, &expiring).await;
    assert_error(
        &r,
        409,
        "Conflict",
        &format!("Promotion {expiring} cannot be deactivated in status expired"),
    );
    assert_eq!(status(&app, tok, o, &expiring).await, "expired");
    // Inactive stays inactive whatever the dates.
    assert_eq!(status(&app, tok, o, &created).await, "inactive");

    let unknown = new_key();
    let r = deactivate(&app, tok, o, &unknown).await;
    assert_promo_not_found(&r, &unknown);
    // The wrong method on the deactivate route.
    let id = create_one(&app, tok, o, &promo("P4", 9000, &date(d + 2), &date(d + 2))).await;
    let r = app
        .api_send(Method::POST, &deactivate_path(o, &id), tok, None)
        .await;
    assert_eq!(r.status, 405, "{}", r.text);
}
both_dbs!(deactivate_rules);

async fn delete_then_404(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let o = e.outlet();
    let tok = &e.tok;
    let created = create_one(&app, tok, o, &promo("P1", 9000, &date(d + 1), &date(d + 2))).await;
    let active = create_one(&app, tok, o, &promo("P2", 9000, &date(d), &date(d + 1))).await;
    let inactive = create_one(&app, tok, o, &promo("P3", 9000, &date(d), &date(d + 1))).await;
    let expired = create_one(&app, tok, o, &promo("P4", 9000, &date(d), &date(d))).await;
    let kept = create_one(&app, tok, o, &promo("P5", 9000, &date(d), &date(d + 5))).await;
    assert_eq!(deactivate(&app, tok, o, &inactive).await.status, 200);
    goto(&app, d + 1, hms(0, 0, 30)).await;
    let tok = &retoken(&app, &e).await;
    assert_eq!(status(&app, tok, o, &expired).await, "expired");

    for id in [&created, &active, &inactive, &expired] {
        let r = delete(&app, tok, o, id).await;
        assert_eq!(r.status, 200, "delete {id}: {}", r.text);
        assert_eq!(r.json, json!({ "success": true, "data": {} }));
        assert_promo_not_found(&get_promo(&app, tok, o, id).await, id);
        assert_promo_not_found(&delete(&app, tok, o, id).await, id);
        assert_promo_not_found(&deactivate(&app, tok, o, id).await, id);
    }
    let l = list_data(&app, tok, o, "").await;
    assert_eq!(l["total_count"], json!(1));
    assert_eq!(list_ids(&l), vec![kept]);
    let unknown = new_key();
    assert_promo_not_found(&delete(&app, tok, o, &unknown).await, &unknown);
}
both_dbs!(delete_then_404);

// ---------------------------------------------------------------------------------------------
// Status over time
// ---------------------------------------------------------------------------------------------

/// Asserts the status of each of `ids` in its detail and in the list.
async fn check_statuses(
    app: &TestApp,
    tok: &str,
    o: &str,
    ids: [&str; 3],
    want: [&str; 3],
    when: &str,
) {
    let l = list_data(app, tok, o, "").await;
    for (id, w) in ids.into_iter().zip(want) {
        assert_eq!(status(app, tok, o, id).await, w, "{when}: detail of {id}");
        let listed = l["promotions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == json!(id))
            .map(|p| p["status"].clone())
            .unwrap_or(Value::Null);
        assert_eq!(listed, json!(w), "{when}: list entry of {id}");
    }
}

async fn status_transitions(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let o = e.outlet();
    let tok = &e.tok;
    let x = create_one(&app, tok, o, &promo("P1", 9000, &date(d + 1), &date(d + 2))).await;
    let y = create_one(&app, tok, o, &promo("P2", 9000, &date(d + 1), &date(d + 1))).await;
    let z = create_one(&app, tok, o, &promo("P3", 9000, &date(d), &date(d))).await;
    assert_eq!(deactivate(&app, tok, o, &y).await.status, 200);

    let ids = [x.as_str(), y.as_str(), z.as_str()];

    check_statuses(
        &app,
        tok,
        o,
        ids,
        ["created", "inactive", "active"],
        "day 0 noon",
    )
    .await;
    goto(&app, d, hms(23, 59, 0)).await;
    let tok = &retoken(&app, &e).await;
    check_statuses(
        &app,
        tok,
        o,
        ids,
        ["created", "inactive", "active"],
        "day 0 23:59",
    )
    .await;
    goto(&app, d + 1, hms(0, 0, 30)).await;
    let tok = &retoken(&app, &e).await;
    check_statuses(
        &app,
        tok,
        o,
        ids,
        ["active", "inactive", "expired"],
        "day 1 00:00",
    )
    .await;
    goto(&app, d + 2, hms(23, 59, 0)).await;
    let tok = &retoken(&app, &e).await;
    check_statuses(
        &app,
        tok,
        o,
        ids,
        ["active", "inactive", "expired"],
        "day 2 23:59",
    )
    .await;
    goto(&app, d + 3, hms(0, 0, 30)).await;
    let tok = &retoken(&app, &e).await;
    check_statuses(
        &app,
        tok,
        o,
        ids,
        ["expired", "inactive", "expired"],
        "day 3 00:00",
    )
    .await;
    let r = deactivate(&app, tok, o, &x).await;
    assert_error(
        &r,
        409,
        "Conflict",
        &format!("Promotion {x} cannot be deactivated in status expired"),
    );
}
both_dbs!(status_transitions);

// ---------------------------------------------------------------------------------------------
// Orders
// ---------------------------------------------------------------------------------------------

async fn orders_priced_by_promotion_period(app: TestApp) {
    let d = goto_noon(&app).await;
    let mut e = penv(&app).await;
    let o = e.outlet().to_string();
    let rx = Receiver::start().await;
    subscribe_all(&app, &e.tok, &rx.url(HOOK)).await;
    let id = create_one(
        &app,
        &e.tok,
        &o,
        &promo("NASI", 20000, &date(d + 1), &date(d + 2)),
    )
    .await;
    let order = || json!({ "items": [ nasi_hot_egg(2), teh(1) ] });

    // Before: catalog prices, no promotion (shape helpers assert `[]` / null).
    let before = place_ok(&app, &o, order()).await;
    assert_eq!(
        prices(&before),
        vec![("NASI".to_string(), 32000), ("TEH".to_string(), 8000)]
    );
    assert_eq!(total(&before), 72000);
    let n0 = num(&before);
    let h0 = wait_hooks(&rx, HOOK, &n0, 2).await;
    for h in &h0 {
        assert_hook_matches(h, &before, &e.fx, &e.fx.external_outlet_id);
    }

    // During: the first second of the start date...
    goto(&app, d + 1, hms(0, 0, 30)).await;
    e.tok = retoken(&app, &e).await;
    assert_eq!(status(&app, &e.tok, &o, &id).await, "active");
    let during = place_any(&app, &o, order()).await;
    assert_eq!(
        prices(&during),
        vec![("NASI".to_string(), 27000), ("TEH".to_string(), 8000)],
        "selling_price + variants: {during}"
    );
    assert_eq!(total(&during), 62000);
    assert_promos(&during, &[(id.as_str(), "NASI", 25000, 20000)]);
    let n1 = num(&during);
    let again = get_order_any(&app, &n1).await;
    assert_promos(&again, &[(id.as_str(), "NASI", 25000, 20000)]);
    let h1 = wait_hooks(&rx, HOOK, &n1, 2).await;
    for h in &h1 {
        assert_hook_is_view(h, &during, &e.fx);
        assert_promos(h.body(), &[(id.as_str(), "NASI", 25000, 20000)]);
        assert_eq!(h.body()["order"]["order_total"], json!(62000));
    }

    // ...and the last minute of the end date.
    goto(&app, d + 2, hms(23, 59, 0)).await;
    e.tok = retoken(&app, &e).await;
    let late = place_any(
        &app,
        &o,
        json!({ "order_type": "pickup", "items": [ nasi(1) ] }),
    )
    .await;
    assert_eq!(prices(&late), vec![("NASI".to_string(), 20000)]);
    assert_promos(&late, &[(id.as_str(), "NASI", 25000, 20000)]);

    // After: back to the catalog price.
    goto(&app, d + 3, hms(0, 0, 30)).await;
    e.tok = retoken(&app, &e).await;
    assert_eq!(status(&app, &e.tok, &o, &id).await, "expired");
    let after = place_ok(&app, &o, order()).await;
    assert_eq!(total(&after), 72000);
    let n2 = num(&after);
    for h in &wait_hooks(&rx, HOOK, &n2, 2).await {
        assert_hook_matches(h, &after, &e.fx, &e.fx.external_outlet_id);
    }
}
both_dbs!(orders_priced_by_promotion_period);

async fn orders_daily_window_and_days(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let o = e.outlet().to_string();
    let tok = &e.tok;
    let (d1, d2) = (d + 1, d + 2);
    let n = create_one(
        &app,
        tok,
        &o,
        &with_days(
            with_window(
                promo("NASI", 20000, &date(d1), &date(d2)),
                "10:00:00",
                "12:00:00",
            ),
            &[weekday(d2)],
        ),
    )
    .await;
    let k = create_one(
        &app,
        tok,
        &o,
        &with_window(
            promo("KOPI", 9000, &date(d1), &date(d2)),
            "10:00:00",
            "12:00:00",
        ),
    )
    .await;
    let order = || json!({ "items": [ nasi_hot_egg(1), kopi(2) ] });
    let both: [Applied; 2] = [
        (n.as_str(), "NASI", 25000, 20000),
        (k.as_str(), "KOPI", 10000, 9000),
    ];

    // Day 1, inside the window: KOPI (every day) yes, NASI (only on day 2's weekday) no.
    goto(&app, d1, hms(11, 0, 0)).await;
    let tok = &retoken(&app, &e).await;
    assert_eq!(status(&app, tok, &o, &n).await, "active");
    let v = place_any(&app, &o, order()).await;
    assert_promos(&v, &both[1..]);
    assert_eq!(
        prices(&v),
        vec![("NASI".to_string(), 32000), ("KOPI".to_string(), 9000)]
    );
    assert_eq!(total(&v), 32000 + 18000);

    // Day 2 before the window: neither.
    goto(&app, d2, hms(9, 59, 0)).await;
    let v = place_any(&app, &o, order()).await;
    assert_promos(&v, &[]);
    assert_eq!(total(&v), 32000 + 20000);

    // Inside the window: both, from its start to its last minute.
    for t in [hms(10, 0, 30), hms(11, 59, 0)] {
        goto(&app, d2, t).await;
        let v = place_any(&app, &o, order()).await;
        assert_promos(&v, &both);
        assert_eq!(
            prices(&v),
            vec![("NASI".to_string(), 27000), ("KOPI".to_string(), 9000)]
        );
        assert_eq!(total(&v), 27000 + 18000);
    }

    // The end time is exclusive: after it, neither.
    goto(&app, d2, hms(12, 0, 30)).await;
    let tok = &retoken(&app, &e).await;
    assert_eq!(status(&app, tok, &o, &n).await, "active");
    let v = place_any(&app, &o, order()).await;
    assert_promos(&v, &[]);
    assert_eq!(total(&v), 32000 + 20000);
}
both_dbs!(orders_daily_window_and_days);

async fn orders_after_deactivate_and_delete(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let o = e.outlet().to_string();
    let tok = &e.tok;
    let n = create_one(&app, tok, &o, &promo("NASI", 20000, &date(d), &date(d + 1))).await;
    let k = create_one(&app, tok, &o, &promo("KOPI", 5000, &date(d), &date(d + 1))).await;
    let order = || json!({ "items": [ kopi(1), nasi(3) ] });
    let v = place_any(&app, &o, order()).await;
    assert_promos(
        &v,
        &[
            (n.as_str(), "NASI", 25000, 20000),
            (k.as_str(), "KOPI", 10000, 5000),
        ],
    );
    assert_eq!(
        prices(&v),
        vec![("KOPI".to_string(), 5000), ("NASI".to_string(), 20000)]
    );
    assert_eq!(total(&v), 5000 + 60000);
    // A promotion of another outlet does not apply here.
    let b = second_outlet(&app, &e).await;
    let v = place_ok(&app, &b, order()).await;
    assert_eq!(total(&v), 10000 + 75000);

    assert_eq!(deactivate(&app, tok, &o, &n).await.status, 200);
    let v = place_any(&app, &o, order()).await;
    assert_promos(&v, &[(k.as_str(), "KOPI", 10000, 5000)]);
    assert_eq!(total(&v), 5000 + 75000);
    assert_eq!(delete(&app, tok, &o, &k).await.status, 200);
    let v = place_ok(&app, &o, order()).await;
    assert_eq!(total(&v), 10000 + 75000);
}
both_dbs!(orders_after_deactivate_and_delete);

// ---------------------------------------------------------------------------------------------
// Access
// ---------------------------------------------------------------------------------------------

async fn wrong_scope_and_no_token(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let o = e.outlet().to_string();
    let body = promo("P1", 9000, &date(d + 1), &date(d + 1));
    let existing = create_one(&app, &e.tok, &o, &body).await;
    let fixture_tok = app.fixture_token(&e.fx).await;
    let read_only = app
        .access_token(
            &e.client_id,
            &e.client_secret,
            &format!("{READ} gofood:catalog:read"),
        )
        .await;
    let write_only = app
        .access_token(&e.client_id, &e.client_secret, WRITE)
        .await;

    let forbidden = |r: &Resp, scope: &str| {
        assert_error(
            r,
            403,
            "Forbidden",
            &format!("Missing required scope: {scope}"),
        );
        let h = r.header("www-authenticate").unwrap_or_default();
        assert!(
            h.contains("insufficient_scope") && h.contains(scope),
            "WWW-Authenticate on a missing scope: {h:?}"
        );
    };
    let writes = |tok: String, outlet: String| {
        let app = &app;
        let (body, existing) = (body.clone(), existing.clone());
        async move {
            vec![
                create(app, &tok, &outlet, Some(&new_key()), &body).await,
                create(app, &tok, &outlet, None, &body).await,
                deactivate(app, &tok, &outlet, &existing).await,
                delete(app, &tok, &outlet, &existing).await,
            ]
        }
    };
    let reads = |tok: String, outlet: String| {
        let app = &app;
        let existing = existing.clone();
        async move {
            vec![
                list(app, &tok, &outlet, "").await,
                get_promo(app, &tok, &outlet, &existing).await,
            ]
        }
    };

    for tok in [&fixture_tok, &read_only] {
        for r in writes(tok.clone(), o.clone()).await {
            forbidden(&r, WRITE);
        }
        // Scope is checked before the outlet.
        for r in writes(tok.clone(), "G999999999".to_string()).await {
            forbidden(&r, WRITE);
        }
    }
    for tok in [&fixture_tok, &write_only] {
        for r in reads(tok.clone(), o.clone()).await {
            forbidden(&r, READ);
        }
    }
    for r in reads(read_only.clone(), o.clone()).await {
        assert_eq!(r.status, 200, "read-only token reads: {}", r.text);
    }
    // No or a bad token: 401.
    for t in ["", "gbz_at_nope"] {
        for r in writes(t.to_string(), o.clone()).await {
            assert_session_expired(&r);
        }
        for r in reads(t.to_string(), o.clone()).await {
            assert_session_expired(&r);
        }
    }
    let r = app.send(app.request(Method::GET, &promos_path(&o))).await;
    assert_session_expired(&r);

    // The write-only token can write.
    let r = create(
        &app,
        &write_only,
        &o,
        Some(&new_key()),
        &promo("P2", 9000, &date(d + 1), &date(d + 1)),
    )
    .await;
    assert_eq!(results(&r).0.len(), 1, "{}", r.text);
    // Nothing else changed.
    assert_eq!(count(&app, &e.tok, &o).await, 2);
    assert_eq!(status(&app, &e.tok, &o, &existing).await, "created");
}
both_dbs!(wrong_scope_and_no_token);

async fn unlinked_and_foreign_outlets(app: TestApp) {
    let d = goto_noon(&app).await;
    let e = penv(&app).await;
    let a = e.outlet().to_string();
    let body = promo("P1", 9000, &date(d + 1), &date(d + 1));
    let id = create_one(&app, &e.tok, &a, &body).await;

    let all = |tok: String, outlet: String, with_key: bool| {
        let app = &app;
        let (body, id) = (body.clone(), id.clone());
        async move {
            let key = new_key();
            vec![
                create(app, &tok, &outlet, with_key.then_some(key.as_str()), &body).await,
                list(app, &tok, &outlet, "").await,
                get_promo(app, &tok, &outlet, &id).await,
                deactivate(app, &tok, &outlet, &id).await,
                delete(app, &tok, &outlet, &id).await,
            ]
        }
    };

    // Unknown outlet: row 6.
    for r in all(e.tok.clone(), "G999999999".to_string(), true).await {
        assert_error(
            &r,
            404,
            "Not found",
            "Outlet with id: G999999999 is not found",
        );
    }
    // An outlet of the merchant that is not linked: row 7 (even without the key header).
    let unlinked = app.create_outlet_id(&e.fx.merchant_id, "Unlinked").await;
    for with_key in [true, false] {
        for r in all(e.tok.clone(), unlinked.clone(), with_key).await {
            assert_error(&r, 404, "Requested resource not found", NOT_REGISTERED);
        }
    }
    // A partner not linked to the outlet: row 7.
    let stranger = app.setup_facilitator().await;
    let (c, s) = promo_client(&app, &stranger.partner_id).await;
    let stok = promo_token(&app, &c, &s).await;
    for r in all(stok.clone(), a.clone(), true).await {
        assert_error(&r, 404, "Requested resource not found", NOT_REGISTERED);
    }

    // Another outlet of the same partner: the promotion is not found there.
    let b = second_outlet(&app, &e).await;
    assert_promo_not_found(&get_promo(&app, &e.tok, &b, &id).await, &id);
    assert_promo_not_found(&deactivate(&app, &e.tok, &b, &id).await, &id);
    assert_promo_not_found(&delete(&app, &e.tok, &b, &id).await, &id);
    let l = list_data(&app, &e.tok, &b, "").await;
    assert_eq!(l["total_count"], json!(0));
    assert_eq!(l["promotions"], json!([]));
    // The same item on outlet b has its own promotions (no overlap across outlets).
    create_one(&app, &e.tok, &b, &body).await;

    // Untouched on outlet a.
    assert_eq!(status(&app, &e.tok, &a, &id).await, "created");
    assert_eq!(count(&app, &e.tok, &a).await, 1);
    // A partner that shares the outlet sees the outlet's promotions.
    let other = second_partner_on_outlet(&app, &e.fx).await;
    let (c, s) = promo_client(&app, &other.partner_id).await;
    let otok = promo_token(&app, &c, &s).await;
    assert_eq!(status(&app, &otok, &a, &id).await, "created");
}
both_dbs!(unlinked_and_foreign_outlets);
