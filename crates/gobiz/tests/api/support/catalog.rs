//! Builders, JSON-path mutation and read-model assertions for the GoFood catalog tests
//! (spec §4). Used as `crate::support::catalog`.

use std::collections::{HashMap, HashSet};

use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::harness::{
    assert_error_title, is_uuid, Fixture, Resp, TestApp, ADMIN_TOKEN, FACILITATOR_SCOPES,
};

pub const MAPPING_EVENT: &str = "gofood.catalog.menu_mapping_updated";
pub const NOT_REGISTERED: &str =
    "The outlet is not yet registered for integration. Please contact the support team.";
pub const DAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];
pub const ITEM_STOCKS: &str = "menu_item_stocks";
pub const VARIANT_STOCKS: &str = "variant_stocks";

// ---------------------------------------------------------------------------------------------
// Paths and calls
// ---------------------------------------------------------------------------------------------

/// `/integrations/gofood/outlets/{outlet}/{ver}/catalog`.
pub fn catalog_path(outlet: &str, ver: &str) -> String {
    format!("/integrations/gofood/outlets/{outlet}/{ver}/catalog")
}

/// `/integrations/gofood/outlets/{outlet}/v2/{kind}` (`menu_item_stocks` / `variant_stocks`).
pub fn stock_path(outlet: &str, kind: &str) -> String {
    format!("/integrations/gofood/outlets/{outlet}/v2/{kind}")
}

/// `PUT .../v1/catalog`.
pub async fn push(app: &TestApp, tok: &str, outlet: &str, body: &Value) -> Resp {
    app.api_send(
        Method::PUT,
        &catalog_path(outlet, "v1"),
        tok,
        Some(body.clone()),
    )
    .await
}

/// Asserts exactly `{"success":true,"data":{}}` with status 200.
pub fn assert_empty_ok(r: &Resp, what: &str) {
    assert_eq!(r.status, 200, "{what}: status; body: {}", r.text);
    assert_eq!(
        r.json,
        json!({ "success": true, "data": {} }),
        "{what}: body; body: {}",
        r.text
    );
}

/// `PUT .../v1/catalog`, asserting 200 `data {}`.
pub async fn push_ok(app: &TestApp, tok: &str, outlet: &str, body: &Value) {
    let r = push(app, tok, outlet, body).await;
    assert_empty_ok(&r, "catalog push");
}

/// `GET .../v2/catalog` → `data`, asserting 200.
pub async fn get_v2(app: &TestApp, tok: &str, outlet: &str) -> Value {
    let r = app.api_get(&catalog_path(outlet, "v2"), tok).await;
    r.data(200).clone()
}

/// `GET .../v1/catalog` → `data`, asserting 200.
pub async fn get_v1(app: &TestApp, tok: &str, outlet: &str) -> Value {
    let r = app.api_get(&catalog_path(outlet, "v1"), tok).await;
    r.data(200).clone()
}

/// A stock update (`PATCH` or `PUT`) on `kind`.
pub async fn stock(
    app: &TestApp,
    tok: &str,
    method: Method,
    outlet: &str,
    kind: &str,
    body: Value,
) -> Resp {
    app.api_send(method, &stock_path(outlet, kind), tok, Some(body))
        .await
}

/// `PATCH` stock update, asserting 200 `data {}`.
pub async fn stock_ok(app: &TestApp, tok: &str, outlet: &str, kind: &str, body: Value) {
    let what = format!("PATCH {kind} {body}");
    let r = stock(app, tok, Method::PATCH, outlet, kind, body).await;
    assert_empty_ok(&r, &what);
}

/// An admin (sandbox) call with an optional JSON body.
pub async fn admin_send(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Resp {
    let mut rb = app.request(method, path).bearer_auth(ADMIN_TOKEN);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    app.send(rb).await
}

/// A second facilitator partner (own client with every facilitator scope) linked for
/// `gofood` to `fx.outlet_id` by the fixture's owner.
pub async fn second_partner_on_outlet(app: &TestApp, fx: &Fixture) -> Fixture {
    let partner = app
        .create_partner(json!({ "name": "Second POS", "type": "facilitator" }))
        .await;
    let partner_id = partner["id"].as_str().unwrap().to_string();
    let (client_id, client_secret) = app.create_client(&partner_id, FACILITATOR_SCOPES).await;
    let other = Fixture {
        partner_id,
        notification_secret: partner["notification_secret"].as_str().unwrap().to_string(),
        client_id,
        client_secret,
        external_outlet_id: "second-ext".to_string(),
        ..fx.clone()
    };
    app.link(&other, &fx.outlet_id, "gofood", "second-ext")
        .await;
    other
}

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

pub fn window(start: &str, end: &str) -> Value {
    json!({ "start": start, "end": end })
}

/// Every day `00:00`–`23:59` (what absent hours mean).
pub fn all_day_hours() -> Value {
    let mut m = Map::new();
    for d in DAYS {
        m.insert(d.to_string(), json!([window("00:00", "23:59")]));
    }
    Value::Object(m)
}

/// A minimal item (required fields only).
pub fn item(xid: &str, name: &str, price: i64, in_stock: bool) -> Value {
    json!({ "external_id": xid, "name": name, "in_stock": in_stock, "price": price })
}

pub fn variant(xid: &str, name: &str, price: i64, in_stock: bool) -> Value {
    json!({ "external_id": xid, "name": name, "price": price, "in_stock": in_stock })
}

pub fn category(xid: &str, name: &str, min: i64, max: Value, variants: Vec<Value>) -> Value {
    json!({ "external_id": xid, "name": name,
            "rules": { "selection": { "min_quantity": min, "max_quantity": max } },
            "variants": variants })
}

pub fn menu(name: &str, items: Vec<Value>) -> Value {
    json!({ "name": name, "menu_items": items })
}

/// The request of spec §4.2 (with its two variants).
pub fn spec_sample() -> Value {
    json!({
      "request_id": "a7956af2-e5e9-4b1e-9844-52494d6cb6fc",
      "menus": [
        { "name": "Pizza",
          "menu_items": [
            { "external_id": "XID", "name": "Pizza Margherita", "description": "Delicious Italian Pizza",
              "in_stock": true, "price": 9000, "image": "http://gofood.co.id/some.png",
              "operational_hours": all_day_hours(),
              "variant_category_external_ids": [ "VC-XID" ] } ] } ],
      "variant_categories": [
        { "external_id": "VC-XID", "internal_name": "Topping (promo)", "name": "Topping",
          "rules": { "selection": { "min_quantity": 1, "max_quantity": 2 } },
          "variants": [ { "external_id": "V-XID", "name": "Cheese", "price": 1000, "in_stock": true },
                        { "external_id": "V-XID-2", "name": "Mushroom", "price": 2000, "in_stock": true } ] } ]
    })
}

/// A valid catalog used as the base of the validation cases and the stock tests:
///
/// - `menus[0]` "Pizza": `XID` (all optional fields, partial hours, `[VC-XID]`), `XID-2`
///   (required fields only);
/// - `menus[1]` "Drinks": `XID-3` (out of stock, explicit `null`s, `[VC-XID, VC-2]`);
/// - `variant_categories[0]` `VC-XID` (min 1, max 2; `V-XID`, `V-XID-2`);
/// - `variant_categories[1]` `VC-2` (min 0, max `null`; `V-3` out of stock).
pub fn base_catalog() -> Value {
    json!({
      "request_id": "req-base",
      "menus": [
        { "name": "Pizza",
          "menu_items": [
            { "external_id": "XID", "name": "Pizza Margherita", "internal_name": "PM (internal)",
              "description": "Delicious Italian Pizza", "in_stock": true, "price": 9000,
              "image": "http://gofood.co.id/some.png",
              "operational_hours": {
                "monday": [ window("08:00", "12:00"), window("13:00", "22:00") ],
                "tuesday": [ window("00:00", "23:59") ],
                "friday": [] },
              "variant_category_external_ids": [ "VC-XID" ] },
            { "external_id": "XID-2", "name": "Pizza Funghi", "in_stock": true, "price": 11000 } ] },
        { "name": "Drinks",
          "menu_items": [
            { "external_id": "XID-3", "name": "Es Teh", "internal_name": null, "description": null,
              "in_stock": false, "price": 5000, "image": null, "operational_hours": null,
              "variant_category_external_ids": [ "VC-XID", "VC-2" ] } ] } ],
      "variant_categories": [
        { "external_id": "VC-XID", "internal_name": "Topping (promo)", "name": "Topping",
          "rules": { "selection": { "min_quantity": 1, "max_quantity": 2 } },
          "variants": [ variant("V-XID", "Cheese", 1000, true), variant("V-XID-2", "Mushroom", 2000, true) ] },
        { "external_id": "VC-2", "name": "Sugar",
          "rules": { "selection": { "min_quantity": 0, "max_quantity": null } },
          "variants": [ variant("V-3", "Less sugar", 0, false) ] } ]
    })
}

/// `n` copies of `c`.
pub fn rep(c: char, n: usize) -> String {
    std::iter::repeat_n(c, n).collect()
}

// ---------------------------------------------------------------------------------------------
// JSON paths (`menus[0].menu_items[1].name`)
// ---------------------------------------------------------------------------------------------

enum Seg {
    Key(String),
    Idx(usize),
}

fn parse_path(path: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            segs.push(Seg::Key(key.to_string()));
        }
        while let Some(s) = rest.strip_prefix('[') {
            let end = s.find(']').expect("] in path");
            segs.push(Seg::Idx(s[..end].parse().expect("index in path")));
            rest = &s[end + 1..];
        }
    }
    segs
}

/// Sets (`Some`) or removes (`None`) the value at `path` of `v`.
pub fn set_path(v: &mut Value, path: &str, new: Option<Value>) {
    let segs = parse_path(path);
    let (last, parents) = segs.split_last().expect("non-empty path");
    let mut cur: &mut Value = v;
    for s in parents {
        cur = match s {
            Seg::Key(k) => cur
                .get_mut(k.as_str())
                .unwrap_or_else(|| panic!("set_path: no `{k}` on the way to {path}")),
            Seg::Idx(i) => cur
                .get_mut(*i)
                .unwrap_or_else(|| panic!("set_path: no [{i}] on the way to {path}")),
        };
    }
    match (last, new) {
        (Seg::Key(k), Some(n)) => {
            cur.as_object_mut()
                .expect("object parent")
                .insert(k.clone(), n);
        }
        (Seg::Key(k), None) => {
            cur.as_object_mut().expect("object parent").remove(k);
        }
        (Seg::Idx(i), Some(n)) => cur[*i] = n,
        (Seg::Idx(i), None) => {
            cur.as_array_mut().expect("array parent").remove(*i);
        }
    }
}

/// `base` with each `(path, Some(v) | None)` applied in order.
pub fn mutated(base: &Value, edits: &[(&str, Option<Value>)]) -> Value {
    let mut v = base.clone();
    for (p, n) in edits {
        set_path(&mut v, p, n.clone());
    }
    v
}

// ---------------------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------------------

/// 400 `Bad Request`, at most 50 error objects, one of them `"{path}: …{keyword}…"`.
pub fn assert_violation(r: &Resp, path: &str, keyword: &str) {
    assert_error_title(r, 400, "Bad Request");
    let msgs = r.messages();
    assert!(msgs.len() <= 50, "at most 50 errors, got {}", msgs.len());
    let prefix = format!("{path}: ");
    assert!(
        msgs.iter()
            .any(|m| m.starts_with(&prefix) && m[prefix.len()..].contains(keyword)),
        "expected an error `{prefix}…{keyword}…`, got {msgs:?}"
    );
}

fn s<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} must be a string, got {v}"))
}

fn arr<'a>(v: &'a Value, what: &str) -> &'a Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("{what} must be an array, got {v}"))
}

fn assert_keys(v: &Value, keys: &[&str], what: &str) {
    let o = v
        .as_object()
        .unwrap_or_else(|| panic!("{what} must be an object, got {v}"));
    for k in keys {
        assert!(
            o.contains_key(*k),
            "{what} must carry `{k}` (null when empty): {v}"
        );
    }
}

/// The read model's view of a pushed `operational_hours` (absent/null → every day all day;
/// an object → all seven keys, a missing key → `[]`).
pub fn expected_hours(h: Option<&Value>) -> Value {
    match h {
        Some(Value::Object(o)) => {
            let mut m = Map::new();
            for d in DAYS {
                m.insert(d.to_string(), o.get(d).cloned().unwrap_or(json!([])));
            }
            Value::Object(m)
        }
        _ => all_day_hours(),
    }
}

fn opt(v: &Value, key: &str) -> Value {
    v.get(key).cloned().unwrap_or(Value::Null)
}

fn find_by<'a>(list: &'a [Value], key: &str, val: &str, what: &str) -> &'a Value {
    let hits: Vec<&Value> = list.iter().filter(|x| x[key] == json!(val)).collect();
    assert_eq!(
        hits.len(),
        1,
        "exactly one {what} with {key} = {val:?} expected, found {}",
        hits.len()
    );
    hits[0]
}

/// Asserts that the v2 read model `read` is exactly the catalog `pushed` (write model):
/// same menus, items, categories and variants, every field as pushed (defaults for absent
/// hours, `null` for absent optional fields, `null` `max_quantity` resolved), fresh
/// lower-case UUIDs, all distinct, `variant_category_ids` resolving the external ids.
pub fn assert_read_model(read: &Value, pushed: &Value) {
    let rcats = arr(&read["variant_categories"], "data.variant_categories");
    let pcats = arr(&pushed["variant_categories"], "pushed variant_categories");
    assert_eq!(
        rcats.len(),
        pcats.len(),
        "number of variant categories in the read model"
    );
    let mut ids: HashSet<String> = HashSet::new();
    let mut add_id = |id: &Value, what: &str| {
        let id = s(id, what).to_string();
        assert!(is_uuid(&id), "{what} must be a lower-case UUID: {id}");
        assert!(ids.insert(id.clone()), "{what} {id} is not unique");
    };
    let mut cat_ids: HashMap<String, Value> = HashMap::new();
    for pc in pcats {
        let xid = s(&pc["external_id"], "pushed category external_id");
        let rc = find_by(rcats, "external_id", xid, "variant category");
        let what = format!("variant category {xid}");
        assert_keys(
            rc,
            &[
                "id",
                "external_id",
                "name",
                "internal_name",
                "rules",
                "variants",
            ],
            &what,
        );
        add_id(&rc["id"], &format!("{what}.id"));
        cat_ids.insert(xid.to_string(), rc["id"].clone());
        assert_eq!(rc["name"], pc["name"], "{what}.name");
        assert_eq!(
            rc["internal_name"],
            opt(pc, "internal_name"),
            "{what}.internal_name"
        );
        let pvars = arr(&pc["variants"], "pushed variants");
        let sel = &pc["rules"]["selection"];
        let max = match &sel["max_quantity"] {
            Value::Null => json!(pvars.len()),
            v => v.clone(),
        };
        assert_eq!(
            rc["rules"]["selection"]["min_quantity"], sel["min_quantity"],
            "{what}.rules.selection.min_quantity: {rc}"
        );
        assert_eq!(
            rc["rules"]["selection"]["max_quantity"], max,
            "{what}.rules.selection.max_quantity (null resolved to the number of variants)"
        );
        let rvars = arr(&rc["variants"], &format!("{what}.variants"));
        assert_eq!(rvars.len(), pvars.len(), "{what}: number of variants");
        for pv in pvars {
            let vx = s(&pv["external_id"], "pushed variant external_id");
            let rv = find_by(rvars, "external_id", vx, "variant");
            let vw = format!("variant {vx}");
            assert_keys(rv, &["id", "external_id", "name", "price", "in_stock"], &vw);
            add_id(&rv["id"], &format!("{vw}.id"));
            assert_eq!(rv["name"], pv["name"], "{vw}.name");
            assert_eq!(rv["price"], pv["price"], "{vw}.price");
            assert_eq!(rv["in_stock"], pv["in_stock"], "{vw}.in_stock");
        }
    }

    let rmenus = arr(&read["menus"], "data.menus");
    let pmenus = arr(&pushed["menus"], "pushed menus");
    assert_eq!(
        rmenus.len(),
        pmenus.len(),
        "number of menus in the read model"
    );
    for pm in pmenus {
        let name = s(&pm["name"], "pushed menu name");
        let rm = find_by(rmenus, "name", name, "menu");
        let what = format!("menu {name:?}");
        assert_keys(rm, &["id", "name", "menu_items"], &what);
        add_id(&rm["id"], &format!("{what}.id"));
        let pitems = arr(&pm["menu_items"], "pushed menu_items");
        let ritems = arr(&rm["menu_items"], &format!("{what}.menu_items"));
        assert_eq!(ritems.len(), pitems.len(), "{what}: number of items");
        for pi in pitems {
            let xid = s(&pi["external_id"], "pushed item external_id");
            let ri = find_by(ritems, "external_id", xid, "menu item");
            let iw = format!("item {xid}");
            assert_keys(
                ri,
                &[
                    "id",
                    "external_id",
                    "name",
                    "internal_name",
                    "description",
                    "in_stock",
                    "price",
                    "image",
                    "operational_hours",
                    "variant_category_ids",
                ],
                &iw,
            );
            add_id(&ri["id"], &format!("{iw}.id"));
            assert_eq!(ri["name"], pi["name"], "{iw}.name");
            for k in ["internal_name", "description", "image"] {
                assert_eq!(ri[k], opt(pi, k), "{iw}.{k} (null when absent)");
            }
            assert_eq!(ri["in_stock"], pi["in_stock"], "{iw}.in_stock");
            assert_eq!(ri["price"], pi["price"], "{iw}.price");
            assert_eq!(
                ri["operational_hours"],
                expected_hours(pi.get("operational_hours")),
                "{iw}.operational_hours (all seven days; absent hours = every day 00:00-23:59)"
            );
            let want: Vec<Value> = pi
                .get("variant_category_external_ids")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .map(|x| cat_ids[s(x, "category external id")].clone())
                        .collect()
                })
                .unwrap_or_default();
            let got = &ri["variant_category_ids"];
            if want.is_empty() {
                assert!(
                    *got == json!([]) || got.is_null(),
                    "{iw}.variant_category_ids must be [] (or null) without categories: {got}"
                );
            } else {
                assert_eq!(
                    *got,
                    Value::Array(want),
                    "{iw}.variant_category_ids must be the category UUIDs, in push order"
                );
            }
        }
    }
}

/// `kind:key` → id over a v2 read model: `menu:<name>`, `item:<xid>`, `cat:<xid>`, `var:<xid>`.
pub fn ids_of(read: &Value) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for menu in arr(&read["menus"], "menus") {
        m.insert(
            format!("menu:{}", s(&menu["name"], "menu.name")),
            s(&menu["id"], "menu.id").to_string(),
        );
        for it in arr(&menu["menu_items"], "menu_items") {
            m.insert(
                format!("item:{}", s(&it["external_id"], "item.external_id")),
                s(&it["id"], "item.id").to_string(),
            );
        }
    }
    for c in arr(&read["variant_categories"], "variant_categories") {
        m.insert(
            format!("cat:{}", s(&c["external_id"], "category.external_id")),
            s(&c["id"], "category.id").to_string(),
        );
        for v in arr(&c["variants"], "variants") {
            m.insert(
                format!("var:{}", s(&v["external_id"], "variant.external_id")),
                s(&v["id"], "variant.id").to_string(),
            );
        }
    }
    m
}

/// The `in_stock` of item `xid` in a v2 read model.
pub fn item_in_stock(read: &Value, xid: &str) -> bool {
    for menu in arr(&read["menus"], "menus") {
        for it in arr(&menu["menu_items"], "menu_items") {
            if it["external_id"] == json!(xid) {
                return it["in_stock"]
                    .as_bool()
                    .unwrap_or_else(|| panic!("item {xid}.in_stock must be a boolean: {it}"));
            }
        }
    }
    panic!("no item {xid} in {read}");
}

/// The `in_stock` of variant `xid` in a v2 read model.
pub fn variant_in_stock(read: &Value, xid: &str) -> bool {
    for c in arr(&read["variant_categories"], "variant_categories") {
        for v in arr(&c["variants"], "variants") {
            if v["external_id"] == json!(xid) {
                return v["in_stock"]
                    .as_bool()
                    .unwrap_or_else(|| panic!("variant {xid}.in_stock must be a boolean: {v}"));
            }
        }
    }
    panic!("no variant {xid} in {read}");
}

/// Stock flags of every item and variant: `item:<xid>` / `var:<xid>` → in_stock.
pub fn stock_flags(read: &Value) -> HashMap<String, bool> {
    let mut m = HashMap::new();
    for menu in arr(&read["menus"], "menus") {
        for it in arr(&menu["menu_items"], "menu_items") {
            m.insert(
                format!("item:{}", s(&it["external_id"], "external_id")),
                it["in_stock"].as_bool().expect("item in_stock"),
            );
        }
    }
    for c in arr(&read["variant_categories"], "variant_categories") {
        for v in arr(&c["variants"], "variants") {
            m.insert(
                format!("var:{}", s(&v["external_id"], "external_id")),
                v["in_stock"].as_bool().expect("variant in_stock"),
            );
        }
    }
    m
}

/// The write model (GET v1) carries what was pushed, by external ids.
pub fn assert_write_model(v1: &Value, pushed: &Value) {
    if let Some(rid) = pushed.get("request_id") {
        assert_eq!(v1["request_id"], *rid, "v1 request_id: {v1}");
    }
    let vmenus = arr(&v1["menus"], "v1 menus");
    let pmenus = arr(&pushed["menus"], "pushed menus");
    assert_eq!(vmenus.len(), pmenus.len(), "v1: number of menus: {v1}");
    for pm in pmenus {
        let name = s(&pm["name"], "menu name");
        let vm = find_by(vmenus, "name", name, "v1 menu");
        let vitems = arr(&vm["menu_items"], "v1 menu_items");
        let pitems = arr(&pm["menu_items"], "pushed menu_items");
        assert_eq!(
            vitems.len(),
            pitems.len(),
            "v1 menu {name}: number of items"
        );
        for pi in pitems {
            let xid = s(&pi["external_id"], "item external_id");
            let vi = find_by(vitems, "external_id", xid, "v1 item");
            for k in ["name", "price", "in_stock"] {
                assert_eq!(vi[k], pi[k], "v1 item {xid}.{k}: {vi}");
            }
            for k in ["internal_name", "description", "image"] {
                assert_eq!(opt(vi, k), opt(pi, k), "v1 item {xid}.{k}: {vi}");
            }
            let want = pi
                .get("variant_category_external_ids")
                .cloned()
                .unwrap_or(json!([]));
            let got = opt(vi, "variant_category_external_ids");
            if want == json!([]) {
                assert!(
                    got == json!([]) || got.is_null(),
                    "v1 item {xid}.variant_category_external_ids: {vi}"
                );
            } else {
                assert_eq!(got, want, "v1 item {xid}.variant_category_external_ids");
            }
        }
    }
    let vcats = arr(&v1["variant_categories"], "v1 variant_categories");
    let pcats = arr(&pushed["variant_categories"], "pushed variant_categories");
    assert_eq!(vcats.len(), pcats.len(), "v1: number of categories");
    for pc in pcats {
        let xid = s(&pc["external_id"], "category external_id");
        let vc = find_by(vcats, "external_id", xid, "v1 category");
        assert_eq!(vc["name"], pc["name"], "v1 category {xid}.name");
        assert_eq!(
            vc["rules"]["selection"]["min_quantity"], pc["rules"]["selection"]["min_quantity"],
            "v1 category {xid} min_quantity: {vc}"
        );
        let pvars = arr(&pc["variants"], "pushed variants");
        let vvars = arr(&vc["variants"], "v1 variants");
        assert_eq!(vvars.len(), pvars.len(), "v1 category {xid}: variants");
        for pv in pvars {
            let vx = s(&pv["external_id"], "variant external_id");
            let vv = find_by(vvars, "external_id", vx, "v1 variant");
            for k in ["name", "price", "in_stock"] {
                assert_eq!(vv[k], pv[k], "v1 variant {vx}.{k}");
            }
        }
    }
}

/// The mapping view `{menus:[{id,name,menu_items:[{id,external_id}]}],
/// variant_categories:[{id,external_id,variants:[{id,external_id}]}]}` of a read model or of
/// a webhook body, with every list sorted so two views compare equal regardless of order.
pub fn mapping_view(v: &Value) -> Value {
    fn sorted(mut list: Vec<Value>, key: &str) -> Value {
        list.sort_by(|a, b| a[key].to_string().cmp(&b[key].to_string()));
        Value::Array(list)
    }
    let menus: Vec<Value> = arr(&v["menus"], "menus")
        .iter()
        .map(|m| {
            let items: Vec<Value> = arr(&m["menu_items"], "menu_items")
                .iter()
                .map(|i| json!({ "id": i["id"], "external_id": i["external_id"] }))
                .collect();
            json!({ "id": m["id"], "name": m["name"], "menu_items": sorted(items, "external_id") })
        })
        .collect();
    let cats: Vec<Value> = arr(&v["variant_categories"], "variant_categories")
        .iter()
        .map(|c| {
            let vars: Vec<Value> = arr(&c["variants"], "variants")
                .iter()
                .map(|x| json!({ "id": x["id"], "external_id": x["external_id"] }))
                .collect();
            json!({ "id": c["id"], "external_id": c["external_id"],
                    "variants": sorted(vars, "external_id") })
        })
        .collect();
    json!({ "menus": sorted(menus, "name"), "variant_categories": sorted(cats, "external_id") })
}
