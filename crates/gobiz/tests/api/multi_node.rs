//! Many nodes on one database (issue 13): two `gobiz serve` nodes and one `gobiz worker` on
//! one PostgreSQL database — three webhook dispatchers, since `serve` dispatches too — under a
//! mixed load sent to both nodes:
//!
//! - every event reaches every subscription: the distinct `X-Go-Idempotency-Key`s received
//!   are exactly UUIDv5(event, subscription) for the expected events × their subscriptions,
//!   and a copy delivered twice carries the same key and body;
//! - one payment per `Idempotency-Key`: the same key sent concurrently to both nodes yields one
//!   transaction, one fresh answer and replays;
//! - one winner when an accept on one node races a reject on the other: one 200, one 409;
//! - a token revoked on one node is refused by that node at once and by the other within the
//!   1 s its token memo lives (polled; every request sent after that second is refused).
//!
//! PostgreSQL only (SQLite is one process's file): skipped when `GOBIZ_TEST_POSTGRES_URL` is
//! not set. Black box: the real binary over HTTP.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::harness::receiver::{
    go_signature, idempotency_key, outlet_subs, subscribe, subscribe_at, Receiver,
};
use crate::harness::*;
use crate::support::catalog::push_ok;
use crate::support::orders::{
    accept, action_path, advance, assert_ok_empty, assert_wrong_state, get_order, num,
    order_catalog, place_ok, prepared, reject_body, set_mode, simple_order, status, ACCEPTED,
    ARRIVED, AWAITING, CANCELLED, COMPLETED, CREATED, ORDER_EVENTS, OTW, PLACED,
};
use crate::support::payments::{create, get_ok, pay, tx_body, tx_id, REPLAYED};
use reqwest::Method;
use serde_json::{json, Value};
use tokio::process::Child;

/// Orders driven from placement to `COMPLETED` (auto-accept outlet).
const LIFECYCLES: usize = 30;
/// Orders raced: accept on one node against reject on the other (manual outlet).
const RACES: usize = 30;
/// Idempotency keys, each sent concurrently to both nodes.
const PAYMENT_KEYS: usize = 20;
/// Requests of the same key (half to each node).
const PER_KEY: usize = 4;
/// Rounds of reads and token requests (four requests each).
const READ_ROUNDS: usize = 40;
/// Requests in flight per kind of load.
const CONCURRENCY: usize = 6;

const SETTLEMENT: &str = "payment.transaction.settlement";
/// Receiver paths: general subscriptions, and the outlet subscriptions of each outlet.
const GENERAL: &str = "/general";
const OUTLET1: &str = "/outlet-1";
const OUTLET2: &str = "/outlet-2";

/// Generous bound for everything that is waited for (not a performance target).
const WAIT: Duration = Duration::from_secs(60);
/// How long another node may accept a revoked token: its token memo's lifetime (1 s), plus
/// scheduling slack between this process and the server.
const REVOCATION_BOUND: Duration = Duration::from_millis(1100);

/// `gobiz worker` on the database: the dispatcher and timer loop without a listener.
struct Worker {
    _child: Child,
}

async fn start_worker(db_url: &str) -> Worker {
    let (child, _, _) = spawn_gobiz(
        &["worker", "--database-url", db_url, "--mode", "sandbox"],
        &[],
        "gobiz worker running",
    )
    .await;
    Worker { _child: child }
}

/// The two nodes, by index.
type Nodes = [Arc<TestApp>; 2];

/// What the load expects to be told about: (entity id, event name) → the outlet's receiver
/// path (besides [`GENERAL`]).
type Expected = BTreeMap<(String, String), &'static str>;

/// Runs `f(i)` for `i in 0..n` with at most [`CONCURRENCY`] in flight; results by index.
async fn fan_out<T, F, Fut>(n: usize, f: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let sem = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..n {
        let permit = sem.clone().acquire_owned().await.unwrap();
        let fut = f(i);
        set.spawn(async move {
            let out = fut.await;
            drop(permit);
            (i, out)
        });
    }
    let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
    while let Some(r) = set.join_next().await {
        let (i, v) = r.expect("load task panicked");
        out[i] = Some(v);
    }
    out.into_iter().map(|v| v.unwrap()).collect()
}

/// Orders on the auto-accept outlet: placed on one node, marked food-prepared on the other,
/// driven to `COMPLETED` on the first. Returns the expected events.
async fn lifecycles(nodes: &Nodes, tok: &str, outlet: &str) -> Expected {
    let tok = tok.to_string();
    let outlet = outlet.to_string();
    let nums = fan_out(LIFECYCLES, |i| {
        let (x, y) = (nodes[i % 2].clone(), nodes[(i + 1) % 2].clone());
        let (tok, outlet) = (tok.clone(), outlet.clone());
        async move {
            let o = place_ok(&x, &outlet, simple_order()).await;
            assert_eq!(status(&o), ACCEPTED, "auto-accept: {o}");
            let n = num(&o);
            let r = prepared(&y, &tok, &outlet, "delivery", &n, None).await;
            assert_ok_empty(&r, "food-prepared on the other node");
            let r = advance(&x, &n, json!({ "to": COMPLETED })).await;
            r.data(200);
            n
        }
    })
    .await;
    let mut want = Expected::new();
    for n in nums {
        for s in [CREATED, ACCEPTED, OTW, ARRIVED, PLACED, COMPLETED] {
            want.insert((n.clone(), crate::support::orders::event_of(s)), OUTLET1);
        }
    }
    want
}

/// Orders on the manual outlet, each accepted on one node while it is rejected on the other.
/// Exactly one wins; the loser gets 409 naming the winner's state; every node then reads
/// the winner's state. Returns the expected events.
async fn races(nodes: &Nodes, tok: &str, outlet: &str) -> Expected {
    let tok = tok.to_string();
    let outlet = outlet.to_string();
    let winners = fan_out(RACES, |i| {
        let (x, y) = (nodes[i % 2].clone(), nodes[(i + 1) % 2].clone());
        let (tok, outlet) = (tok.clone(), outlet.clone());
        async move {
            let n = num(&place_ok(&x, &outlet, simple_order()).await);
            let reject_path = action_path(&outlet, "delivery", &n, "cancelled");
            let body = reject_body("HIGH_DEMAND", "Too busy");
            // Accept on x, reject on y, at the same time.
            let (ra, rc) = tokio::join!(
                accept(&x, &tok, &outlet, "delivery", &n),
                y.api_send(Method::PUT, &reject_path, &tok, Some(body))
            );
            let winner = match (ra.status, rc.status) {
                (200, 409) => {
                    assert_ok_empty(&ra, "winning accept");
                    assert_wrong_state(&rc, &n, "rejected", ACCEPTED);
                    ACCEPTED
                }
                (409, 200) => {
                    assert_ok_empty(&rc, "winning reject");
                    assert_wrong_state(&ra, &n, "accepted", CANCELLED);
                    CANCELLED
                }
                (a, c) => panic!(
                    "{n}: exactly one of accept (node {}) / reject (node {}) must win; got {a} ({}) and {c} ({})",
                    i % 2,
                    (i + 1) % 2,
                    ra.text,
                    rc.text
                ),
            };
            for node in [&x, &y] {
                assert_eq!(status(&get_order(node, &n).await), winner, "{n} on both nodes");
            }
            (n, winner)
        }
    })
    .await;
    let accepted = winners.iter().filter(|(_, w)| *w == ACCEPTED).count();
    eprintln!(
        "races: accept won {accepted}, reject won {} of {RACES}",
        RACES - accepted
    );
    let mut want = Expected::new();
    for (n, w) in winners {
        for s in [CREATED, AWAITING, w] {
            want.insert((n.clone(), crate::support::orders::event_of(s)), OUTLET2);
        }
    }
    want
}

/// Each key sent [`PER_KEY`] times at once, alternately to each node, each copy with its own
/// order id (only the key may decide): one transaction, one fresh answer, the same body for
/// all; the order ids of the other copies stay free. Every other transaction is then paid
/// through the sandbox. Returns the expected settlement events.
async fn payments(nodes: &Nodes, ptok: &str, outlet: &str) -> Expected {
    let ptok = ptok.to_string();
    let outlet = outlet.to_string();
    let ids = fan_out(PAYMENT_KEYS, |k| {
        let nodes = nodes.clone();
        let (ptok, outlet) = (ptok.clone(), outlet.clone());
        async move {
            let key = uuid::Uuid::new_v4().simple().to_string();
            let mut set = tokio::task::JoinSet::new();
            for c in 0..PER_KEY {
                let node = nodes[c % 2].clone();
                let (ptok, outlet, key) = (ptok.clone(), outlet.clone(), key.clone());
                set.spawn(async move {
                    let order = format!("mn-{}-{c}", &key[..12]);
                    let r = create(&node, &ptok, &outlet, Some(&key), &tx_body(&order, 5000)).await;
                    (c, order, r)
                });
            }
            let mut answers = Vec::new();
            while let Some(r) = set.join_next().await {
                answers.push(r.unwrap());
            }
            let fresh = answers
                .iter()
                .filter(|(_, _, r)| r.header(REPLAYED).as_deref() != Some("true"))
                .count();
            let datas: Vec<Value> = answers
                .iter()
                .map(|(_, _, r)| r.data(200).clone())
                .collect();
            let tx_ids: BTreeSet<String> = datas.iter().map(tx_id).collect();
            assert_eq!(
                tx_ids.len(),
                1,
                "key {key} sent {PER_KEY} times to both nodes: transactions {tx_ids:?}"
            );
            assert_eq!(fresh, 1, "key {key}: exactly one answer is not a replay");
            for d in &datas {
                assert_eq!(d, &datas[0], "key {key}: every node answers the same");
            }
            let id = tx_id(&datas[0]);
            let chosen = datas[0]["transaction"]["order_id"]
                .as_str()
                .unwrap()
                .to_string();
            // Each node reads it (its own base URL in `actions`).
            for node in nodes.iter() {
                let g = get_ok(node, &ptok, &outlet, &id).await;
                assert_eq!(g["transaction"], datas[0]["transaction"]);
                assert_eq!(g["outlet"], datas[0]["outlet"]);
            }
            // The other copies created nothing: their order ids are still free.
            for (c, order, _) in &answers {
                if *order == chosen {
                    continue;
                }
                let fresh_key = uuid::Uuid::new_v4().simple().to_string();
                let r = create(
                    &nodes[c % 2],
                    &ptok,
                    &outlet,
                    Some(&fresh_key),
                    &tx_body(order, 5),
                )
                .await;
                r.data(200);
            }
            if k % 2 == 0 {
                let r = pay(&nodes[(k / 2) % 2], json!({ "transaction_id": id })).await;
                assert_eq!(r.data(200)["transaction"]["status"], json!("settlement"));
                Some(id)
            } else {
                None
            }
        }
    })
    .await;
    ids.into_iter()
        .flatten()
        .map(|id| ((id, SETTLEMENT.to_string()), OUTLET1))
        .collect()
}

/// Reads and token requests on both nodes; all succeed.
async fn reads(nodes: &Nodes, fx: &Fixture, tok: &str, outlets: [&str; 2]) {
    let (fx, tok) = (fx.clone(), tok.to_string());
    let outlets = [outlets[0].to_string(), outlets[1].to_string()];
    fan_out(READ_ROUNDS, |i| {
        let node = nodes[i % 2].clone();
        let (fx, tok, outlet) = (fx.clone(), tok.clone(), outlets[i % 2].clone());
        async move {
            let r = node
                .api_get("/integrations/partner/v1/linked-outlets", &tok)
                .await;
            r.data(200);
            let r = node
                .api_get(&format!("/integrations/partner/outlets/{outlet}/v1"), &tok)
                .await;
            r.data(200);
            let r = node
                .api_get(
                    &format!("/integrations/gofood/outlets/{outlet}/v2/catalog"),
                    &tok,
                )
                .await;
            r.data(200);
            node.access_token(&fx.client_id, &fx.client_secret, "partner:outlet:read")
                .await;
        }
    })
    .await;
}

/// A token used on both nodes (so both remember it), then revoked on `from`: `from` refuses
/// it at once; `other` is polled until it refuses it too. Every request sent to `other` at
/// least [`REVOCATION_BOUND`] after the revocation answered is refused, and once refused it
/// stays refused. Returns the delay to the first refusal seen (the send time of that poll).
async fn revocation(from: &TestApp, other: &TestApp, fx: &Fixture) -> Duration {
    const PATH: &str = "/integrations/partner/v1/linked-outlets";
    let tok = from
        .access_token(&fx.client_id, &fx.client_secret, "partner:outlet:read")
        .await;
    other.api_get(PATH, &tok).await.data(200);
    from.api_get(PATH, &tok).await.data(200);
    let r = from.revoke(&fx.client_id, &fx.client_secret, &tok).await;
    assert_eq!((r.status, r.text.as_str()), (200, ""), "revoke");
    let revoked = Instant::now();
    assert_session_expired_because(&from.api_get(PATH, &tok).await, "token revoked");

    let mut polls: Vec<(Duration, u16)> = Vec::new();
    loop {
        let sent = revoked.elapsed();
        let r = other.api_get(PATH, &tok).await;
        match r.status {
            200 => {}
            401 => assert_session_expired_because(&r, "token revoked"),
            s => panic!("other node answered {s} for a revoked token: {}", r.text),
        }
        polls.push((sent, r.status));
        let refused = polls.iter().any(|(_, s)| *s == 401);
        if refused && sent >= REVOCATION_BOUND + Duration::from_millis(400) {
            break;
        }
        assert!(
            revoked.elapsed() < WAIT,
            "the other node still accepts a token revoked {WAIT:?} ago: {polls:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let first = polls.iter().position(|(_, s)| *s == 401).unwrap();
    assert!(
        polls[first..].iter().all(|(_, s)| *s == 401),
        "once refused, the revoked token stays refused: {polls:?}"
    );
    let late: Vec<_> = polls
        .iter()
        .filter(|(at, s)| *s == 200 && *at >= REVOCATION_BOUND)
        .collect();
    assert!(
        late.is_empty(),
        "the other node accepted the revoked token in requests sent {REVOCATION_BOUND:?} or more after the revocation: {late:?}"
    );
    polls[first].0
}

/// One delivery as received, reduced to what the check needs.
struct Got {
    path: String,
    key: String,
    event_id: String,
    event: String,
    entity: String,
    signature: String,
    body: Vec<u8>,
}

fn entity_of(event: &str, p: &Value) -> String {
    let v = if event == SETTLEMENT {
        &p["body"]["transaction"]["id"]
    } else {
        &p["body"]["order"]["order_number"]
    };
    v.as_str()
        .unwrap_or_else(|| panic!("no entity id in {event}: {p}"))
        .to_string()
}

/// What the receiver got, one [`Got`] per request.
fn got_of(rx: &Receiver) -> Vec<Got> {
    rx.requests()
        .into_iter()
        .map(|r| {
            let p = r.json();
            let event = p["header"]["event_name"].as_str().unwrap().to_string();
            Got {
                path: r.path.clone(),
                key: r.idempotency_key(),
                event_id: r.event_id(),
                entity: entity_of(&event, &p),
                signature: r.header("x-go-signature").unwrap_or_default(),
                event,
                body: r.body.to_vec(),
            }
        })
        .collect()
}

/// What the receiver got from the mixed load: each expected event exactly once per
/// subscription (its two), keyed UUIDv5(event, subscription), signed with `secret`, and
/// copies of one delivery identical.
fn check_deliveries(
    got: &[Got],
    expected: &Expected,
    subs: &HashMap<(&str, String), String>,
    secret: &str,
    want_deliveries: usize,
) {
    // Events as delivered: one event id per (entity, event), and exactly the expected ones.
    let mut events: BTreeMap<String, (String, String)> = BTreeMap::new();
    for g in got {
        let seen = events
            .entry(g.event_id.clone())
            .or_insert_with(|| (g.entity.clone(), g.event.clone()));
        assert_eq!(
            seen,
            &(g.entity.clone(), g.event.clone()),
            "event {} delivered with two meanings",
            g.event_id
        );
    }
    let mut by_meaning: BTreeMap<(String, String), String> = BTreeMap::new();
    for (id, meaning) in &events {
        if let Some(other) = by_meaning.insert(meaning.clone(), id.clone()) {
            panic!("{meaning:?} was emitted twice: events {other} and {id}");
        }
    }
    let delivered: BTreeSet<&(String, String)> = by_meaning.keys().collect();
    let wanted: BTreeSet<&(String, String)> = expected.keys().collect();
    let missing: Vec<_> = wanted.difference(&delivered).collect();
    let extra: Vec<_> = delivered.difference(&wanted).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "events delivered vs expected: missing {missing:?}, unexpected {extra:?}"
    );
    // Keys: exactly UUIDv5(event, subscription) for each event and its two subscriptions.
    let mut want_keys = BTreeSet::new();
    for (meaning, id) in &by_meaning {
        for path in [GENERAL, expected[meaning]] {
            let sub = &subs[&(path, meaning.1.clone())];
            want_keys.insert((path.to_string(), idempotency_key(id, sub)));
        }
    }
    let got_keys: BTreeSet<(String, String)> = got
        .iter()
        .map(|g| (g.path.clone(), g.key.clone()))
        .collect();
    assert_eq!(
        got_keys.len(),
        want_keys.len(),
        "distinct (subscription, idempotency key) pairs"
    );
    assert_eq!(
        got_keys, want_keys,
        "every expected event reached each of its subscriptions, with key UUIDv5(event, subscription)"
    );
    assert_eq!(want_keys.len(), want_deliveries);
    // Copies of one delivery are identical and signed.
    let mut first: HashMap<&str, &Got> = HashMap::new();
    for g in got {
        assert_eq!(
            g.signature,
            go_signature(secret, &g.body),
            "signature of {}",
            g.key
        );
        match first.get(g.key.as_str()) {
            Some(f) => assert_eq!(f.body, g.body, "copies of {} differ", g.key),
            None => {
                first.insert(&g.key, g);
            }
        }
    }
}

/// A token of a new payment client (read and write) of the fixture's partner.
async fn payment_token(a: &TestApp, fx: &Fixture) -> String {
    let pay_client = a
        .create_client(
            &fx.partner_id,
            &[
                crate::support::payments::READ,
                crate::support::payments::WRITE,
            ],
        )
        .await;
    a.access_token(
        &pay_client.0,
        &pay_client.1,
        &format!(
            "{} {}",
            crate::support::payments::READ,
            crate::support::payments::WRITE
        ),
    )
    .await
}

/// Two subscriptions per event, a general one and one for the event's outlet, made through
/// both nodes (`tok` for orders, `ptok` for the settlement); keyed by (receiver path, event).
async fn subscribe_general_and_per_outlet(
    (a, b): (&TestApp, &TestApp),
    rx: &Receiver,
    (tok, ptok): (&str, &str),
    (outlet1, outlet2): (&str, &str),
) -> HashMap<(&'static str, String), String> {
    let mut subs: HashMap<(&str, String), String> = HashMap::new();
    for ev in ORDER_EVENTS {
        let t = tok;
        subs.insert(
            (GENERAL, ev.to_string()),
            subscribe(a, t, ev, &rx.url(GENERAL)).await,
        );
        for (path, outlet) in [(OUTLET1, &outlet1), (OUTLET2, &outlet2)] {
            let s = subscribe_at(b, t, &outlet_subs(outlet), ev, &rx.url(path)).await;
            subs.insert(
                (path, ev.to_string()),
                s["id"].as_str().unwrap().to_string(),
            );
        }
    }
    subs.insert(
        (GENERAL, SETTLEMENT.to_string()),
        subscribe(b, ptok, SETTLEMENT, &rx.url(GENERAL)).await,
    );
    let s = subscribe_at(a, ptok, &outlet_subs(outlet1), SETTLEMENT, &rx.url(OUTLET1)).await;
    subs.insert(
        (OUTLET1, SETTLEMENT.to_string()),
        s["id"].as_str().unwrap().to_string(),
    );
    subs
}

#[tokio::test]
async fn two_nodes_and_a_worker_under_mixed_load() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    // One at a time: the first start migrates and stores the sandbox secret key.
    let a = Arc::new(TestApp::start(&db.url).await);
    let b = Arc::new(TestApp::start(&db.url).await);
    let worker = start_worker(&db.url).await;
    let nodes: Nodes = [a.clone(), b.clone()];

    // Fixture (through node A): outlet 1 auto-accept, linked for gofood and payment; outlet 2
    // manual, linked for gofood; both with the order menu; a payment client.
    let fx = a.setup_facilitator().await;
    let tok = a.fixture_token(&fx).await;
    let outlet1 = fx.outlet_id.clone();
    push_ok(&a, &tok, &outlet1, &order_catalog()).await;
    a.link(&fx, &outlet1, "payment", &fx.external_outlet_id)
        .await;
    let outlet2 = a.create_outlet_id(&fx.merchant_id, "Race outlet").await;
    a.link(&fx, &outlet2, "gofood", "ext-race").await;
    push_ok(&a, &tok, &outlet2, &order_catalog()).await;
    set_mode(&a, &outlet2, "manual").await;
    let ptok = payment_token(&a, &fx).await;

    // Two subscriptions per event: a general one, and one for the event's outlet.
    let rx = Receiver::start().await;
    let subs =
        subscribe_general_and_per_outlet((&a, &b), &rx, (&tok, &ptok), (&outlet1, &outlet2)).await;

    // The mixed load, all at once, on both nodes; two revocations in the middle of it.
    let started = Instant::now();
    let (life, raced, paid, (), (a_to_b, b_to_a)) = tokio::join!(
        lifecycles(&nodes, &tok, &outlet1),
        races(&nodes, &tok, &outlet2),
        payments(&nodes, &ptok, &outlet1),
        reads(&nodes, &fx, &tok, [&outlet1, &outlet2]),
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let x = revocation(&a, &b, &fx).await;
            let y = revocation(&b, &a, &fx).await;
            (x, y)
        }
    );
    eprintln!(
        "mixed load done in {:.1} s; a token revoked on one node was first refused by the other after {} ms (A→B) and {} ms (B→A)",
        started.elapsed().as_secs_f64(),
        a_to_b.as_millis(),
        b_to_a.as_millis()
    );

    // Every expected event × each of its two subscriptions, by idempotency key.
    let mut expected = Expected::new();
    for part in [life, raced, paid] {
        let n = expected.len() + part.len();
        expected.extend(part);
        assert_eq!(expected.len(), n, "entities overlap between loads");
    }
    let want_deliveries = expected.len() * 2;
    rx.wait_until(
        WAIT,
        &format!("{want_deliveries} distinct deliveries"),
        |r| {
            r.iter()
                .filter_map(|x| x.header("x-go-idempotency-key"))
                .collect::<BTreeSet<_>>()
                .len()
                >= want_deliveries
        },
    )
    .await;
    // A little longer, to catch deliveries that should not exist.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let got = got_of(&rx);
    check_deliveries(
        &got,
        &expected,
        &subs,
        &fx.notification_secret,
        want_deliveries,
    );
    eprintln!(
        "{} events, {} deliveries expected, {} received ({} duplicates) from two serve nodes and a worker",
        expected.len(),
        want_deliveries,
        got.len(),
        got.len() - want_deliveries
    );
    drop(worker);
    drop(nodes);
    drop((a, b));
    db.cleanup().await;
}
