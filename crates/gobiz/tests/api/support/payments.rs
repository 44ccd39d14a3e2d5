//! Fixtures, calls, an independent EMVCo TLV parser / CRC-16 and assertions for the QRIS
//! payment tests (spec §7, §9.15, §10.2). Used as `crate::support::payments`.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{assert_error, assert_rfc3339_z, is_uuid, Fixture, Resp, TestApp};

pub const READ: &str = "payment:transaction:read";
pub const WRITE: &str = "payment:transaction:write";
pub const KEY: &str = "Idempotency-Key";
pub const REPLAYED: &str = "idempotent-replayed";
pub const EVENT: &str = "payment.transaction.settlement";
pub const NOT_REGISTERED: &str =
    "The outlet is not yet registered for integration. Please contact the support team.";

// ---------------------------------------------------------------------------------------------
// Paths and calls
// ---------------------------------------------------------------------------------------------

pub fn create_path(outlet: &str) -> String {
    format!("/integrations/payment/outlets/{outlet}/v2/transactions")
}

pub fn get_path(outlet: &str, id: &str) -> String {
    format!("/integrations/payment/outlets/{outlet}/v1/transactions/{id}")
}

pub fn new_key() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A valid create body with one item whose price × quantity = `amount`.
pub fn tx_body(order_id: &str, amount: i64) -> Value {
    json!({ "payment_type": "qris",
            "transaction_details": { "order_id": order_id, "gross_amount": amount, "currency": "IDR" },
            "item_details": [ { "id": "SKU-000123", "price": amount, "quantity": 1, "name": "Item sample no.1",
                                "brand": "sample brand", "category": "others", "merchant_name": null } ],
            "customer_details": { "first_name": "John", "last_name": "Doe", "email": "john@example.com",
                                  "phone": "+628111000123" },
            "metadata": {} })
}

/// A random valid order id.
pub fn order_id() -> String {
    format!("order-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// `POST .../v2/transactions` with `Idempotency-Key: key` (omitted when `None`).
pub async fn create(
    app: &TestApp,
    tok: &str,
    outlet: &str,
    key: Option<&str>,
    body: &Value,
) -> Resp {
    let mut rb = app
        .request(Method::POST, &create_path(outlet))
        .bearer_auth(tok)
        .json(body);
    if let Some(k) = key {
        rb = rb.header(KEY, k);
    }
    app.send(rb).await
}

/// Like [`create`] with a raw body text (sent as `application/json`).
pub async fn create_raw(app: &TestApp, tok: &str, outlet: &str, key: &str, body: &str) -> Resp {
    let rb = app
        .request(Method::POST, &create_path(outlet))
        .bearer_auth(tok)
        .header(KEY, key)
        .header("content-type", "application/json")
        .body(body.to_string());
    app.send(rb).await
}

/// A successful create (fresh key); returns `data`.
pub async fn create_ok(app: &TestApp, tok: &str, outlet: &str, body: &Value) -> Value {
    let r = create(app, tok, outlet, Some(&new_key()), body).await;
    r.data(200).clone()
}

pub async fn get_tx(app: &TestApp, tok: &str, outlet: &str, id: &str) -> Resp {
    app.api_get(&get_path(outlet, id), tok).await
}

pub async fn get_ok(app: &TestApp, tok: &str, outlet: &str, id: &str) -> Value {
    get_tx(app, tok, outlet, id).await.data(200).clone()
}

pub fn tx_id(data: &Value) -> String {
    data["transaction"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("transaction.id: {data}"))
        .to_string()
}

pub fn qris_of(data: &Value) -> String {
    data["transaction"]["qris_string"]
        .as_str()
        .unwrap_or_else(|| panic!("transaction.qris_string: {data}"))
        .to_string()
}

/// `POST /sandbox/v1/payments/pay`.
pub async fn pay(app: &TestApp, body: Value) -> Resp {
    app.admin_post("/sandbox/v1/payments/pay", body).await
}

/// `POST /sandbox/v1/transactions/{id}/{action}` (`expire` / `cancel`).
pub async fn sandbox_action(app: &TestApp, id: &str, action: &str) -> Resp {
    app.admin_post(
        &format!("/sandbox/v1/transactions/{id}/{action}"),
        json!({}),
    )
    .await
}

pub fn assert_not_found_tx(r: &Resp) {
    assert_error(r, 404, "Not found", "Transaction not found");
}

pub fn assert_unregistered(r: &Resp) {
    assert_error(r, 404, "Requested resource not found", NOT_REGISTERED);
}

pub fn assert_conflict(r: &Resp, what: &str) {
    crate::harness::assert_error_title(r, 409, "Conflict");
    assert!(!r.messages().is_empty(), "{what}: {}", r.text);
}

pub fn assert_replayed(r: &Resp, what: &str) {
    assert_eq!(
        r.header(REPLAYED).as_deref(),
        Some("true"),
        "{what}: Idempotent-Replayed header; body {}",
        r.text
    );
}

pub fn assert_not_replayed(r: &Resp, what: &str) {
    assert_ne!(
        r.header(REPLAYED).as_deref(),
        Some("true"),
        "{what}: must not be a replay; body {}",
        r.text
    );
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// The facilitator fixture, its outlet also linked for `payment`, plus a client of the same
/// partner allowed both payment scopes.
pub struct PEnv {
    pub fx: Fixture,
    /// Token with read + write.
    pub tok: String,
    pub pay_client: (String, String),
    pub outlet_name: String,
    pub pop_id: String,
}

impl PEnv {
    pub fn outlet(&self) -> &str {
        &self.fx.outlet_id
    }
}

pub async fn outlet_view(app: &TestApp, outlet: &str) -> Value {
    let r = app
        .admin_get(&format!("/sandbox/v1/outlets/{outlet}"))
        .await;
    r.data(200)["outlet"].clone()
}

/// A client of `partner_id` with both payment scopes; returns `(id, secret)`.
pub async fn pay_client(app: &TestApp, partner_id: &str) -> (String, String) {
    app.create_client(partner_id, &[READ, WRITE]).await
}

pub async fn token(app: &TestApp, c: &(String, String), scope: &str) -> String {
    app.access_token(&c.0, &c.1, scope).await
}

/// Facilitator fixture (gofood link) + `payment` link + payment client.
pub async fn penv(app: &TestApp) -> PEnv {
    let fx = app.setup_facilitator().await;
    let ext = fx.external_outlet_id.clone();
    app.link(&fx, &fx.outlet_id, "payment", &ext).await;
    penv_of(app, fx).await
}

/// Facilitator fixture with only its `gofood` link, plus the payment client.
pub async fn penv_unlinked(app: &TestApp) -> PEnv {
    let fx = app.setup_facilitator().await;
    penv_of(app, fx).await
}

async fn penv_of(app: &TestApp, fx: Fixture) -> PEnv {
    let c = pay_client(app, &fx.partner_id).await;
    let tok = token(app, &c, &format!("{READ} {WRITE}")).await;
    let o = outlet_view(app, &fx.outlet_id).await;
    PEnv {
        fx,
        tok,
        pay_client: c,
        outlet_name: o["name"].as_str().expect("outlet.name").to_string(),
        pop_id: o["pop_id"].as_str().expect("outlet.pop_id").to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// EMVCo TLV and CRC (independent of the server)
// ---------------------------------------------------------------------------------------------

/// CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final xor.
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for b in data {
        crc ^= u16::from(*b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Splits `s` into `(tag, value)` pairs (2-digit tag, 2-digit decimal length); `Err` unless
/// the whole string is consumed exactly.
pub fn parse_tlv(s: &str) -> Result<Vec<(String, String)>, String> {
    if !s.is_ascii() {
        return Err(format!("not ASCII: {s:?}"));
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if i + 4 > s.len() {
            return Err(format!("truncated header at {i} in {s:?}"));
        }
        let tag = &s[i..i + 2];
        let len = &s[i + 2..i + 4];
        if !tag.bytes().all(|b| b.is_ascii_digit()) || !len.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("bad tag/length {tag:?}/{len:?} at {i} in {s:?}"));
        }
        let n: usize = len.parse().unwrap();
        if i + 4 + n > s.len() {
            return Err(format!("value of tag {tag} overruns at {i} in {s:?}"));
        }
        out.push((tag.to_string(), s[i + 4..i + 4 + n].to_string()));
        i += 4 + n;
    }
    Ok(out)
}

fn tags(v: &[(String, String)]) -> Vec<&str> {
    v.iter().map(|(t, _)| t.as_str()).collect()
}

fn val<'a>(v: &'a [(String, String)], tag: &str) -> &'a str {
    v.iter()
        .find(|(t, _)| t == tag)
        .map(|(_, x)| x.as_str())
        .unwrap_or_else(|| panic!("tag {tag} missing in {v:?}"))
}

/// Checks the trailing CRC: `…6304XXXX` with XXXX = upper-case hex CRC over all before it.
pub fn crc_ok(s: &str) -> Result<(), String> {
    if s.len() < 8 || !s.is_ascii() {
        return Err(format!("too short / not ASCII: {s:?}"));
    }
    let (head, crc) = s.split_at(s.len() - 4);
    if !head.ends_with("6304") {
        return Err(format!("no 6304 before the CRC: {s:?}"));
    }
    if !crc
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
    {
        return Err(format!("CRC {crc:?} is not 4 upper-case hex digits"));
    }
    let want = format!("{:04X}", crc16(head.as_bytes()));
    if want != crc {
        return Err(format!("CRC {crc} != computed {want} for {s:?}"));
    }
    Ok(())
}

/// What a created transaction's `qris_string` must encode.
pub struct QrisExpect<'a> {
    pub outlet_id: &'a str,
    pub outlet_name: &'a str,
    pub tx_id: &'a str,
    pub amount: i64,
}

/// Full §7.6 check; returns the top-level TLVs.
pub fn check_qris(s: &str, e: &QrisExpect<'_>) -> Vec<(String, String)> {
    crc_ok(s).unwrap_or_else(|m| panic!("qris_string CRC: {m}"));
    let top = parse_tlv(s).unwrap_or_else(|m| panic!("qris_string TLV: {m}"));
    assert_eq!(
        tags(&top),
        ["00", "01", "26", "51", "52", "53", "54", "58", "59", "60", "62", "63"],
        "top-level tags in order: {s}"
    );
    assert_eq!(val(&top, "00"), "01", "payload format: {s}");
    assert_eq!(val(&top, "01"), "12", "dynamic: {s}");

    let t26 = parse_tlv(val(&top, "26")).unwrap_or_else(|m| panic!("tag 26: {m}"));
    assert_eq!(tags(&t26), ["00", "01", "02", "03"], "tag 26 subtags: {s}");
    assert_eq!(val(&t26, "00"), "COM.GO-JEK.WWW", "26.00: {s}");
    let pan = val(&t26, "01");
    assert!(
        pan.len() == 18 && pan.bytes().all(|b| b.is_ascii_digit()) && pan.starts_with("93600914"),
        "26.01 must be an 18-digit PAN starting 93600914: {pan:?}"
    );
    assert_eq!(val(&t26, "02"), e.outlet_id, "26.02 = outlet id: {s}");
    assert_eq!(val(&t26, "03"), "UMI", "26.03: {s}");

    let t51 = parse_tlv(val(&top, "51")).unwrap_or_else(|m| panic!("tag 51: {m}"));
    assert_eq!(tags(&t51), ["00", "02", "03"], "tag 51 subtags: {s}");
    assert_eq!(val(&t51, "00"), "ID.CO.QRIS.WWW", "51.00: {s}");
    assert_eq!(
        val(&t51, "02").len(),
        15,
        "51.02 NMID has 15 characters: {s}"
    );
    assert_eq!(val(&t51, "03"), "UMI", "51.03: {s}");

    assert_eq!(val(&top, "52"), "5812", "MCC: {s}");
    assert_eq!(val(&top, "53"), "360", "currency: {s}");
    assert_eq!(val(&top, "54"), e.amount.to_string(), "amount: {s}");
    assert_eq!(val(&top, "58"), "ID", "country: {s}");
    let name = val(&top, "59");
    let want_name: String = e.outlet_name.chars().take(25).collect();
    assert_eq!(
        name, want_name,
        "59 = outlet name cut to 25 characters: {s}"
    );
    let city = val(&top, "60");
    assert!(
        !city.is_empty() && city.len() <= 15,
        "60 city must have 1..=15 characters: {city:?}"
    );

    let t62 = parse_tlv(val(&top, "62")).unwrap_or_else(|m| panic!("tag 62: {m}"));
    assert_eq!(tags(&t62), ["05", "07"], "tag 62 subtags: {s}");
    let hex: String = e.tx_id.replace('-', "").chars().take(24).collect();
    assert_eq!(val(&t62, "05"), format!("T{hex}"), "62.05 reference: {s}");
    assert_eq!(val(&t62, "07"), "A01", "62.07 terminal: {s}");
    assert_eq!(val(&top, "63").len(), 4, "63 CRC: {s}");
    top
}

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

pub fn key_set(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("object expected: {v}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

fn tx_keys() -> Vec<String> {
    let mut k: Vec<String> = [
        "id",
        "payment_type",
        "status",
        "qris_string",
        "order_id",
        "gross_amount",
        "currency",
        "created_at",
        "settlement_at",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    k.sort();
    k
}

/// Asserts a create / get `data` (§7.1, §7.2) for `e`, the given order and status, and the
/// `qris_string` (§7.6).
pub fn assert_tx_data(app: &TestApp, d: &Value, e: &PEnv, order: &str, amount: i64, status: &str) {
    assert_tx_data_for(
        app,
        d,
        e.outlet(),
        &e.pop_id,
        &e.outlet_name,
        order,
        amount,
        status,
    );
}

#[allow(clippy::too_many_arguments)]
pub fn assert_tx_data_for(
    app: &TestApp,
    d: &Value,
    outlet: &str,
    pop_id: &str,
    outlet_name: &str,
    order: &str,
    amount: i64,
    status: &str,
) {
    assert_eq!(
        key_set(d),
        ["actions", "outlet", "transaction"],
        "data keys: {d}"
    );
    assert_eq!(
        d["outlet"],
        json!({ "id": outlet, "pop_id": pop_id }),
        "data.outlet: {d}"
    );
    let t = &d["transaction"];
    assert_eq!(key_set(t), tx_keys(), "transaction keys: {t}");
    let id = t["id"].as_str().unwrap_or_else(|| panic!("id: {t}"));
    assert!(
        is_uuid(id),
        "transaction.id must be a lower-case UUID: {id}"
    );
    assert_eq!(t["payment_type"], json!("qris"), "{t}");
    assert_eq!(t["status"], json!(status), "{t}");
    assert_eq!(t["order_id"], json!(order), "{t}");
    assert_eq!(t["gross_amount"], json!(amount), "{t}");
    assert_eq!(t["currency"], json!("IDR"), "{t}");
    assert_rfc3339_z(&t["created_at"]);
    if status == "settlement" {
        assert_rfc3339_z(&t["settlement_at"]);
    } else {
        assert_eq!(
            t["settlement_at"],
            Value::Null,
            "settlement_at null unless settled: {t}"
        );
    }
    assert_eq!(
        d["actions"],
        json!([{ "name": "generate-qr-code", "method": "GET",
                 "url": format!("{}/transactions/{id}/qr-code", app.base) }]),
        "actions: {d}"
    );
    check_qris(
        t["qris_string"]
            .as_str()
            .unwrap_or_else(|| panic!("qris_string: {t}")),
        &QrisExpect {
            outlet_id: outlet,
            outlet_name,
            tx_id: id,
            amount,
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

pub use crate::harness::epoch_ms;

/// `YYYY-MM-DDTHH:MM:SS.mmm+07:00`.
pub fn assert_jakarta_ms(v: &Value, what: &str) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("{what} must be a string, got {v}"));
    let re = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+07:00$").unwrap();
    assert!(
        re.is_match(s),
        "{what} must be +07:00 with milliseconds: {s}"
    );
}

/// The same instant at whole-second precision (`Z` seconds vs `+07:00` ms).
pub fn assert_same_second(utc: &Value, jkt: &Value, what: &str) {
    let a = epoch_ms(utc.as_str().unwrap_or_else(|| panic!("{what}: {utc}")));
    let b = epoch_ms(jkt.as_str().unwrap_or_else(|| panic!("{what}: {jkt}")));
    assert_eq!(
        a.div_euclid(1000),
        b.div_euclid(1000),
        "{what}: {utc} vs {jkt} must be the same instant (to the second)"
    );
}

// ---------------------------------------------------------------------------------------------
// QR image
// ---------------------------------------------------------------------------------------------

/// `GET <url>` with an optional bearer token and `Accept: image/png`; `(status, content-type,
/// body bytes, parsed json if any)`.
pub async fn qr_get(app: &TestApp, url: &str, tok: Option<&str>) -> (u16, String, Vec<u8>, Resp) {
    let mut rb = app.client.get(url).header("accept", "image/png");
    if let Some(t) = tok {
        rb = rb.bearer_auth(t);
    }
    let r = rb.send().await.expect("qr request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let ct = headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = r.bytes().await.expect("qr body").to_vec();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    (
        status,
        ct,
        bytes,
        Resp {
            status,
            headers,
            text,
            json,
        },
    )
}

/// Decodes a PNG, checks ≥ 256 × 256 and returns the QR payload(s) read back.
pub fn decode_qr(png: &[u8]) -> (u32, u32, Vec<String>) {
    let img = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .expect("body is a PNG image")
        .to_luma8();
    let (w, h) = img.dimensions();
    let mut p = rqrr::PreparedImage::prepare(img);
    let out = p
        .detect_grids()
        .into_iter()
        .map(|g| g.decode().expect("QR grid decodes").1)
        .collect();
    (w, h, out)
}
