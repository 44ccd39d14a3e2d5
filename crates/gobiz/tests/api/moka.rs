//! MokaPOS reporting (spec §8, §10.4; issue 9): sales summary, item sales and modifiers
//! reconciled with each other and recomputed independently from the transaction list on
//! generated data (several seeds and random sub-ranges); invoices and transactions paging;
//! inclusive range edges, offsets and body errors; a hand-computed example with exact
//! figures; scopes, links and the order of checks; sandbox sale / refund / generator rules;
//! customers, gratuities and business outlets; refunds racing each other never exceed the
//! sale. Black box: the real binary over HTTP, on both databases.

use std::collections::{BTreeSet, HashSet};

use crate::harness::*;
use crate::support::moka::*;
use reqwest::Method;
use serde_json::{json, Value};

/// 2024-01-01T00:00:00Z.
const BASE: i64 = 1_704_067_200;

/// Seeds of the reconciliation property test, each with its own count and range.
const SEEDS: [u64; 4] = [0, 42, 20_240_503, 987_654_321];

/// 2024-05-03T12:30:00+07:00.
fn t0() -> i64 {
    secs("2024-05-03T12:30:00+07:00")
}

#[test]
fn time_helpers() {
    assert_eq!(utc(BASE), "2024-01-01T00:00:00Z");
    assert_eq!(utc(t0()), "2024-05-03T05:30:00Z");
    assert_eq!(with_offset(t0(), 420), "2024-05-03T12:30:00+07:00");
    assert_eq!(with_offset(t0(), -570), "2024-05-02T20:00:00-09:30");
    assert_eq!(with_offset(t0(), 345), "2024-05-03T11:15:00+05:45");
    assert_eq!(date_of(secs("2024-02-29T23:59:59Z")), "2024-02-29");
    for n in (0..3000).step_by(7) {
        let t = BASE - 400 * DAY + n * 12_345 + n % 60;
        for pick in 0..6 {
            assert_eq!(
                secs(&fmt_any(t, pick)),
                t,
                "round trip of {}",
                fmt_any(t, pick)
            );
        }
    }
    assert_eq!(secs("2024-05-03T12:30:00.999+07:00"), t0());
    let mut a = Rng::new(5);
    let mut b = Rng::new(5);
    for _ in 0..100 {
        let x = a.range(-3, 3);
        assert_eq!(x, b.range(-3, 3));
        assert!((-3..=3).contains(&x));
    }
}

// ---------------------------------------------------------------------------------------------
// Reconciliation on generated data (property test)
// ---------------------------------------------------------------------------------------------

/// Ranges to check: the whole range in two spellings, single instants and edges on real sale
/// times (`times`), random ranges reaching past both ends, and one before any sale.
fn ranges_to_check(rng: &mut Rng, times: &[i64], from: i64, to: i64) -> Vec<(i64, i64)> {
    let mut ranges: Vec<(i64, i64)> = vec![(from, to), (from - DAY, to + DAY)];
    for _ in 0..2 {
        let t = times[rng.range(0, times.len() as i64 - 1) as usize];
        ranges.push((t, t));
        ranges.push((t - 1, t - 1));
    }
    for _ in 0..2 {
        let a = times[rng.range(0, times.len() as i64 - 1) as usize];
        let b = times[rng.range(0, times.len() as i64 - 1) as usize];
        let (a, b) = (a.min(b), a.max(b));
        ranges.push((a, b));
        ranges.push((a + 1, b.max(a + 1)));
        ranges.push((a, (b - 1).max(a)));
    }
    for _ in 0..4 {
        let a = rng.range(from - 3 * DAY, to + 3 * DAY);
        let b = rng.range(from - 3 * DAY, to + 3 * DAY);
        ranges.push((a.min(b), a.max(b)));
    }
    ranges.push((from - 10 * DAY, from - 1));
    ranges.push((to + 1, to + 5 * DAY));

    ranges
}

/// The whole range of one generated outlet: every figure is non-trivial, spelling it in UTC
/// gives the same, and the invoices match the invoice-type transactions.
async fn check_whole_generated_range(
    app: &TestApp,
    e: &MEnv,
    outlet: &str,
    txns: &[Value],
    (from, to): (i64, i64),
    ctx: &str,
) {
    // The whole range: every figure is non-trivial, and spelling it in UTC gives the same.
    let whole = reports(
        app,
        &e.tok,
        outlet,
        &with_offset(from, 420),
        &with_offset(to, 420),
    )
    .await;
    assert_eq!(
        whole,
        reports(app, &e.tok, outlet, &utc(from), &utc(to)).await,
        "{ctx}: offsets"
    );
    assert!(
        int(idr(&whole.summary), "gross_amount") > 0,
        "{ctx}: gross > 0"
    );
    assert!(
        !arr(&whole.items, "item_sales").is_empty(),
        "{ctx}: item sales"
    );
    assert!(
        !arr(&whole.modifiers, "modifiers").is_empty(),
        "{ctx}: generated sales have modifiers"
    );
    assert!(
        int(&whole.items, "total_discounts") > 0,
        "{ctx}: generated sales have discounts"
    );
    assert!(
        int(idr(&whole.summary), "redemption") > 0,
        "{ctx}: generated sales have redemptions"
    );

    // Invoices = the invoice-type transactions, newest first, with matching figures.
    let desc = all_transactions(app, &e.tok, outlet, 1000, Some("DESC")).await;
    let invoices = all_invoices(app, &e.tok, outlet, 1000).await;
    assert!(
        !invoices.is_empty(),
        "{ctx}: generated sales include invoices"
    );
    check_invoices_against_transactions(&invoices, &desc, ctx);
    let kinds: HashSet<&str> = txns.iter().map(|t| s(t, "payment_type")).collect();
    assert!(kinds.len() >= 3, "{ctx}: several payment types: {kinds:?}");
    assert!(
        txns.iter().any(|t| int(t, "taxes") > 0),
        "{ctx}: some taxes"
    );
    assert!(
        txns.iter().any(|t| int(t, "gratuities") > 0),
        "{ctx}: some gratuities"
    );
}

async fn reports_reconcile_on_generated_data(app: TestApp) {
    let e = menv(&app).await;
    let mut total_refunds = 0;
    let mut checked_ranges = 0;
    for seed in SEEDS {
        let mut rng = Rng::new(seed);
        let count = rng.range(300, 600);
        let from = BASE + rng.range(0, 200) * DAY + rng.range(0, DAY - 1);
        let to = from + rng.range(20, 120) * DAY + rng.range(0, DAY - 1);
        let outlet = linked_outlet(&app, &e.fx, "gofood", &format!("Gen {seed}")).await;
        let g = generate_ok(&app, &outlet, count, from, to, seed as i64).await;

        let txns = all_transactions(&app, &e.tok, &outlet, 1000, Some("ASC")).await;
        let ctx = format!("seed {seed} ({count} sales, {} .. {})", utc(from), utc(to));
        assert_eq!(
            txns.len() as i64,
            count,
            "{ctx}: one transaction per generated sale"
        );
        let ids: HashSet<&str> = txns.iter().map(|t| s(t, "id")).collect();
        assert_eq!(ids.len(), txns.len(), "{ctx}: transaction ids are unique");
        for t in &txns {
            check_transaction_shape(t, &ctx);
            let at = secs(s(t, "transaction_date"));
            assert!(
                from <= at && at <= to,
                "{ctx}: {} outside the range",
                t["transaction_date"]
            );
        }
        let refunded = txns
            .iter()
            .filter(|t| !arr(t, "payment_refunds").is_empty())
            .count();
        assert_eq!(
            refunded as i64,
            int(&g, "refunds"),
            "{ctx}: generated.refunds"
        );
        total_refunds += refunded;

        let times: Vec<i64> = txns
            .iter()
            .map(|t| secs(s(t, "transaction_date")))
            .collect();
        let ranges = ranges_to_check(&mut rng, &times, from, to);
        for (gte, lte) in ranges {
            let (gs, ls) = (fmt_any(gte, rng.next_u64()), fmt_any(lte, rng.next_u64()));
            let rctx = format!("{ctx}, range [{gs}, {ls}]");
            let r = reports(&app, &e.tok, &outlet, &gs, &ls).await;
            check_invariants(&r, &rctx);
            check_against_transactions(&r, &txns, gte, lte, &rctx);
            checked_ranges += 1;
        }

        check_whole_generated_range(&app, &e, &outlet, &txns, (from, to), &ctx).await;
    }
    assert!(total_refunds > 0, "some generated sales are refunded");
    assert!(checked_ranges >= 60);
}
both_dbs!(reports_reconcile_on_generated_data);

// ---------------------------------------------------------------------------------------------
// Paging
// ---------------------------------------------------------------------------------------------

/// Defaults: DESC, 20 per page, page 1; pages past the end are empty.
async fn transaction_paging_defaults(app: &TestApp, e: &MEnv, o: &str, desc_ids: &[String]) {
    // Defaults: DESC, 20 per page, page 1.
    let r = list(app, &e.tok, &transactions_path(o), "").await;
    let d = r.data(200);
    let ids: Vec<String> = arr(d, "transactions")
        .iter()
        .map(|t| s(t, "id").to_string())
        .collect();
    assert_eq!(
        ids,
        desc_ids[..20].to_vec(),
        "default page: first 20, newest first"
    );
    assert_eq!(d["completed"], json!(false));
    let d = tx_page(app, &e.tok, o, 2, 20, None).await;
    let ids: Vec<String> = arr(&d, "transactions")
        .iter()
        .map(|t| s(t, "id").to_string())
        .collect();
    assert_eq!(
        ids,
        desc_ids[20..40].to_vec(),
        "page 2 without order is DESC"
    );
    let d = tx_page(app, &e.tok, o, 1, 1000, Some("ASC")).await;
    assert_eq!(d["completed"], json!(true), "a single page is the last");
    let d = tx_page(app, &e.tok, o, 9, 1000, Some("DESC")).await;
    assert_eq!(
        d,
        json!({ "transactions": [], "completed": true }),
        "far past the end"
    );
    // Absurdly far past the end is still just an empty last page.
    for page in ["1000000000", "9223372036854775807", "18446744073709551615"] {
        for (path, key) in [
            (transactions_path(o), "transactions"),
            (invoices_path(o), "invoices"),
        ] {
            let q = format!("?page={page}&per_page=1000");
            let r = list(app, &e.tok, &path, &q).await;
            let d = r.data(200);
            assert_eq!(d[key], json!([]), "{path}{q}");
            assert_eq!(d["completed"], json!(true), "{path}{q}");
        }
        for (path, key) in [
            (customers_path(o), "customers"),
            (gratuities_path(o), "gratuity"),
        ] {
            let q = format!("?page={page}&per_page=1000");
            let r = list(app, &e.tok, &path, &q).await;
            assert_eq!(r.data(200)[key], json!([]), "{path}{q}");
        }
    }
}

/// Invoices: only invoice sales, newest first, each once; `invoice_number` is the invoice sale's number.
async fn invoices_listed_once(app: &TestApp, e: &MEnv, o: &str, invoice_number: i64) {
    // Invoices: only invoice sales, newest first, each once.
    let desc = all_transactions(app, &e.tok, o, 1000, Some("DESC")).await;
    let n_inv = desc
        .iter()
        .filter(|t| t["payment_type"] == json!("invoice"))
        .count();
    assert!(
        n_inv >= 2,
        "generated data has invoices besides ours: {n_inv}"
    );
    let reference = all_invoices(app, &e.tok, o, 1000).await;
    assert_eq!(
        reference.len(),
        n_inv,
        "one invoice per invoice transaction"
    );
    check_invoices_against_transactions(&reference, &desc, "invoices");
    let ref_ids: Vec<i64> = reference.iter().map(|i| int(i, "id")).collect();
    assert!(
        ref_ids.contains(&invoice_number),
        "invoice id = sale number"
    );
    for per_page in [1u64, 3, n_inv as u64, 1000] {
        let got = all_invoices(app, &e.tok, o, per_page).await;
        let ids: Vec<i64> = got.iter().map(|i| int(i, "id")).collect();
        assert_eq!(ids, ref_ids, "invoices per_page {per_page}");
    }
    let r = list(app, &e.tok, &invoices_path(o), "").await;
    let d = r.data(200);
    assert_eq!(
        arr(d, "invoices").len(),
        n_inv.min(20),
        "default per_page 20"
    );
    assert_eq!(d["completed"], json!(n_inv <= 20));
}

/// Bad paging parameters.
async fn transaction_paging_refused(app: &TestApp, e: &MEnv, o: &str) {
    // Bad paging parameters.
    for q in [
        "?per_page=0",
        "?per_page=1001",
        "?per_page=-1",
        "?per_page=ten",
        "?per_page=2.5",
        "?page=0",
        "?page=-3",
        "?page=x",
    ] {
        let field = if q.starts_with("?page") {
            "page"
        } else {
            "per_page"
        };
        for path in [transactions_path(o), invoices_path(o)] {
            let r = list(app, &e.tok, &path, q).await;
            assert_field_error(&r, field);
        }
    }
    for q in ["?order=up", "?order=", "?order=ASCENDING"] {
        let r = list(app, &e.tok, &transactions_path(o), q).await;
        assert_error(&r, 400, "Bad Request", "order: must be ASC or DESC");
    }
}

async fn transactions_and_invoices_page_exactly_once(app: TestApp) {
    let e = menv(&app).await;
    let o = e.outlet();
    let from = BASE + 10 * DAY;
    let to = from + 10 * DAY;
    generate_ok(&app, o, 150, from, to, 5).await;
    // Three sales at one instant (tie broken by number) and an invoice at the same instant.
    let at = utc(from + 5 * DAY);
    let mut same = Vec::new();
    for p in [1000, 2000, 3000] {
        same.push(record_ok(&app, o, priced_sale(&at, p)).await);
    }
    let mut inv = priced_sale(&at, 4000);
    inv["payment_type"] = json!("invoice");
    inv["invoice"] =
        json!({ "invoice_no": "INV-SAME", "due_date": "2024-02-01", "deposit_amount": 0 });
    same.push(record_ok(&app, o, inv).await);
    let numbers: Vec<i64> = same.iter().map(|x| int(x, "number")).collect();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "sale numbers increase: {numbers:?}"
    );
    let total = 154;

    let asc = all_transactions(&app, &e.tok, o, 1000, Some("ASC")).await;
    assert_eq!(asc.len(), total, "every sale is a transaction");
    let asc_ids: Vec<String> = asc.iter().map(|t| s(t, "id").to_string()).collect();
    assert_eq!(
        asc_ids.iter().collect::<HashSet<_>>().len(),
        total,
        "unique ids"
    );
    let dates: Vec<i64> = asc.iter().map(|t| secs(s(t, "transaction_date"))).collect();
    assert!(
        dates.windows(2).all(|w| w[0] <= w[1]),
        "ASC: transaction_date non-decreasing"
    );
    let pos: Vec<usize> = same
        .iter()
        .map(|x| asc_ids.iter().position(|i| i == s(x, "id")).unwrap())
        .collect();
    assert!(
        pos.windows(2).all(|w| w[0] < w[1]),
        "ASC: same instant in number order: {pos:?}"
    );
    let desc_ids: Vec<String> = asc_ids.iter().rev().cloned().collect();

    for per_page in [1u64, 7, 17, 50, 154, 1000] {
        for (order, want) in [
            ("ASC", &asc_ids),
            ("DESC", &desc_ids),
            ("asc", &asc_ids),
            ("desc", &desc_ids),
        ] {
            if per_page == 1 && order.chars().all(|c| c.is_ascii_lowercase()) {
                continue;
            }
            let got = all_transactions(&app, &e.tok, o, per_page, Some(order)).await;
            let ids: Vec<String> = got.iter().map(|t| s(t, "id").to_string()).collect();
            assert_eq!(
                &ids, want,
                "per_page {per_page} order {order}: each transaction once, in order"
            );
            let d: Vec<i64> = got.iter().map(|t| secs(s(t, "transaction_date"))).collect();
            if order.eq_ignore_ascii_case("asc") {
                assert!(
                    d.windows(2).all(|w| w[0] <= w[1]),
                    "{order}/{per_page}: non-decreasing"
                );
            } else {
                assert!(
                    d.windows(2).all(|w| w[0] >= w[1]),
                    "{order}/{per_page}: non-increasing"
                );
            }
        }
    }
    transaction_paging_defaults(&app, &e, o, &desc_ids).await;
    invoices_listed_once(&app, &e, o, numbers[3]).await;
    transaction_paging_refused(&app, &e, o).await;
}
both_dbs!(transactions_and_invoices_page_exactly_once);

// ---------------------------------------------------------------------------------------------
// Range edges and request errors
// ---------------------------------------------------------------------------------------------

/// Span: 366 days is fine, one second more is not; gte > lte and bad bodies are refused.
async fn report_span_and_body_errors(app: &TestApp, e: &MEnv, o: &str, t: i64) {
    // Span: 366 days is fine, one second more is not; gte > lte is refused.
    for kind in REPORTS {
        let r = report(app, &e.tok, o, kind, &utc(t - 366 * DAY), &utc(t)).await;
        r.data(200);
        let r = report(
            app,
            &e.tok,
            o,
            kind,
            &with_offset(t, 420),
            &with_offset(t + 366 * DAY, 0),
        )
        .await;
        r.data(200);
        let r = report(app, &e.tok, o, kind, &utc(t), &utc(t + 366 * DAY + 1)).await;
        assert_field_error(&r, "query.range.transaction_time");
        let r = report(app, &e.tok, o, kind, &utc(t + 1), &utc(t)).await;
        assert_field_error(&r, "query.range.transaction_time");
        // The same instant, spelled differently, is not "gte > lte".
        let r = report(app, &e.tok, o, kind, &with_offset(t, 420), &utc(t)).await;
        r.data(200);
        let r = report(
            app,
            &e.tok,
            o,
            kind,
            &with_offset(t, 420),
            &with_offset(t - 1, -300),
        )
        .await;
        assert_field_error(&r, "query.range.transaction_time");

        // Timestamps must carry an offset.
        let r = report(app, &e.tok, o, kind, "2024-05-01T00:00:00", &utc(t)).await;
        assert_field_error(&r, "query.range.transaction_time.gte");
        let r = report(app, &e.tok, o, kind, &utc(t), "2024-05-04T00:00:00").await;
        assert_field_error(&r, "query.range.transaction_time.lte");
        let r = report(app, &e.tok, o, kind, "2024-05-01", &utc(t)).await;
        assert_field_error(&r, "query.range.transaction_time.gte");
        let r = report(app, &e.tok, o, kind, "yesterday", &utc(t)).await;
        assert_field_error(&r, "query.range.transaction_time.gte");
        let r = report(app, &e.tok, o, kind, &utc(t), "2024-13-01T00:00:00Z").await;
        assert_field_error(&r, "query.range.transaction_time.lte");

        // Missing or mistyped parts.
        let r = report_raw_body(app, &e.tok, o, kind, &json!({})).await;
        assert_error(&r, 400, "Bad Request", "query: is required");
        let r = report_raw_body(app, &e.tok, o, kind, &json!({ "query": {} })).await;
        assert_field_error(&r, "query.range");
        let r = report_raw_body(app, &e.tok, o, kind, &json!({ "query": { "range": {} } })).await;
        assert_field_error(&r, "query.range.transaction_time");
        let b = json!({ "query": { "range": { "transaction_time": { "gte": utc(t) } } } });
        let r = report_raw_body(app, &e.tok, o, kind, &b).await;
        assert_error(
            &r,
            400,
            "Bad Request",
            "query.range.transaction_time.lte: is required",
        );
        let b = json!({ "query": { "range": { "transaction_time": { "lte": utc(t) } } } });
        let r = report_raw_body(app, &e.tok, o, kind, &b).await;
        assert_error(
            &r,
            400,
            "Bad Request",
            "query.range.transaction_time.gte: is required",
        );
        let b = json!({ "query": { "range": { "transaction_time": { "gte": 1_714_714_200, "lte": utc(t) } } } });
        let r = report_raw_body(app, &e.tok, o, kind, &b).await;
        assert_field_error(&r, "query.range.transaction_time.gte");
        let r = report_raw_body(app, &e.tok, o, kind, &json!({ "query": "all" })).await;
        assert_field_error(&r, "query");
        let r = report_raw_body(app, &e.tok, o, kind, &json!([1, 2])).await;
        assert_error_title(&r, 400, "Bad Request");

        // Malformed JSON and a non-JSON Content-Type.
        let r = report_text(app, &e.tok, o, kind, "application/json", "{\"query\": ").await;
        assert_error_title(&r, 400, "Bad Request");
        let body = range_body(&utc(t), &utc(t)).to_string();
        let r = report_text(app, &e.tok, o, kind, "text/plain", &body).await;
        assert_error(
            &r,
            415,
            "Unsupported Media Type",
            "Unsupported Content-Type: text/plain; use application/json",
        );
        let r = report_text(
            app,
            &e.tok,
            o,
            kind,
            "application/json; charset=utf-8",
            &body,
        )
        .await;
        r.data(200);
    }
}

/// A sale without transaction_time gets the server clock; a new token reports it.
async fn sale_without_time_gets_the_clock(app: &TestApp, e: &MEnv, o: &str) {
    // A sale without transaction_time gets the server clock (whole seconds, UTC).
    app.advance_clock(7200).await;
    let before = secs(s(
        &app.admin_get("/sandbox/v1/clock").await.data(200)["clock"],
        "now",
    ));
    let sale = record_ok(
        app,
        o,
        json!({ "payment_type": "cash", "lines": [line(1, "Item", "Misc", 1, 5)] }),
    )
    .await;
    let after = secs(s(
        &app.admin_get("/sandbox/v1/clock").await.data(200)["clock"],
        "now",
    ));
    assert_rfc3339_z(&sale["transaction_time"]);
    let at = secs(s(&sale, "transaction_time"));
    assert!(
        before <= at && at <= after,
        "default transaction_time {at} in [{before}, {after}]"
    );
    // Tokens do not outlive the clock jump.
    let tok = app
        .access_token(&e.client.0, &e.client.1, &ALL_MOKA.join(" "))
        .await;
    let r = reports(app, &tok, o, &utc(at), &utc(at)).await;
    assert_eq!(
        int(idr(&r.summary), "gross_amount"),
        5,
        "the clock-timed sale is reported at its time"
    );
}

async fn range_edges_offsets_and_body_errors(app: TestApp) {
    let e = menv(&app).await;
    let o = e.outlet();
    let t = t0();
    // Gross 1, 10, 100, 1000 at t, t+100, t+200 and t+300.999 (stored as t+300).
    for (dt, price) in [(0, 1), (100, 10), (200, 100)] {
        let sale = record_ok(&app, o, priced_sale(&with_offset(t + dt, 420), price)).await;
        assert_eq!(
            sale["transaction_time"],
            json!(utc(t + dt)),
            "stored in UTC"
        );
    }
    let frac = format!("{}.999+07:00", &with_offset(t + 300, 420)[..19]);
    let sale = record_ok(&app, o, priced_sale(&frac, 1000)).await;
    assert_eq!(
        sale["transaction_time"],
        json!(utc(t + 300)),
        "fractions truncated"
    );

    let cases: [(i64, i64, i64); 12] = [
        (0, 300, 1111),
        (1, 300, 1110),
        (0, 299, 111),
        (0, 0, 1),
        (300, 300, 1000),
        (-1, -1, 0),
        (301, 400, 0),
        (100, 200, 110),
        (101, 199, 0),
        (-DAY, -1, 0),
        (99, 101, 10),
        (-10, 1, 1),
    ];
    for (a, b, want) in cases {
        for pick in 0..6u64 {
            let (gs, ls) = (fmt_any(t + a, pick), fmt_any(t + b, pick + 3));
            let r = reports(&app, &e.tok, o, &gs, &ls).await;
            assert_eq!(int(idr(&r.summary), "gross_amount"), want, "[{gs}, {ls}]");
            assert_eq!(
                int(&r.items, "total_gross_sales"),
                want,
                "item-sales [{gs}, {ls}]"
            );
            check_invariants(&r, &format!("[{gs}, {ls}]"));
        }
    }
    // Fractional bounds: a sale at t (whole second) is not ≥ t + 0.5 s; a bound of t+300.5
    // still covers the sale stored at t+300.
    let half = |x: i64| format!("{}.500Z", &utc(x)[..19]);
    let r = reports(&app, &e.tok, o, &half(t), &half(t + 300)).await;
    assert_eq!(
        int(idr(&r.summary), "gross_amount"),
        1110,
        "fractional bounds"
    );

    // Far from any sale, even in year 1.
    let r = reports(
        &app,
        &e.tok,
        o,
        "0001-01-01T00:00:00+00:00",
        "0001-12-31T23:59:59Z",
    )
    .await;
    assert_eq!(int(idr(&r.summary), "gross_amount"), 0, "year 1");
    // An empty range: one IDR entry of zeros, empty lists with zero totals.
    let r = reports(&app, &e.tok, o, &utc(t - 10 * DAY), &utc(t - DAY)).await;
    assert_eq!(
        r.summary,
        json!({ "sales_summary": [ { "currency": "IDR", "refund": 0, "gross_amount": 0, "redemption": 0 } ] })
    );
    assert_eq!(
        r.items,
        json!({ "total_refund": 0, "total_net_sales": 0, "total_item_sold": 0, "total_gross_sales": 0,
                "total_discounts": 0, "item_sales": [] })
    );
    assert_eq!(
        r.modifiers,
        json!({ "total_refunds": 0, "total_quantity": 0, "total_net_sales": 0, "total_gross_sales": 0,
                "total_discounts": 0, "modifiers": [] })
    );
    // Another outlet's sales never show.
    let other = linked_outlet(&app, &e.fx, "gofood", "Other").await;
    let r = reports(&app, &e.tok, &other, &utc(t - DAY), &utc(t + DAY)).await;
    assert_eq!(
        int(idr(&r.summary), "gross_amount"),
        0,
        "other outlet is empty"
    );

    report_span_and_body_errors(&app, &e, o, t).await;
    sale_without_time_gets_the_clock(&app, &e, o).await;
}
both_dbs!(range_edges_offsets_and_body_errors);

// ---------------------------------------------------------------------------------------------
// A hand-computed example
// ---------------------------------------------------------------------------------------------

/// `v` without the keys `drop`.
fn without(v: &Value, drop: &[&str]) -> Value {
    let mut m = v
        .as_object()
        .unwrap_or_else(|| panic!("object expected: {v}"))
        .clone();
    for k in drop {
        m.remove(*k);
    }
    Value::Object(m)
}

/// A modifiers report with every `options` list sorted by id (the option order is not
/// part of the contract).
fn options_by_id(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(mods) = v["modifiers"].as_array_mut() {
        for m in mods {
            if let Some(opts) = m["options"].as_array_mut() {
                opts.sort_by_key(|o| o["id"].as_i64());
            }
        }
    }
    v
}

fn assert_keys(v: &Value, keys: &[&str], what: &str) {
    let got: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let want: BTreeSet<&str> = keys.iter().copied().collect();
    assert_eq!(got, want, "{what}: field set of {v}");
}

const INVOICE_KEYS: [&str; 22] = [
    "id",
    "invoice_no",
    "invoice_due_date",
    "invoice_deposit_amount",
    "amount_pay",
    "amount_change",
    "total_tax_amount",
    "total_net_sales",
    "total_item_price_amount",
    "total_gross_sales",
    "total_gratuity_amount",
    "total_discount_amount",
    "total_collected_amount",
    "subtotal",
    "refund_amount",
    "payment_type",
    "payment_note",
    "payment_no",
    "is_refunded",
    "is_refund_breakdown",
    "created_at",
    "updated_at",
];

const TRANSACTION_KEYS: [&str; 22] = [
    "id",
    "total_collected",
    "name",
    "payment_no",
    "payment_type",
    "payment_type_label",
    "payment_note",
    "discounts",
    "subtotal",
    "gratuities",
    "taxes",
    "tendered",
    "transaction_date",
    "invoice_due_date",
    "invoice_no",
    "invoice_deposit_amount",
    "invoice_payment_records",
    "payment_taxes",
    "payment_gratuities",
    "payment_discounts",
    "payment_refunds",
    "items",
];

/// Both days of the hand-computed example, in Jakarta time.
const HAND_RANGE: (&str, &str) = ("2024-05-03T00:00:00+07:00", "2024-05-04T23:59:59+07:00");

/// The example's four sales S1–S4 (a customer for S3), each checked as recorded.
async fn hand_sales(app: &TestApp, o: &str) -> [Value; 4] {
    let cust = customer_ok(
        app,
        o,
        json!({ "name": "Peter Parker", "phone": "+6281234567890", "email": "peter@example.com",
                "address": "Teluk Gong", "city": "Jakarta", "state": "Jakarta", "postal_code": "14450" }),
    )
    .await;
    let cust_id = int(&cust, "id");
    let oreo = modifier(362_774, "Topping", 2_482_800, "Oreo", 2000);
    let cheese = modifier(362_774, "Topping", 2_482_801, "Cheese", 3000);
    let large = modifier(500, "Size", 5001, "Large", 5000);
    let less = modifier(600, "Sugar", 6001, "Less sugar", 0);

    // S1, cash: Vanilla 2 × (20000 + 2000) − 4000; Americano 3 × (25000 + 5000 + 0), 10000
    // redeemed; PB1 13400; service 5000.
    let s1 = record_ok(
        app,
        o,
        json!({ "transaction_time": "2024-05-03T12:30:00+07:00", "payment_type": "cash",
                "payment_note": "table 4", "sales_type": "Dine In",
                "lines": [
                  { "variant_id": 1234, "name": "Vanilla Ice Cream", "category_name": "Dessert", "quantity": 2,
                    "price": 20000, "discount": 4000, "cogs": 5000, "redemption": 0, "modifiers": [oreo] },
                  { "variant_id": 77, "name": "Americano", "category_name": "Coffee", "quantity": 3,
                    "price": 25000, "discount": 0, "cogs": 8000, "redemption": 10000, "modifiers": [large, less] } ],
                "taxes": [ { "id": 1, "name": "PB1", "amount": 13400 } ],
                "gratuities": [ { "id": 2, "name": "Service charge", "amount": 5000 } ] }),
    )
    .await;
    let s1_id = s(&s1, "id").to_string();
    assert!(is_uuid(&s1_id), "sale id: {s1}");
    assert_eq!(s1["outlet_id"], json!(o));
    assert_eq!(s1["transaction_time"], json!("2024-05-03T05:30:00Z"));
    assert_eq!(s1["payment_type"], json!("cash"));
    assert_eq!(s1["payment_note"], json!("table 4"));
    assert_eq!(s1["sales_type"], json!("Dine In"));
    assert_eq!(s1["customer_id"], Value::Null);
    assert_eq!(s1["invoice"], Value::Null);
    assert_eq!(s1["refunds"], json!([]));
    assert_eq!(
        s1["taxes"],
        json!([ { "id": 1, "name": "PB1", "amount": 13400 } ])
    );
    assert_eq!(
        s1["gratuities"],
        json!([ { "id": 2, "name": "Service charge", "amount": 5000 } ])
    );
    assert_rfc3339_z(&s1["created_at"]);
    assert_rfc3339_z(&s1["updated_at"]);
    let l = arr(&s1, "lines");
    assert_eq!(l.len(), 2);
    assert_eq!(
        without(&l[0], &["id"]),
        json!({ "index": 0, "variant_id": 1234, "name": "Vanilla Ice Cream", "category_name": "Dessert",
                "quantity": 2, "refunded_quantity": 0, "price": 20000, "discount": 4000, "cogs": 5000,
                "redemption": 0, "modifiers": [oreo], "gross": 44000, "refund": 0, "net": 40000 })
    );
    assert_eq!(
        without(&l[1], &["id"]),
        json!({ "index": 1, "variant_id": 77, "name": "Americano", "category_name": "Coffee",
                "quantity": 3, "refunded_quantity": 0, "price": 25000, "discount": 0, "cogs": 8000,
                "redemption": 10000, "modifiers": [large, less], "gross": 90000, "refund": 0, "net": 80000 })
    );
    let s1_line_ids = [int(&l[0], "id"), int(&l[1], "id")];
    assert_ne!(s1_line_ids[0], s1_line_ids[1]);
    assert_eq!(
        s1["totals"],
        json!({ "gross": 134000, "item_price": 115000, "discount": 4000, "refund": 0, "redemption": 10000,
                "taxes": 13400, "gratuities": 5000, "subtotal": 130000, "collected": 148400, "net": 120000 })
    );

    // S2, invoice: Vanilla 1 × (20000 + 2000 + 3000); Croissant 2 × 18000 − 1000; PB1 5700.
    let s2 = record_ok(
        app,
        o,
        json!({ "transaction_time": "2024-05-03T14:00:00+07:00", "payment_type": "invoice",
                "payment_note": "pay later",
                "lines": [
                  { "variant_id": 1234, "name": "Vanilla Ice Cream", "category_name": "Dessert", "quantity": 1,
                    "price": 20000, "cogs": 5000, "modifiers": [oreo, cheese] },
                  { "variant_id": 55, "name": "Croissant", "category_name": "Bakery", "quantity": 2,
                    "price": 18000, "discount": 1000, "cogs": 6000 } ],
                "taxes": [ { "id": 1, "name": "PB1", "amount": 5700 } ],
                "invoice": { "invoice_no": "INV-0001", "due_date": "2024-05-10", "deposit_amount": 10000 } }),
    )
    .await;
    assert_eq!(s2["sales_type"], Value::Null, "sales_type defaults to null");
    assert_eq!(s2["gratuities"], json!([]), "gratuities default to []");
    assert_eq!(
        s2["invoice"],
        json!({ "invoice_no": "INV-0001", "due_date": "2024-05-10", "deposit_amount": 10000 })
    );
    let l = arr(&s2, "lines");
    assert_eq!(
        without(&l[1], &["id"]),
        json!({ "index": 1, "variant_id": 55, "name": "Croissant", "category_name": "Bakery",
                "quantity": 2, "refunded_quantity": 0, "price": 18000, "discount": 1000, "cogs": 6000,
                "redemption": 0, "modifiers": [], "gross": 36000, "refund": 0, "net": 35000 })
    );
    assert_eq!(int(&l[0], "gross"), 25000);
    assert_eq!(
        s2["totals"],
        json!({ "gross": 61000, "item_price": 56000, "discount": 1000, "refund": 0, "redemption": 0,
                "taxes": 5700, "gratuities": 0, "subtotal": 60000, "collected": 65700, "net": 60000 })
    );
    assert!(int(&s2, "number") > int(&s1, "number"), "numbers increase");

    // S3, qris, with a customer: Americano 1 × (25000 + 5000); free water, default category.
    let s3 = record_ok(
        app,
        o,
        json!({ "transaction_time": "2024-05-04T09:00:00Z", "payment_type": "qris", "customer_id": cust_id,
                "lines": [
                  { "variant_id": 77, "name": "Americano", "category_name": "Coffee", "quantity": 1,
                    "price": 25000, "cogs": 8000, "modifiers": [large] },
                  { "variant_id": 9, "name": "Mineral Water", "quantity": 1, "price": 0 } ] }),
    )
    .await;
    assert_eq!(s3["customer_id"], json!(cust_id));
    assert_eq!(
        s3["payment_note"],
        json!(""),
        "payment_note defaults to \"\""
    );
    assert_eq!(s3["lines"][1]["category_name"], json!("Uncategorized"));
    assert_eq!(s3["lines"][1]["discount"], json!(0));
    assert_eq!(s3["lines"][1]["cogs"], json!(0));
    assert_eq!(s3["lines"][1]["redemption"], json!(0));
    assert_eq!(s3["lines"][1]["modifiers"], json!([]));
    assert_eq!(s3["taxes"], json!([]));

    // S4, invoice: Croissant 1 × 18000; service 900; refunded in full below.
    let s4 = record_ok(
        app,
        o,
        json!({ "transaction_time": "2024-05-04T17:00:00+07:00", "payment_type": "invoice",
                "lines": [ { "variant_id": 55, "name": "Croissant", "category_name": "Bakery", "quantity": 1,
                             "price": 18000, "cogs": 6000 } ],
                "gratuities": [ { "id": 2, "name": "Service charge", "amount": 900 } ],
                "invoice": { "invoice_no": "INV-0002", "due_date": "2024-05-05", "deposit_amount": 0 } }),
    )
    .await;

    [s1, s2, s3, s4]
}

/// One Americano of S1, the Vanilla of S2, all of S4; returns the refund of S1.
async fn hand_refunds(app: &TestApp, sales: &[Value; 4]) -> Value {
    let [s1, s2, _s3, s4] = sales;
    let s1_id = s(s1, "id").to_string();
    // Refunds: one Americano of S1, the Vanilla of S2, all of S4.
    let r1 = refund_ok(
        app,
        &s1_id,
        json!({ "lines": [ { "index": 1, "quantity": 1 } ], "reason": "spilled" }),
    )
    .await;
    assert!(r1["id"].is_i64(), "refund id: {r1}");
    assert_rfc3339_z(&r1["refunded_date"]);
    assert_eq!(
        without(&r1, &["id", "refunded_date"]),
        json!({ "sale_id": s1_id, "lines": [ { "index": 1, "quantity": 1, "amount": 30000 } ],
                "refund_amount": 30000, "refund_type": "partial", "reason": "spilled" })
    );
    let r2 = refund_ok(
        app,
        s(s2, "id"),
        json!({ "lines": [ { "index": 0, "quantity": 1 } ] }),
    )
    .await;
    assert_eq!(
        without(&r2, &["id", "refunded_date"]),
        json!({ "sale_id": s2["id"], "lines": [ { "index": 0, "quantity": 1, "amount": 25000 } ],
                "refund_amount": 25000, "refund_type": "partial", "reason": "" })
    );
    let r4 = refund_ok(app, s(s4, "id"), json!({ "reason": "cancelled" })).await;
    assert_eq!(
        without(&r4, &["id", "refunded_date"]),
        json!({ "sale_id": s4["id"], "lines": [ { "index": 0, "quantity": 1, "amount": 18000 } ],
                "refund_amount": 18000, "refund_type": "full", "reason": "cancelled" })
    );
    assert_ne!(r1["id"], r2["id"]);

    r1
}

/// The reports over both days (exact figures) and over sub-ranges.
async fn hand_reports(app: &TestApp, e: &MEnv, o: &str) -> Reports {
    // Reports over both days (Jakarta time).
    let (gte, lte) = HAND_RANGE;
    let r = reports(app, &e.tok, o, gte, lte).await;
    assert_eq!(
        r.summary,
        json!({ "sales_summary": [ { "currency": "IDR", "refund": 73000, "gross_amount": 243000, "redemption": 10000 } ] })
    );
    assert_eq!(
        r.items,
        json!({ "total_refund": 73000, "total_net_sales": 155000, "total_item_sold": 11,
                "total_gross_sales": 243000, "total_discounts": 5000,
                "item_sales": [
                  { "variant_id": "77", "name": "Americano", "category_name": "Coffee", "refund": 30000,
                    "redemption": 10000, "net_sales": 80000, "item_sold": 4, "item_refunded": 1, "cogs": 32000,
                    "gross_sales": 120000, "gross_profit": 48000, "discount": 0 },
                  { "variant_id": "55", "name": "Croissant", "category_name": "Bakery", "refund": 18000,
                    "redemption": 0, "net_sales": 35000, "item_sold": 3, "item_refunded": 1, "cogs": 18000,
                    "gross_sales": 54000, "gross_profit": 17000, "discount": 1000 },
                  { "variant_id": "9", "name": "Mineral Water", "category_name": "Uncategorized", "refund": 0,
                    "redemption": 0, "net_sales": 0, "item_sold": 1, "item_refunded": 0, "cogs": 0,
                    "gross_sales": 0, "gross_profit": 0, "discount": 0 },
                  { "variant_id": "1234", "name": "Vanilla Ice Cream", "category_name": "Dessert", "refund": 25000,
                    "redemption": 0, "net_sales": 40000, "item_sold": 3, "item_refunded": 1, "cogs": 15000,
                    "gross_sales": 69000, "gross_profit": 25000, "discount": 4000 } ] })
    );
    assert_eq!(
        options_by_id(&r.modifiers),
        json!({ "total_refunds": 10000, "total_quantity": 11, "total_net_sales": 19000,
                "total_gross_sales": 29000, "total_discounts": 0,
                "modifiers": [
                  { "id": 500, "name": "Size", "refund": 5000, "quantity": 4, "net_sales": 15000,
                    "gross_sales": 20000, "discount": 0,
                    "options": [ { "id": 5001, "name": "Large", "refund": 5000, "quantity": 4,
                                   "net_sales": 15000, "gross_sales": 20000, "discount": 0 } ] },
                  { "id": 600, "name": "Sugar", "refund": 0, "quantity": 3, "net_sales": 0,
                    "gross_sales": 0, "discount": 0,
                    "options": [ { "id": 6001, "name": "Less sugar", "refund": 0, "quantity": 3,
                                   "net_sales": 0, "gross_sales": 0, "discount": 0 } ] },
                  { "id": 362774, "name": "Topping", "refund": 5000, "quantity": 4, "net_sales": 4000,
                    "gross_sales": 9000, "discount": 0,
                    "options": [ { "id": 2482800, "name": "Oreo", "refund": 2000, "quantity": 3,
                                   "net_sales": 4000, "gross_sales": 6000, "discount": 0 },
                                 { "id": 2482801, "name": "Cheese", "refund": 3000, "quantity": 1,
                                   "net_sales": 0, "gross_sales": 3000, "discount": 0 } ] } ] })
    );
    check_invariants(&r, "hand example");
    // Sub-ranges: each Jakarta day, and one cutting between S1 and S2.
    for (gte, lte, gross, refund, redemption) in [
        (
            "2024-05-03T00:00:00+07:00",
            "2024-05-03T23:59:59+07:00",
            195_000,
            55_000,
            10_000,
        ),
        (
            "2024-05-04T00:00:00+07:00",
            "2024-05-04T23:59:59+07:00",
            48_000,
            18_000,
            0,
        ),
        (
            "2024-05-03T06:00:00Z",
            "2024-05-04T09:30:00Z",
            91_000,
            25_000,
            0,
        ),
        (
            "2024-05-03T05:30:00Z",
            "2024-05-03T05:30:00Z",
            134_000,
            30_000,
            10_000,
        ),
        ("2024-05-04T10:00:01Z", "2024-05-05T00:00:00Z", 0, 0, 0),
    ] {
        let sm = report_ok(app, &e.tok, o, SUMMARY, gte, lte).await;
        assert_eq!(
            sm,
            json!({ "sales_summary": [ { "currency": "IDR", "refund": refund, "gross_amount": gross,
                                         "redemption": redemption } ] }),
            "[{gte}, {lte}]"
        );
    }

    r
}

/// The invoice list: S4 then S2.
async fn hand_invoices(app: &TestApp, e: &MEnv, o: &str, sales: &[Value; 4]) {
    let [_, s2, _, s4] = sales;
    // Invoices: S4 then S2.
    let d = list(app, &e.tok, &invoices_path(o), "")
        .await
        .data(200)
        .clone();
    assert_eq!(d["completed"], json!(true));
    let invs = arr(&d, "invoices");
    assert_eq!(invs.len(), 2, "two invoice sales: {d}");
    for inv in invs {
        assert_keys(inv, &INVOICE_KEYS, "invoice");
        assert_rfc3339_z(&inv["created_at"]);
        assert_rfc3339_z(&inv["updated_at"]);
        assert!(
            inv["is_refund_breakdown"].is_boolean(),
            "is_refund_breakdown: {inv}"
        );
    }
    assert_eq!(
        without(
            &invs[0],
            &["created_at", "updated_at", "is_refund_breakdown"]
        ),
        json!({ "id": s4["number"], "invoice_no": "INV-0002", "invoice_due_date": "2024-05-05",
                "invoice_deposit_amount": 0, "amount_pay": 18900, "amount_change": 0, "total_tax_amount": 0,
                "total_net_sales": 0, "total_item_price_amount": 18000, "total_gross_sales": 18000,
                "total_gratuity_amount": 900, "total_discount_amount": 0, "total_collected_amount": 18900,
                "subtotal": 18000, "refund_amount": 18000, "payment_type": "invoice", "payment_note": "",
                "payment_no": "INV-0002", "is_refunded": true })
    );
    assert!(
        invs[1]["is_refunded"].is_boolean(),
        "is_refunded of a partly refunded invoice"
    );
    assert_eq!(
        without(
            &invs[1],
            &[
                "created_at",
                "updated_at",
                "is_refund_breakdown",
                "is_refunded"
            ]
        ),
        json!({ "id": s2["number"], "invoice_no": "INV-0001", "invoice_due_date": "2024-05-10",
                "invoice_deposit_amount": 10000, "amount_pay": 65700, "amount_change": 0, "total_tax_amount": 5700,
                "total_net_sales": 35000, "total_item_price_amount": 56000, "total_gross_sales": 61000,
                "total_gratuity_amount": 0, "total_discount_amount": 1000, "total_collected_amount": 65700,
                "subtotal": 60000, "refund_amount": 25000, "payment_type": "invoice", "payment_note": "pay later",
                "payment_no": "INV-0001" })
    );
}

/// The transaction list, newest first, field by field for S1 (with its refund `r1`).
async fn hand_transactions(app: &TestApp, e: &MEnv, o: &str, sales: &[Value; 4], r1: &Value) {
    let [s1, s2, s3, s4] = sales;
    let s1_id = s(s1, "id").to_string();
    // Transactions, newest first: S4, S3, S2, S1.
    let d = list(app, &e.tok, &transactions_path(o), "")
        .await
        .data(200)
        .clone();
    assert_eq!(d["completed"], json!(true));
    let txs = arr(&d, "transactions");
    let ids: Vec<&str> = txs.iter().map(|t| s(t, "id")).collect();
    assert_eq!(
        ids,
        vec![s(s4, "id"), s(s3, "id"), s(s2, "id"), s1_id.as_str()]
    );
    for t in txs {
        assert_keys(t, &TRANSACTION_KEYS, "transaction");
        check_transaction_shape(t, "hand example");
        assert!(t["payment_no"].is_string(), "payment_no: {t}");
    }
    let t1 = &txs[3];
    assert_eq!(
        without(
            t1,
            &["payment_no", "items", "payment_taxes", "payment_gratuities"]
        ),
        json!({ "id": s1_id, "total_collected": 148400, "name": "Vanilla Ice Cream", "payment_type": "cash",
                "payment_type_label": "Cash", "payment_note": "table 4", "discounts": 4000, "subtotal": 130000,
                "gratuities": 5000, "taxes": 13400, "tendered": 148400, "transaction_date": "2024-05-03T05:30:00Z",
                "invoice_due_date": null, "invoice_no": null, "invoice_deposit_amount": null,
                "invoice_payment_records": [], "payment_discounts": [],
                "payment_refunds": [ { "id": r1["id"], "status": "Done", "amount_pay": 0, "refund_amount": 30000,
                                       "refund_type": "partial", "refunded_reason": "spilled",
                                       "refunded_date": r1["refunded_date"], "is_refunded": true } ] })
    );
    let charge_keys = ["id", "name", "amount", "total", "taxable_amount"];
    for (k, want) in [
        ("payment_taxes", (1, "PB1", 13400)),
        ("payment_gratuities", (2, "Service charge", 5000)),
    ] {
        let list = arr(t1, k);
        assert_eq!(list.len(), 1, "{k}: {t1}");
        assert_keys(&list[0], &charge_keys, k);
        assert_eq!(
            without(&list[0], &["taxable_amount"]),
            json!({ "id": want.0, "name": want.1, "amount": want.2, "total": want.2 }),
            "{k}"
        );
        assert!(int(&list[0], "taxable_amount") >= 0, "{k}: taxable_amount");
    }
    let items = arr(t1, "items");
    assert_eq!(items.len(), 2);
    for it in items {
        assert_keys(
            it,
            &[
                "id",
                "custom_amount",
                "variant_id",
                "item_name",
                "category_name",
                "quantity",
                "discount_amount",
                "tax_amount",
                "price_library",
                "price",
                "gross_sales",
            ],
            "transaction item",
        );
        assert!(it["id"].is_i64(), "item id: {it}");
        assert!(it["price"].is_i64(), "item price: {it}");
    }
    assert_eq!(
        without(&items[0], &["id", "price"]),
        json!({ "custom_amount": 0, "variant_id": 1234, "item_name": "Vanilla Ice Cream",
                "category_name": "Dessert", "quantity": 2, "discount_amount": 4000, "tax_amount": 0,
                "price_library": 20000, "gross_sales": 44000 })
    );
    assert_eq!(
        without(&items[1], &["id", "price"]),
        json!({ "custom_amount": 0, "variant_id": 77, "item_name": "Americano", "category_name": "Coffee",
                "quantity": 3, "discount_amount": 0, "tax_amount": 0, "price_library": 25000, "gross_sales": 90000 })
    );
    let t2 = &txs[2];
    assert_eq!(t2["payment_type"], json!("invoice"));
    assert_eq!(t2["payment_type_label"], json!("Invoice"));
    assert_eq!(t2["invoice_no"], json!("INV-0001"));
    assert_eq!(t2["invoice_due_date"], json!("2024-05-10"));
    assert_eq!(t2["invoice_deposit_amount"], json!(10000));
    assert_eq!(int(t2, "total_collected"), 65700);
    assert_eq!(t2["payment_gratuities"], json!([]));
    assert_eq!(arr(t2, "payment_refunds").len(), 1);
    assert_eq!(t2["payment_refunds"][0]["refunded_reason"], json!(""));
    let t3 = &txs[1];
    assert_eq!(t3["payment_type_label"], json!("QRIS"));
    assert_eq!(t3["name"], json!("Americano"));
    assert_eq!(t3["payment_taxes"], json!([]));
    assert_eq!(t3["payment_refunds"], json!([]));
    assert_eq!(int(t3, "total_collected"), 30000);
    assert_eq!(t3["items"][1]["category_name"], json!("Uncategorized"));
    let t4 = &txs[0];
    assert_eq!(t4["payment_refunds"][0]["refund_type"], json!("full"));
    assert_eq!(t4["payment_refunds"][0]["refund_amount"], json!(18000));
    assert_eq!(
        t4["payment_refunds"][0]["refunded_reason"],
        json!("cancelled")
    );
    assert_eq!(int(t4, "total_collected"), 18900);
}

async fn hand_computed_example(app: TestApp) {
    let e = menv(&app).await;
    let o = e.outlet();
    let sales = hand_sales(&app, o).await;
    let r1 = hand_refunds(&app, &sales).await;
    let r = hand_reports(&app, &e, o).await;
    hand_invoices(&app, &e, o, &sales).await;
    hand_transactions(&app, &e, o, &sales, &r1).await;

    let (gte, lte) = HAND_RANGE;
    // The independent recomputation agrees with the exact figures too.
    let all = all_transactions(&app, &e.tok, o, 1000, Some("ASC")).await;
    check_against_transactions(&r, &all, secs(gte), secs(lte), "hand example");
}
both_dbs!(hand_computed_example);

// ---------------------------------------------------------------------------------------------
// Access: tokens, scopes, links, order of checks
// ---------------------------------------------------------------------------------------------

/// The partner endpoints with an outlet in the path.
const ENDPOINTS: [&str; 7] = [
    SUMMARY,
    ITEMS,
    MODIFIERS,
    "invoices",
    "transactions",
    "gratuities",
    "customers",
];

/// Calls `ep` on `outlet` (reports with a fixed valid range); `bad` sends an invalid body or
/// query instead.
async fn call(app: &TestApp, tok: Option<&str>, outlet: &str, ep: &str, bad: bool) -> Resp {
    let (method, path, query) = match ep {
        "invoices" => (Method::GET, invoices_path(outlet), "?per_page=0"),
        "transactions" => (Method::GET, transactions_path(outlet), "?order=sideways"),
        "gratuities" => (Method::GET, gratuities_path(outlet), "?page=0"),
        "customers" => (Method::GET, customers_path(outlet), "?per_page=5000"),
        kind => (Method::POST, report_path(outlet, kind), ""),
    };
    let url = if bad { format!("{path}{query}") } else { path };
    let mut rb = app.request(method.clone(), &url);
    if let Some(t) = tok {
        rb = rb.bearer_auth(t);
    }
    if method == Method::POST {
        let body = if bad {
            json!({ "query": { "range": { "transaction_time": { "gte": "2024-05-03T00:00:00" } } } })
        } else {
            range_body("2024-05-01T00:00:00+07:00", "2024-05-31T23:59:59+07:00")
        };
        rb = rb.json(&body);
    }
    app.send(rb).await
}

/// The scope a 403 names for `ep`.
fn named_scope(ep: &str) -> &'static str {
    if ep == "transactions" {
        TRANSACTION
    } else {
        REPORTING
    }
}

/// Gross amount of May 2024 (Jakarta) at `outlet`.
async fn may_gross(app: &TestApp, tok: &str, outlet: &str) -> i64 {
    let d = report_ok(
        app,
        tok,
        outlet,
        SUMMARY,
        "2024-05-01T00:00:00+07:00",
        "2024-05-31T23:59:59+07:00",
    )
    .await;
    int(idr(&d), "gross_amount")
}

/// A direct partner acts on its merchant's outlets without any link, old and new, but not on another merchant's outlet; business outlets need mokapos:library:read.
async fn direct_partner_access(app: &TestApp, e: &MEnv, gofood: &str, at: &str) {
    // A direct partner of the merchant acts on its outlets without any link, old and new,
    // but not on another merchant's outlet.
    let d = app.setup_direct().await;
    let dtok = token_with(app, &d.partner_id, ALL_MOKA).await;
    let second = app.create_outlet_id(&d.merchant_id, "Second").await;
    record_ok(app, &d.outlet_id, priced_sale(at, 7)).await;
    record_ok(app, &second, priced_sale(at, 11)).await;
    for o in [&d.outlet_id, &second] {
        for ep in ENDPOINTS {
            call(app, Some(&dtok), o, ep, false).await.data(200);
        }
    }
    assert_eq!(may_gross(app, &dtok, &d.outlet_id).await, 7);
    assert_eq!(may_gross(app, &dtok, &second).await, 11);
    for ep in ENDPOINTS {
        assert_unregistered(&call(app, Some(&dtok), gofood, ep, false).await);
        assert_unregistered(&call(app, Some(&e.tok), &d.outlet_id, ep, false).await);
    }

    // Business outlets need mokapos:library:read.
    let path = business_outlets_path(&d.merchant_id);
    let r = app
        .api_get(
            &path,
            &token_with(app, &d.partner_id, &[REPORTING, TRANSACTION, CUSTOMER]).await,
        )
        .await;
    assert_missing_scope(&r, LIBRARY);
    let r = app
        .api_get(&path, &token_with(app, &d.partner_id, &[LIBRARY]).await)
        .await;
    r.data(200);
    let r = app.send(app.request(Method::GET, &path)).await;
    assert_session_expired(&r);
}

async fn access_scopes_links_and_order_of_checks(app: TestApp) {
    let e = menv(&app).await;
    let gofood = e.outlet().to_string();
    let payment = linked_outlet(&app, &e.fx, "payment", "Payment only").await;
    let unlinked = app.create_outlet_id(&e.fx.merchant_id, "Not linked").await;
    let unknown = "G999999999";
    let at = "2024-05-10T10:00:00+07:00";
    for (o, p) in [(&gofood, 100), (&payment, 200), (&unlinked, 400)] {
        record_ok(&app, o, priced_sale(at, p)).await;
    }

    // Linked for any product → served, with that outlet's own data.
    for o in [&gofood, &payment] {
        for ep in ENDPOINTS {
            call(&app, Some(&e.tok), o, ep, false).await.data(200);
        }
    }
    assert_eq!(may_gross(&app, &e.tok, &gofood).await, 100);
    assert_eq!(may_gross(&app, &e.tok, &payment).await, 200);

    // Not linked → row 7; unknown → row 6; even with a bad body or query (outlet first).
    for ep in ENDPOINTS {
        for bad in [false, true] {
            assert_unregistered(&call(&app, Some(&e.tok), &unlinked, ep, bad).await);
            assert_outlet_not_found(&call(&app, Some(&e.tok), unknown, ep, bad).await, unknown);
        }
        // The bad variants are indeed 400 on an accessible outlet.
        let r = call(&app, Some(&e.tok), &gofood, ep, true).await;
        assert_error_title(&r, 400, "Bad Request");
    }

    // No or a bad token → 401, before anything else.
    for ep in ENDPOINTS {
        for o in [gofood.as_str(), unknown] {
            assert_session_expired(&call(&app, None, o, ep, true).await);
            assert_session_expired(
                &call(&app, Some("gbz_at_not-a-real-token"), o, ep, false).await,
            );
        }
    }

    // Scopes: each token serves exactly its endpoints; 403 comes before the outlet checks.
    let pid = e.fx.partner_id.clone();
    let cases: [(&[&str], &[&str]); 6] = [
        (&[REPORTING], &ENDPOINTS),
        (&[TRANSACTION], &["transactions"]),
        (&[CUSTOMER], &["customers"]),
        (&[LIBRARY], &["gratuities"]),
        (
            &[TRANSACTION, CUSTOMER, LIBRARY],
            &["transactions", "customers", "gratuities"],
        ),
        (&["partner:outlet:read"], &[]),
    ];
    for (scopes, allowed) in cases {
        let tok = token_with(&app, &pid, scopes).await;
        for ep in ENDPOINTS {
            if allowed.contains(&ep) {
                call(&app, Some(&tok), &gofood, ep, false).await.data(200);
                assert_unregistered(&call(&app, Some(&tok), &unlinked, ep, false).await);
            } else {
                for o in [gofood.as_str(), unlinked.as_str(), unknown] {
                    let r = call(&app, Some(&tok), o, ep, true).await;
                    assert_missing_scope(&r, named_scope(ep));
                }
            }
        }
    }
    // Only the transaction scope: the transaction list is the full one.
    let tok = token_with(&app, &pid, &[TRANSACTION]).await;
    let d = tx_page(&app, &tok, &gofood, 1, 10, None).await;
    assert_eq!(arr(&d, "transactions").len(), 1);

    // Another facilitator with every MokaPOS scope but no link to this merchant.
    let other = app
        .create_partner(json!({ "name": "Other POS", "type": "facilitator" }))
        .await;
    let other_tok = token_with(&app, other["id"].as_str().unwrap(), ALL_MOKA).await;
    for ep in ENDPOINTS {
        assert_unregistered(&call(&app, Some(&other_tok), &gofood, ep, false).await);
    }

    direct_partner_access(&app, &e, &gofood, at).await;
}
both_dbs!(access_scopes_links_and_order_of_checks);

// ---------------------------------------------------------------------------------------------
// Sandbox: sale and refund validation
// ---------------------------------------------------------------------------------------------

/// A valid cash sale: line 0 = 2 × (10000 + 500), line 1 = 1 × 3000.
fn good_sale() -> Value {
    json!({ "transaction_time": "2024-06-01T10:00:00+07:00", "payment_type": "cash",
            "lines": [
              { "variant_id": 10, "name": "Nasi Goreng", "category_name": "Food", "quantity": 2, "price": 10000,
                "modifiers": [ { "modifier_id": 1, "modifier_name": "Egg", "option_id": 11,
                                 "option_name": "Fried", "price": 500 } ] },
              { "variant_id": 20, "name": "Es Teh", "category_name": "Drink", "quantity": 1, "price": 3000 } ] })
}

type Mutation = fn(&mut Value);

fn remove(v: &mut Value, key: &str) {
    v.as_object_mut().unwrap().remove(key);
}

/// Every field of the state a bad request must leave alone.
async fn snapshot(app: &TestApp, tok: &str, outlet: &str) -> (Reports, Vec<Value>, Vec<Value>) {
    (
        reports(
            app,
            tok,
            outlet,
            "2024-01-01T00:00:00Z",
            "2024-12-31T23:59:59Z",
        )
        .await,
        all_transactions(app, tok, outlet, 1000, Some("ASC")).await,
        all_invoices(app, tok, outlet, 1000).await,
    )
}

/// Sale bodies `good_sale()` turned invalid, each with the fields a 400 may name.
fn invalid_sales() -> Vec<(&'static [&'static str], Mutation)> {
    vec![
        (&["lines[0].quantity"], |b| {
            b["lines"][0]["quantity"] = json!(0)
        }),
        (&["lines[0].quantity"], |b| {
            b["lines"][0]["quantity"] = json!(1000)
        }),
        (&["lines[0].quantity"], |b| {
            b["lines"][0]["quantity"] = json!(-1)
        }),
        (&["lines[0].quantity"], |b| {
            b["lines"][0]["quantity"] = json!(1.5)
        }),
        (&["lines[0].quantity"], |b| {
            remove(&mut b["lines"][0], "quantity")
        }),
        (&["lines[0].price"], |b| {
            b["lines"][0]["price"] = json!(3000.5)
        }),
        (&["lines[0].price"], |b| b["lines"][0]["price"] = json!(-1)),
        (&["lines[0].price"], |b| {
            b["lines"][0]["price"] = json!(1_000_000_001)
        }),
        (&["lines[0].price"], |b| {
            b["lines"][0]["price"] = json!("10000")
        }),
        (&["lines[0].price"], |b| remove(&mut b["lines"][0], "price")),
        (&["lines[0].discount"], |b| {
            b["lines"][0]["discount"] = json!(21001)
        }),
        (&["lines[0].discount"], |b| {
            b["lines"][0]["discount"] = json!(100.5)
        }),
        (&["lines[0].discount"], |b| {
            b["lines"][0]["discount"] = json!(-5)
        }),
        (
            &["lines[0].discount", "lines[0].redemption", "lines[0]"],
            |b| {
                b["lines"][0]["discount"] = json!(15000);
                b["lines"][0]["redemption"] = json!(6001);
            },
        ),
        (&["lines[0].redemption", "lines[0]"], |b| {
            b["lines"][0]["redemption"] = json!(21001)
        }),
        (&["lines[0].cogs"], |b| b["lines"][0]["cogs"] = json!(-1)),
        (&["lines[0].variant_id"], |b| {
            b["lines"][0]["variant_id"] = json!(0)
        }),
        (&["lines[0].variant_id"], |b| {
            remove(&mut b["lines"][0], "variant_id")
        }),
        (&["lines[0].name"], |b| b["lines"][0]["name"] = json!("")),
        (&["lines[0].name"], |b| remove(&mut b["lines"][0], "name")),
        (&["lines[0].name"], |b| {
            b["lines"][0]["name"] = json!("y".repeat(256))
        }),
        (&["lines[0].category_name"], |b| {
            b["lines"][0]["category_name"] = json!("")
        }),
        (&["lines[0].modifiers"], |b| {
            let m = b["lines"][0]["modifiers"][0].clone();
            b["lines"][0]["modifiers"] = json!(vec![m; 21]);
        }),
        (&["lines[0].modifiers[0].price"], |b| {
            b["lines"][0]["modifiers"][0]["price"] = json!(-500)
        }),
        (&["lines[0].modifiers[0].price"], |b| {
            b["lines"][0]["modifiers"][0]["price"] = json!(0.5)
        }),
        (&["lines"], |b| b["lines"] = json!([])),
        (&["lines"], |b| remove(b, "lines")),
        (&["lines"], |b| {
            let l = b["lines"][1].clone();
            b["lines"] = json!(vec![l; 101]);
        }),
        (&["payment_type"], |b| b["payment_type"] = json!("bitcoin")),
        (&["payment_type"], |b| b["payment_type"] = json!("CASH")),
        (&["payment_type"], |b| remove(b, "payment_type")),
        (&["invoice"], |b| b["payment_type"] = json!("invoice")),
        (
            &["invoice"],
            |b| {
                b["invoice"] =
                    json!({ "invoice_no": "INV-X", "due_date": "2024-06-30", "deposit_amount": 0 })
            },
        ),
        (&["invoice.due_date"], |b| {
            b["payment_type"] = json!("invoice");
            b["invoice"] =
                json!({ "invoice_no": "INV-X", "due_date": "30-06-2024", "deposit_amount": 0 });
        }),
        (&["invoice.deposit_amount"], |b| {
            b["payment_type"] = json!("invoice");
            b["invoice"] =
                json!({ "invoice_no": "INV-X", "due_date": "2024-06-30", "deposit_amount": -1 });
        }),
        (&["transaction_time"], |b| {
            b["transaction_time"] = json!("2024-06-01T10:00:00")
        }),
        (&["transaction_time"], |b| {
            b["transaction_time"] = json!("soon")
        }),
        (&["taxes[0].amount"], |b| {
            b["taxes"] = json!([ { "id": 1, "name": "PB1", "amount": -1 } ])
        }),
        (&["taxes"], |b| {
            b["taxes"] = json!(vec![json!({ "id": 1, "name": "PB1", "amount": 1 }); 21])
        }),
        (&["gratuities[0].amount"], |b| {
            b["gratuities"] = json!([ { "id": 2, "name": "Service", "amount": 2.5 } ])
        }),
        (&["gratuities"], |b| {
            b["gratuities"] = json!(vec![json!({ "id": 2, "name": "S", "amount": 1 }); 21])
        }),
        (&["payment_note"], |b| {
            b["payment_note"] = json!("n".repeat(256))
        }),
        (&["sales_type"], |b| b["sales_type"] = json!("")),
        (&["sales_type"], |b| b["sales_type"] = json!("t".repeat(65))),
        (&["customer_id"], |b| b["customer_id"] = json!("abc")),
    ]
}

/// The exact messages the contract names for three refused sales.
async fn sale_refusal_messages(app: &TestApp, o: &str) {
    // Exact messages named by the contract.
    let mut b = good_sale();
    b["lines"][0]["quantity"] = json!(0);
    let r = record(app, o, b).await;
    assert!(
        r.messages()
            .contains(&"lines[0].quantity: must be 1 to 999".to_string()),
        "{:?}",
        r.messages()
    );
    let mut b = good_sale();
    b["payment_type"] = json!("invoice");
    let r = record(app, o, b).await;
    assert!(
        r.messages()
            .contains(&"invoice: is required when payment_type is invoice".to_string()),
        "{:?}",
        r.messages()
    );
    let mut b = good_sale();
    b["invoice"] = json!({ "invoice_no": "INV-X", "due_date": "2024-06-30", "deposit_amount": 0 });
    let r = record(app, o, b).await;
    assert!(
        r.messages()
            .contains(&"invoice: only allowed when payment_type is invoice".to_string()),
        "{:?}",
        r.messages()
    );
}

/// Boundaries that are fine, recorded at a spare outlet away from the snapshot.
async fn sale_boundaries_accepted(app: &TestApp, e: &MEnv) {
    // Boundaries that are fine: discount + redemption = line gross, 999 units, 20 modifiers,
    // 100 lines, price 1e9 (recorded at a spare outlet, away from the snapshot).
    let spare = linked_outlet(app, &e.fx, "gofood", "Spare").await;
    let mut b = good_sale();
    b["transaction_time"] = json!("2023-06-01T10:00:00+07:00");
    b["lines"][0]["discount"] = json!(15000);
    b["lines"][0]["redemption"] = json!(6000);
    let ok = record_ok(app, &spare, b).await;
    assert_eq!(
        ok["lines"][0]["net"],
        json!(0),
        "discount + redemption = gross is allowed"
    );
    let mut b = good_sale();
    b["transaction_time"] = json!("2023-06-01T10:00:00+07:00");
    b["lines"][0]["quantity"] = json!(999);
    let m = b["lines"][0]["modifiers"][0].clone();
    b["lines"][0]["modifiers"] = json!(vec![m; 20]);
    let l = b["lines"][1].clone();
    let mut lines = vec![b["lines"][0].clone()];
    lines.extend(vec![l; 99]);
    b["lines"] = json!(lines);
    b["lines"][1]["price"] = json!(1_000_000_000);
    let ok = record_ok(app, &spare, b).await;
    assert_eq!(arr(&ok, "lines").len(), 100);
    assert_eq!(ok["lines"][0]["gross"], json!(999 * 20_000));
}

/// Malformed JSON, wrong Content-Type and admin auth on the sales endpoint.
async fn sale_body_and_auth_refused(app: &TestApp, o: &str) {
    // Malformed JSON, wrong Content-Type, admin auth.
    let raw = |ct: &str, body: &str| {
        app.request(Method::POST, &sales_path(o))
            .bearer_auth(ADMIN_TOKEN)
            .header("content-type", ct)
            .body(body.to_string())
    };
    let r = app.send(raw("application/json", "{\"lines\": [")).await;
    assert_error_title(&r, 400, "Bad Request");
    let r = app.send(raw("text/plain", &good_sale().to_string())).await;
    assert_error(
        &r,
        415,
        "Unsupported Media Type",
        "Unsupported Content-Type: text/plain; use application/json",
    );
    let r = app
        .send(app.request(Method::POST, &sales_path(o)).json(&good_sale()))
        .await;
    assert_error(&r, 401, "Unauthorized", "Invalid admin token");
    let r = app
        .send(
            app.request(Method::POST, &sales_path(o))
                .bearer_auth("wrong")
                .json(&good_sale()),
        )
        .await;
    assert_error(&r, 401, "Unauthorized", "Invalid admin token");
}

/// Unknown outlet, unknown or foreign customer.
async fn sale_outlet_and_customer_refused(app: &TestApp, e: &MEnv, o: &str) {
    // Unknown outlet → 404; unknown or foreign customer → 422.
    let r = record(app, "G999999999", good_sale()).await;
    assert_outlet_not_found(&r, "G999999999");
    let mut b = good_sale();
    b["customer_id"] = json!(987_654_321);
    let r = record(app, o, b).await;
    assert_error(
        &r,
        422,
        "Unprocessable Entity",
        &format!("Customer 987654321 does not exist at outlet {o}"),
    );
    let other = linked_outlet(app, &e.fx, "gofood", "Other").await;
    let foreign = customer_ok(app, &other, json!({ "name": "Elsewhere" })).await;
    let fid = int(&foreign, "id");
    let mut b = good_sale();
    b["customer_id"] = json!(fid);
    let r = record(app, o, b.clone()).await;
    assert_error(
        &r,
        422,
        "Unprocessable Entity",
        &format!("Customer {fid} does not exist at outlet {o}"),
    );
    // ...which is fine at its own outlet.
    let ok = record_ok(app, &other, b).await;
    assert_eq!(ok["customer_id"], json!(fid));
}

/// Refunds refused: unknown sale, bad lines and quantities, a bad reason.
async fn refund_refusals(app: &TestApp, base_id: &str) {
    // Refund rules.
    let unknown = uuid::Uuid::new_v4().to_string();
    let r = refund(app, &unknown, json!({})).await;
    assert_error(&r, 404, "Not found", "Sale not found");
    for bad in ["not-a-uuid", "123"] {
        let r = refund(app, bad, json!({})).await;
        assert_error(&r, 404, "Not found", "Sale not found");
    }
    assert_refund_refused(
        app,
        base_id,
        json!({ "lines": [ { "index": 5, "quantity": 1 } ] }),
        422,
        "Unprocessable Entity",
        "Sale has no line 5",
    )
    .await;
    for q in [json!(0), json!(-1), json!(1.5)] {
        let r = refund(
            app,
            base_id,
            json!({ "lines": [ { "index": 0, "quantity": q } ] }),
        )
        .await;
        assert_field_error(&r, "lines[0].quantity");
    }
    assert_refund_refused(
        app,
        base_id,
        json!({ "lines": [ { "index": 1, "quantity": 2 } ] }),
        422,
        "Unprocessable Entity",
        "Line 1 has only 1 unrefunded item(s)",
    )
    .await;
    assert_refund_refused(
        app,
        base_id,
        json!({ "lines": [ { "index": 0, "quantity": 3 } ] }),
        422,
        "Unprocessable Entity",
        "Line 0 has only 2 unrefunded item(s)",
    )
    .await;
    let r = refund(app, base_id, json!({ "reason": 5 })).await;
    assert_field_error(&r, "reason");
}

/// Partial, partial, then the rest → full; then 409; what the reports and transactions say.
async fn refunds_partial_then_full(app: &TestApp, e: &MEnv, o: &str, base_id: &str) {
    // Partial, partial, then the rest → full; then 409.
    let a = refund_ok(
        app,
        base_id,
        json!({ "lines": [ { "index": 0, "quantity": 1 } ] }),
    )
    .await;
    assert_eq!(
        (a["refund_type"].clone(), a["refund_amount"].clone()),
        (json!("partial"), json!(10500))
    );
    assert_refund_refused(
        app,
        base_id,
        json!({ "lines": [ { "index": 0, "quantity": 2 } ] }),
        422,
        "Unprocessable Entity",
        "Line 0 has only 1 unrefunded item(s)",
    )
    .await;
    let b2 = refund_ok(
        app,
        base_id,
        json!({ "lines": [ { "index": 1, "quantity": 1 } ] }),
    )
    .await;
    assert_eq!(
        (b2["refund_type"].clone(), b2["refund_amount"].clone()),
        (json!("partial"), json!(3000))
    );
    let c = refund_ok(app, base_id, json!({ "reason": "rest" })).await;
    assert_eq!(c["refund_type"], json!("full"));
    assert_eq!(
        c["lines"],
        json!([ { "index": 0, "quantity": 1, "amount": 10500 } ])
    );
    assert_eq!(c["refund_amount"], json!(10500));
    for body in [json!({}), json!({ "lines": null })] {
        let r = refund(app, base_id, body).await;
        assert_error(
            &r,
            409,
            "Conflict",
            &format!("Sale {base_id} is already fully refunded"),
        );
    }
    let sm = report_ok(
        app,
        &e.tok,
        o,
        SUMMARY,
        "2024-06-01T00:00:00+07:00",
        "2024-06-01T23:59:59+07:00",
    )
    .await;
    assert_eq!(int(idr(&sm), "refund"), 24000, "fully refunded");
    assert_eq!(int(idr(&sm), "gross_amount"), 24000);
    let t = all_transactions(app, &e.tok, o, 1000, Some("ASC"))
        .await
        .into_iter()
        .find(|t| t["id"] == json!(base_id))
        .unwrap();
    let kinds: Vec<&Value> = arr(&t, "payment_refunds")
        .iter()
        .map(|r| &r["refund_type"])
        .collect();
    assert_eq!(
        kinds,
        vec![&json!("partial"), &json!("partial"), &json!("full")]
    );
    let ids: Vec<&Value> = arr(&t, "payment_refunds")
        .iter()
        .map(|r| &r["id"])
        .collect();
    assert_eq!(ids, vec![&a["id"], &b2["id"], &c["id"]]);
}

/// Explicit lines that finish a sale, and a one-shot refund of everything, are full refunds.
async fn refunds_that_finish_the_sale(app: &TestApp, o: &str) {
    // Explicit lines that finish the sale make a full refund too.
    let one = record_ok(
        app,
        o,
        sale(
            "2024-06-02T10:00:00+07:00",
            vec![line(5, "Kopi", "Drink", 2, 7000)],
        ),
    )
    .await;
    let oid = s(&one, "id").to_string();
    let p = refund_ok(
        app,
        &oid,
        json!({ "lines": [ { "index": 0, "quantity": 1 } ] }),
    )
    .await;
    assert_eq!(p["refund_type"], json!("partial"));
    let f = refund_ok(
        app,
        &oid,
        json!({ "lines": [ { "index": 0, "quantity": 1 } ] }),
    )
    .await;
    assert_eq!(f["refund_type"], json!("full"));
    assert_refund_refused(
        app,
        &oid,
        json!({ "lines": [ { "index": 0, "quantity": 1 } ] }),
        409,
        "Conflict",
        &format!("Sale {oid} is already fully refunded"),
    )
    .await;
    // A one-shot refund of everything is full.
    let whole = record_ok(
        app,
        o,
        sale(
            "2024-06-03T10:00:00+07:00",
            vec![line(5, "Kopi", "Drink", 3, 7000)],
        ),
    )
    .await;
    let w = refund_ok(app, s(&whole, "id"), json!({})).await;
    assert_eq!(
        without(&w, &["id", "refunded_date"]),
        json!({ "sale_id": whole["id"], "lines": [ { "index": 0, "quantity": 3, "amount": 21000 } ],
                "refund_amount": 21000, "refund_type": "full", "reason": "" })
    );
}

async fn sandbox_sale_and_refund_validation(app: TestApp) {
    let e = menv(&app).await;
    let o = e.outlet();
    let base = record_ok(&app, o, good_sale()).await;
    let base_id = s(&base, "id").to_string();
    assert_eq!(base["totals"]["gross"], json!(24000));
    let before = snapshot(&app, &e.tok, o).await;

    for (fields, mutate) in invalid_sales() {
        let mut b = good_sale();
        mutate(&mut b);
        let r = record(&app, o, b.clone()).await;
        assert_field_error_any(&r, fields);
    }
    sale_refusal_messages(&app, o).await;
    sale_boundaries_accepted(&app, &e).await;
    sale_body_and_auth_refused(&app, o).await;
    sale_outlet_and_customer_refused(&app, &e, o).await;
    refund_refusals(&app, &base_id).await;

    // Nothing above changed anything the reports see.
    let after = snapshot(&app, &e.tok, o).await;
    assert_eq!(before.0, after.0, "reports unchanged by refused requests");
    assert_same(
        &before.1,
        &after.1,
        "transactions unchanged by refused requests",
    );
    assert_same(
        &before.2,
        &after.2,
        "invoices unchanged by refused requests",
    );

    refunds_partial_then_full(&app, &e, o, &base_id).await;
    refunds_that_finish_the_sale(&app, o).await;
}
both_dbs!(sandbox_sale_and_refund_validation);

// ---------------------------------------------------------------------------------------------
// Customers, gratuities, business outlets
// ---------------------------------------------------------------------------------------------

/// `(id, name)` of an outlet, from the sandbox.
async fn outlet_entry(app: &TestApp, id: &str) -> (String, String) {
    let r = app.admin_get(&format!("/sandbox/v1/outlets/{id}")).await;
    (
        id.to_string(),
        s(&r.data(200)["outlet"], "name").to_string(),
    )
}

/// Customers: creation, listing by id, paging, per outlet, validation; returns a fresh
/// outlet (without customers).
async fn customers_listed_and_validated(app: &TestApp, e: &MEnv, o: &str, other: &str) -> String {
    // Customers.
    let full = customer_ok(
        app,
        o,
        json!({ "name": "Peter Parker", "phone": "+6281234567890", "email": "peter@example.com",
                "address": "Teluk Gong", "city": "Jakarta", "state": "Jakarta", "postal_code": "14450" }),
    )
    .await;
    assert!(full["id"].is_i64(), "customer id: {full}");
    assert_rfc3339_z(&full["created_at"]);
    assert_rfc3339_z(&full["updated_at"]);
    let mut made = vec![full.clone()];
    for n in ["Budi", "Siti", "Agus", "Dewi"] {
        let c = customer_ok(app, o, json!({ "name": n })).await;
        for k in ["phone", "email", "address", "city", "state", "postal_code"] {
            assert_eq!(c[k], Value::Null, "{k} is null when absent: {c}");
        }
        made.push(c);
    }
    customer_ok(app, other, json!({ "name": "Elsewhere" })).await;
    let ids: Vec<i64> = made.iter().map(|c| int(c, "id")).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    let customer_keys = [
        "id",
        "name",
        "phone",
        "email",
        "address",
        "city",
        "state",
        "postal_code",
        "created_at",
        "updated_at",
    ];

    let d = list(app, &e.tok, &customers_path(o), "")
        .await
        .data(200)
        .clone();
    assert_eq!(
        (d["total_count"].clone(), d["total_pages"].clone()),
        (json!(5), json!(1))
    );
    let got = arr(&d, "customers");
    assert_eq!(
        got.iter().map(|c| int(c, "id")).collect::<Vec<_>>(),
        sorted,
        "id ascending"
    );
    for c in got {
        assert_keys(c, &customer_keys, "customer");
        let mine = made.iter().find(|m| m["id"] == c["id"]).unwrap();
        assert_eq!(c, mine, "listed customer = created customer");
    }
    let mut paged_ids = Vec::new();
    for (page, len) in [(1, 2), (2, 2), (3, 1), (4, 0)] {
        let d = list(
            app,
            &e.tok,
            &customers_path(o),
            &format!("?page={page}&per_page=2"),
        )
        .await
        .data(200)
        .clone();
        assert_eq!(d["total_count"], json!(5), "page {page}");
        assert_eq!(d["total_pages"], json!(3), "page {page}");
        let rows = arr(&d, "customers");
        assert_eq!(rows.len(), len, "page {page}");
        paged_ids.extend(rows.iter().map(|c| int(c, "id")));
    }
    assert_eq!(paged_ids, sorted, "pages cover each customer once");
    let d = list(app, &e.tok, &customers_path(other), "")
        .await
        .data(200)
        .clone();
    assert_eq!(d["total_count"], json!(1), "customers are per outlet");
    let fresh = linked_outlet(app, &e.fx, "gofood", "Fresh").await;
    let d = list(app, &e.tok, &customers_path(&fresh), "")
        .await
        .data(200)
        .clone();
    assert_eq!(d["total_count"], json!(0), "no customers: {d}");
    assert_eq!(d["customers"], json!([]), "no customers: {d}");
    assert!(
        d["total_pages"] == json!(0) || d["total_pages"] == json!(1),
        "total_pages of nothing: {d}"
    );

    // Customer validation.
    for (body, field) in [
        (json!({}), "name"),
        (json!({ "name": "" }), "name"),
        (json!({ "name": "n".repeat(256) }), "name"),
        (json!({ "name": 5 }), "name"),
        (json!({ "name": "A", "email": 5 }), "email"),
    ] {
        let r = create_customer(app, o, body).await;
        assert_field_error(&r, field);
    }
    let r = create_customer(app, "G999999999", json!({ "name": "A" })).await;
    assert_outlet_not_found(&r, "G999999999");
    fresh
}

/// Gratuities: active ones only, by id, paged; validation.
async fn gratuities_listed_and_validated(app: &TestApp, e: &MEnv, o: &str, other: &str) {
    // Gratuities: active ones only, by id.
    let g1 = gratuity_ok(app, o, json!({ "name": "Service charge", "amount": 1000 })).await;
    assert_eq!(g1["active"], json!(true), "active defaults to true");
    assert_rfc3339_z(&g1["created_at"]);
    let g2 = gratuity_ok(
        app,
        o,
        json!({ "name": "Tip", "amount": 0, "active": true }),
    )
    .await;
    let g3 = gratuity_ok(
        app,
        o,
        json!({ "name": "Old", "amount": 500, "active": false }),
    )
    .await;
    assert_eq!(g3["active"], json!(false));
    let g4 = gratuity_ok(app, o, json!({ "name": "Delivery", "amount": 2500 })).await;
    gratuity_ok(app, other, json!({ "name": "Elsewhere", "amount": 1 })).await;
    let want: Vec<Value> = [&g1, &g2, &g4]
        .iter()
        .map(|g| without(g, &["active"]))
        .collect();
    let d = list(app, &e.tok, &gratuities_path(o), "")
        .await
        .data(200)
        .clone();
    assert_eq!(
        d,
        json!({ "total_pages": 1, "total_count": 3, "gratuity": want }),
        "inactive gratuity not listed"
    );
    let mut seen = Vec::new();
    for (page, len) in [(1, 1), (2, 1), (3, 1), (4, 0)] {
        let d = list(
            app,
            &e.tok,
            &gratuities_path(o),
            &format!("?page={page}&per_page=1"),
        )
        .await
        .data(200)
        .clone();
        assert_eq!(
            (d["total_count"].clone(), d["total_pages"].clone()),
            (json!(3), json!(3))
        );
        let rows = arr(&d, "gratuity");
        assert_eq!(rows.len(), len, "gratuity page {page}");
        seen.extend(rows.iter().cloned());
    }
    assert_eq!(seen, want, "gratuity pages");
    for (body, field) in [
        (json!({ "name": "X" }), "amount"),
        (json!({ "name": "X", "amount": -1 }), "amount"),
        (json!({ "name": "X", "amount": 1.5 }), "amount"),
        (json!({ "amount": 1 }), "name"),
        (json!({ "name": "", "amount": 1 }), "name"),
        (
            json!({ "name": "X", "amount": 1, "active": "yes" }),
            "active",
        ),
    ] {
        let r = create_gratuity(app, o, body).await;
        assert_field_error(&r, field);
    }
    let r = create_gratuity(app, "G999999999", json!({ "name": "X", "amount": 1 })).await;
    assert_outlet_not_found(&r, "G999999999");
}

/// Bad paging on both lists; the largest page holds every customer.
async fn customer_and_gratuity_paging_refused(app: &TestApp, e: &MEnv, o: &str) {
    // Bad paging on both lists.
    for q in ["?per_page=0", "?per_page=1001", "?page=0", "?page=two"] {
        let field = if q.starts_with("?page") {
            "page"
        } else {
            "per_page"
        };
        for path in [customers_path(o), gratuities_path(o)] {
            assert_field_error(&list(app, &e.tok, &path, q).await, field);
        }
    }
    let d = list(app, &e.tok, &customers_path(o), "?per_page=1000")
        .await
        .data(200)
        .clone();
    assert_eq!(arr(&d, "customers").len(), 5);
}

/// Business outlets: what a facilitator and a direct partner see; unknown or inaccessible merchants are 404.
async fn business_outlets_listed(app: &TestApp, e: &MEnv, o: &str, other: &str, fresh: &str) {
    // Business outlets: facilitator sees the linked ones (any product).
    let unlinked = app.create_outlet_id(&e.fx.merchant_id, "Unlinked").await;
    let names = |d: &Value| -> BTreeSet<(String, String)> {
        arr(d, "outlets")
            .iter()
            .map(|x| {
                assert_keys(x, &["id", "name"], "business outlet");
                (s(x, "id").to_string(), s(x, "name").to_string())
            })
            .collect()
    };
    let d = app
        .api_get(&business_outlets_path(&e.fx.merchant_id), &e.tok)
        .await
        .data(200)
        .clone();
    let want: BTreeSet<(String, String)> = [
        outlet_entry(app, o).await,
        outlet_entry(app, other).await,
        outlet_entry(app, fresh).await,
    ]
    .into_iter()
    .collect();
    assert_eq!(names(&d), want, "facilitator: linked outlets only");
    assert!(!names(&d).iter().any(|(id, _)| *id == unlinked));

    // Direct partner: every outlet of its merchant.
    let dfx = app.setup_direct().await;
    let dtok = token_with(app, &dfx.partner_id, ALL_MOKA).await;
    let d2 = app.create_outlet_id(&dfx.merchant_id, "Direct two").await;
    let d3 = app.create_outlet_id(&dfx.merchant_id, "Direct three").await;
    let d = app
        .api_get(&business_outlets_path(&dfx.merchant_id), &dtok)
        .await
        .data(200)
        .clone();
    let want: BTreeSet<(String, String)> = [
        outlet_entry(app, &dfx.outlet_id).await,
        outlet_entry(app, &d2).await,
        outlet_entry(app, &d3).await,
    ]
    .into_iter()
    .collect();
    assert_eq!(
        names(&d),
        want,
        "direct partner: all outlets of its merchant"
    );

    // Unknown merchant, or none accessible → 404.
    for (tok, business) in [
        (&e.tok, uuid::Uuid::new_v4().to_string()),
        (&e.tok, "not-a-merchant".to_string()),
        (&e.tok, dfx.merchant_id.clone()),
        (&dtok, e.fx.merchant_id.clone()),
    ] {
        let r = app.api_get(&business_outlets_path(&business), tok).await;
        assert_error(
            &r,
            404,
            "Not found",
            &format!("Business with id: {business} is not found"),
        );
    }
    // A merchant with outlets, none linked to the facilitator.
    let lonely = app.create_merchant("Lonely").await;
    app.create_outlet_id(&lonely, "Alone").await;
    let r = app.api_get(&business_outlets_path(&lonely), &e.tok).await;
    assert_error(
        &r,
        404,
        "Not found",
        &format!("Business with id: {lonely} is not found"),
    );
}

async fn customers_gratuities_and_business_outlets(app: TestApp) {
    let e = menv(&app).await;
    let o = e.outlet().to_string();
    let other = linked_outlet(&app, &e.fx, "payment", "Payments").await;

    let fresh = customers_listed_and_validated(&app, &e, &o, &other).await;
    gratuities_listed_and_validated(&app, &e, &o, &other).await;
    customer_and_gratuity_paging_refused(&app, &e, &o).await;
    business_outlets_listed(&app, &e, &o, &other, &fresh).await;
}
both_dbs!(customers_gratuities_and_business_outlets);

// ---------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------

/// What identifies a transaction apart from database ids and refund times.
fn fingerprint(t: &Value) -> Value {
    let items: Vec<Value> = arr(t, "items")
        .iter()
        .map(|i| without(i, &["id"]))
        .collect();
    let refunds: Vec<Value> = arr(t, "payment_refunds")
        .iter()
        .map(|r| without(r, &["id", "refunded_date"]))
        .collect();
    let mut v = without(t, &["id", "items", "payment_refunds", "payment_no"]);
    v["items"] = json!(items);
    v["payment_refunds"] = json!(refunds);
    v
}

/// Each generated outlet: `count` transactions in [from, to], well formed, refunds as summarised and partial.
async fn generated_within_range(
    app: &TestApp,
    e: &MEnv,
    outlets: &[(String, Value)],
    from: i64,
    to: i64,
) {
    for (o, g) in outlets {
        let txns = all_transactions(app, &e.tok, o, 1000, Some("ASC")).await;
        assert_eq!(txns.len(), 250, "count = number of transactions");
        for t in &txns {
            let at = secs(s(t, "transaction_date"));
            assert!(
                from <= at && at <= to,
                "{} within [from, to]",
                t["transaction_date"]
            );
            check_transaction_shape(t, "generated");
        }
        let refunded = txns
            .iter()
            .filter(|t| !arr(t, "payment_refunds").is_empty())
            .count();
        assert_eq!(refunded as i64, int(g, "refunds"), "generated.refunds");
        assert!(
            txns.iter()
                .flat_map(|t| arr(t, "payment_refunds"))
                .all(|r| r["refund_type"] == json!("partial")),
            "generated refunds are partial"
        );
    }
}

/// Refused generator bodies, unknown outlet, from > to: none changes the outlet's transactions.
async fn generator_refusals(app: &TestApp, tok: &str, c: &str, from: i64, to: i64) {
    // Refusals change nothing.
    let before = all_transactions(app, tok, c, 1000, None).await;
    let f = utc(from);
    let t = utc(to);
    for (body, fields) in [
        (json!({ "count": 0, "from": f, "to": t }), &["count"][..]),
        (json!({ "count": 100_001, "from": f, "to": t }), &["count"]),
        (json!({ "count": -1, "from": f, "to": t }), &["count"]),
        (json!({ "count": 2.5, "from": f, "to": t }), &["count"]),
        (json!({ "count": "10", "from": f, "to": t }), &["count"]),
        (json!({ "from": f, "to": t }), &["count"]),
        (
            json!({ "count": 10, "from": "2024-02-01T00:00:00", "to": t }),
            &["from"],
        ),
        (json!({ "count": 10, "from": f, "to": "tomorrow" }), &["to"]),
        (
            json!({ "count": 10, "from": f, "to": t, "seed": -1 }),
            &["seed"],
        ),
        (
            json!({ "count": 10, "from": f, "to": t, "seed": 1.5 }),
            &["seed"],
        ),
    ] {
        let r = generate(app, c, body.clone()).await;
        assert_field_error_any(&r, fields);
    }
    let r = generate(app, "G999999999", json!({ "count": 1 })).await;
    assert_outlet_not_found(&r, "G999999999");
    // from > to: refused, naming a field of the body (`from` or `to`).
    let r = generate(app, c, json!({ "count": 10, "from": t, "to": f })).await;
    assert_error_title(&r, 400, "Bad Request");
    assert_same(
        &before,
        &all_transactions(app, tok, c, 1000, None).await,
        "refusals change nothing",
    );
    assert_field_error_any(&r, &["from", "to"]);
}

async fn generator_reproducible_and_validated(app: TestApp) {
    let e = menv(&app).await;
    let from = BASE + 40 * DAY + 12_345;
    let to = from + 45 * DAY;
    let mut outlets = Vec::new();
    for (i, seed) in [(0, 11), (1, 11), (2, 12)] {
        let o = linked_outlet(&app, &e.fx, "gofood", &format!("Gen {i}")).await;
        let g = generate_ok(&app, &o, 250, from, to, seed).await;
        outlets.push((o, g));
    }
    let (a, b, c) = (&outlets[0].0, &outlets[1].0, &outlets[2].0);
    assert_eq!(outlets[0].1, outlets[1].1, "same generated summary");
    let sub = (from + 10 * DAY, from + 20 * DAY);
    for (gte, lte) in [(from, to), sub] {
        let ra = reports(&app, &e.tok, a, &utc(gte), &utc(lte)).await;
        let rb = reports(&app, &e.tok, b, &utc(gte), &utc(lte)).await;
        assert_eq!(
            ra, rb,
            "same seed, count and range ⇒ identical reports [{gte}, {lte}]"
        );
        let rc = reports(&app, &e.tok, c, &utc(gte), &utc(lte)).await;
        assert_ne!(
            ra.summary, rc.summary,
            "a different seed gives different figures"
        );
        assert_ne!(
            ra.items, rc.items,
            "a different seed gives different item sales"
        );
    }
    let ta: Vec<Value> = all_transactions(&app, &e.tok, a, 1000, Some("ASC"))
        .await
        .iter()
        .map(fingerprint)
        .collect();
    let tb: Vec<Value> = all_transactions(&app, &e.tok, b, 1000, Some("ASC"))
        .await
        .iter()
        .map(fingerprint)
        .collect();
    assert_same(&ta, &tb, "same seed ⇒ the same transactions");
    let ia = all_invoices(&app, &e.tok, a, 1000).await;
    let ib = all_invoices(&app, &e.tok, b, 1000).await;
    let strip = |v: &[Value]| -> Vec<Value> {
        v.iter()
            .map(|i| without(i, &["id", "created_at", "updated_at"]))
            .collect()
    };
    assert_eq!(strip(&ia), strip(&ib), "same seed ⇒ the same invoices");

    generated_within_range(&app, &e, &outlets, from, to).await;
    // Generating again adds sales; a one-second range puts them all on that second.
    generate_ok(&app, a, 5, from, from, 3).await;
    let sm = report_ok(&app, &e.tok, a, ITEMS, &utc(from), &utc(from)).await;
    assert!(
        int(&sm, "total_item_sold") >= 5,
        "five sales on one second: {sm}"
    );
    assert_eq!(
        all_transactions(&app, &e.tok, a, 1000, None).await.len(),
        255
    );

    // Defaults: to = now, from = to − 30 days, seed 0.
    app.advance_clock(86_400).await;
    let tok = app
        .access_token(&e.client.0, &e.client.1, &ALL_MOKA.join(" "))
        .await;
    let d = linked_outlet(&app, &e.fx, "gofood", "Defaults").await;
    let now = secs(s(
        &app.admin_get("/sandbox/v1/clock").await.data(200)["clock"],
        "now",
    ));
    let r = generate(&app, &d, json!({ "count": 20 })).await;
    let g = r.data(201)["generated"].clone();
    assert_eq!(g["count"], json!(20));
    assert_eq!(g["seed"], json!(0));
    let gto = secs(s(&g, "to"));
    assert!(
        (now..=now + 5).contains(&gto),
        "default to = clock now: {g} vs {}",
        utc(now)
    );
    assert_eq!(
        secs(s(&g, "from")),
        gto - 30 * DAY,
        "default from = to − 30 days: {g}"
    );
    let txns = all_transactions(&app, &tok, &d, 1000, None).await;
    assert_eq!(txns.len(), 20);
    for t in &txns {
        let at = secs(s(t, "transaction_date"));
        assert!(
            gto - 30 * DAY <= at && at <= gto,
            "default range: {}",
            t["transaction_date"]
        );
    }

    generator_refusals(&app, &tok, c, from, to).await;
}
both_dbs!(generator_reproducible_and_validated);

// ---------------------------------------------------------------------------------------------
// Concurrency and combined refund lines
// ---------------------------------------------------------------------------------------------

/// Sends `n` copies of an admin POST at once; returns `(status, body)` of each.
async fn parallel_admin_posts(
    app: &TestApp,
    path: &str,
    body: Value,
    n: usize,
) -> Vec<(u16, Value)> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let client = app.client.clone();
        let url = app.url(path);
        let body = body.clone();
        set.spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(ADMIN_TOKEN)
                .json(&body)
                .send()
                .await
                .expect("send");
            let status = r.status().as_u16();
            let text = r.text().await.expect("body");
            (status, serde_json::from_str(&text).unwrap_or(Value::Null))
        });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        out.push(r.expect("task"));
    }
    out
}

/// Two lines for one unit in a single refund: refused as a whole, nothing refunded.
async fn double_line_refund_refused(app: &TestApp, e: &MEnv, o: &str, day: (&str, &str)) {
    // Two lines for one unit in a single refund: refused as a whole, nothing refunded.
    let two = record_ok(
        app,
        o,
        sale(
            "2024-07-01T09:00:00+07:00",
            vec![
                line(5, "Kopi", "Drink", 1, 5000),
                line(6, "Roti", "Food", 1, 100),
            ],
        ),
    )
    .await;
    let tid = s(&two, "id").to_string();
    let r = refund(
        app,
        &tid,
        json!({ "lines": [ { "index": 0, "quantity": 1 }, { "index": 0, "quantity": 1 } ] }),
    )
    .await;
    assert_error(&r, 400, "Bad Request", "lines[1].index: is repeated");
    let sm = report_ok(app, &e.tok, o, SUMMARY, day.0, day.1).await;
    assert_eq!(
        int(idr(&sm), "refund"),
        0,
        "a refused refund leaves nothing behind"
    );
}

/// Ten parallel one-unit refunds of a three-unit line: exactly three succeed.
async fn parallel_unit_refunds(app: &TestApp, e: &MEnv, o: &str, day: (&str, &str)) {
    // Ten parallel one-unit refunds of a three-unit line: exactly three succeed.
    let three = record_ok(
        app,
        o,
        sale(
            "2024-07-01T10:00:00+07:00",
            vec![line(7, "Teh", "Drink", 3, 7000)],
        ),
    )
    .await;
    let id = s(&three, "id").to_string();
    let res = parallel_admin_posts(
        app,
        &refunds_path(&id),
        json!({ "lines": [ { "index": 0, "quantity": 1 } ] }),
        10,
    )
    .await;
    let ok: Vec<&Value> = res
        .iter()
        .filter(|(st, _)| *st == 201)
        .map(|(_, b)| &b["data"]["refund"])
        .collect();
    assert_eq!(ok.len(), 3, "exactly three refunds of one unit: {res:?}");
    assert!(
        res.iter().all(|(st, _)| [201, 409].contains(st)),
        "the others find the sale fully refunded: {res:?}"
    );
    let full = ok
        .iter()
        .filter(|r| r["refund_type"] == json!("full"))
        .count();
    assert_eq!(full, 1, "the last one completes the sale: {ok:?}");
    let sm = report_ok(app, &e.tok, o, SUMMARY, day.0, day.1).await;
    assert_eq!(
        int(idr(&sm), "refund"),
        21000,
        "refunds never exceed the sale"
    );
}

/// Five parallel "refund everything": one succeeds, the rest conflict.
async fn parallel_full_refunds(app: &TestApp, e: &MEnv, o: &str, day: (&str, &str)) {
    // Five parallel "refund everything": one succeeds, the rest conflict.
    let all = record_ok(
        app,
        o,
        sale(
            "2024-07-01T11:00:00+07:00",
            vec![line(8, "Susu", "Drink", 2, 4000)],
        ),
    )
    .await;
    let aid = s(&all, "id").to_string();
    let res = parallel_admin_posts(app, &refunds_path(&aid), json!({}), 5).await;
    let statuses: Vec<u16> = res.iter().map(|(st, _)| *st).collect();
    assert_eq!(
        statuses.iter().filter(|st| **st == 201).count(),
        1,
        "one full refund: {res:?}"
    );
    assert!(
        statuses.iter().all(|st| *st == 201 || *st == 409),
        "the rest are 409: {res:?}"
    );
    let sm = report_ok(app, &e.tok, o, SUMMARY, day.0, day.1).await;
    assert_eq!(int(idr(&sm), "refund"), 21000 + 8000);
    let txns = all_transactions(app, &e.tok, o, 1000, Some("ASC")).await;
    let t = txns.iter().find(|t| t["id"] == json!(aid)).unwrap();
    assert_eq!(
        arr(t, "payment_refunds").len(),
        1,
        "one refund recorded: {t}"
    );
}

/// Twenty sales recorded at once: distinct numbers, each listed once.
async fn parallel_sales(app: &TestApp, e: &MEnv, o: &str) {
    // Twenty sales recorded at once: distinct numbers, each listed once.
    let res = parallel_admin_posts(
        app,
        &sales_path(o),
        priced_sale("2024-07-02T10:00:00+07:00", 1),
        20,
    )
    .await;
    assert!(
        res.iter().all(|(st, _)| *st == 201),
        "all recorded: {res:?}"
    );
    let numbers: HashSet<i64> = res
        .iter()
        .map(|(_, b)| int(&b["data"]["sale"], "number"))
        .collect();
    assert_eq!(numbers.len(), 20, "distinct sale numbers");
    let sm = report_ok(
        app,
        &e.tok,
        o,
        SUMMARY,
        "2024-07-02T10:00:00+07:00",
        "2024-07-02T10:00:00+07:00",
    )
    .await;
    assert_eq!(int(idr(&sm), "gross_amount"), 20);
    let txns = all_transactions(app, &e.tok, o, 7, Some("DESC")).await;
    assert_eq!(txns.len(), 23, "every sale listed once");
}

async fn refunds_never_exceed_the_sale(app: TestApp) {
    let e = menv(&app).await;
    let o = e.outlet().to_string();
    let day = ("2024-07-01T00:00:00+07:00", "2024-07-01T23:59:59+07:00");

    double_line_refund_refused(&app, &e, &o, day).await;
    parallel_unit_refunds(&app, &e, &o, day).await;
    parallel_full_refunds(&app, &e, &o, day).await;
    parallel_sales(&app, &e, &o).await;
}
both_dbs!(refunds_never_exceed_the_sale);

// ---------------------------------------------------------------------------------------------
// Reading one sale back
// ---------------------------------------------------------------------------------------------

async fn sandbox_reads_a_sale_with_its_refunds(app: TestApp) {
    let e = menv(&app).await;
    let sale = record_ok(
        &app,
        e.outlet(),
        sale(
            "2024-05-03T12:30:00+07:00",
            vec![line(7, "Es Teh Manis", "Tea", 3, 8000)],
        ),
    )
    .await;
    let id = s(&sale, "id").to_string();
    let path = format!("/sandbox/v1/moka/sales/{id}");
    let r = app.admin_get(&path).await;
    assert_eq!(
        r.data(200)["sale"],
        sale,
        "a read returns the sale as recorded"
    );

    refund_ok(
        &app,
        &id,
        json!({ "lines": [ { "index": 0, "quantity": 1 } ], "reason": "spilled" }),
    )
    .await;
    let r = app.admin_get(&path).await;
    let read = r.data(200)["sale"].clone();
    assert_eq!(read["lines"][0]["refunded_quantity"], json!(1), "{read}");
    assert_eq!(read["totals"]["refund"], json!(8000), "{read}");
    assert_eq!(read["totals"]["net"], json!(16000), "{read}");
    assert_eq!(arr(&read, "refunds").len(), 1, "{read}");
    assert_eq!(read["refunds"][0]["reason"], json!("spilled"), "{read}");

    for unknown in [uuid::Uuid::new_v4().to_string(), "not-a-uuid".to_string()] {
        let r = app
            .admin_get(&format!("/sandbox/v1/moka/sales/{unknown}"))
            .await;
        assert_error(&r, 404, "Not found", "Sale not found");
    }
    let r = app
        .request(Method::GET, &path)
        .bearer_auth("wrong-admin-token");
    let r = app.send(r).await;
    assert_eq!(r.status, 401, "{}", r.text);
}
both_dbs!(sandbox_reads_a_sale_with_its_refunds);

// ---------------------------------------------------------------------------------------------
// The demo data set (`serve --demo`)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn demo_outlet_has_moka_sales_to_report() {
    let db = TestDb::sqlite();
    let app = TestApp::start_with_env(&db.url, &[("GOBIZ_DEMO", "true")]).await;
    let tok = app
        .access_token(
            "demo-pos-client",
            "demo-pos-secret-change-me-0123456789abcdefg",
            "mokapos:reporting:read mokapos:transaction:read",
        )
        .await;
    let now = epoch_ms(
        app.admin_get("/sandbox/v1/clock").await.data(200)["clock"]["now"]
            .as_str()
            .unwrap(),
    ) / 1000;
    let gte = utc(now - 15 * 86_400);
    let lte = utc(now + 60);
    let r = report_ok(&app, &tok, "G000012345", SUMMARY, &gte, &lte).await;
    assert!(int(idr(&r), "gross_amount") > 0, "{r}");
    let txns = all_transactions(&app, &tok, "G000012345", 1000, Some("DESC")).await;
    assert_eq!(txns.len(), 1000, "the demo's generated sales");
    let r = app
        .api_get(
            "/integrations/mokapos/outlets/G000012345/v1/customers",
            &tok,
        )
        .await;
    assert_eq!(r.data(200)["total_count"], json!(2));
    db.cleanup().await;
}
