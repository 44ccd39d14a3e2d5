//! The GoFood catalog (spec §4): its model, validation of a pushed catalog with every
//! violation reported (JSON paths, at most 50), stable GoBiz ids across pushes, the read and
//! write renderings, and stock updates.

use crate::local_time::{format_hhmm, parse_hhmm, WEEKDAYS};
use crate::validation::Violation;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

mod shapes;

pub use shapes::{
    CatalogBody, CatalogMenu, CatalogMenuItem, CatalogReadMenu, CatalogReadMenuItem,
    CatalogReadModel, CatalogReadVariant, CatalogReadVariantCategory, CatalogVariant,
    CatalogVariantCategory, HoursWindow, OperationalHours, StockBody, StockChange, StockChangeList,
    VariantRules, VariantSelection,
};

/// Day keys in the order of `OperationalHours` (Sunday first, as `time::Weekday` numbers
/// from Sunday = 0).
pub const DAYS: [&str; 7] = WEEKDAYS;
/// Most violations reported for one push.
pub const MAX_VIOLATIONS: usize = 50;
/// Largest price of an item or variant.
pub const MAX_PRICE: i64 = 100_000_000;
/// Most items in a catalog.
pub const MAX_ITEMS: usize = 3000;

/// A time window within a day, minutes since midnight; `23:59` counts as the end of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Start (inclusive).
    pub start: u16,
    /// End.
    pub end: u16,
}

/// Selling hours per day, Sunday first; an empty day means not sold that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hours(pub [Vec<Window>; 7]);

impl Hours {
    /// Every day `00:00`–`23:59` (the default when a push has no hours).
    pub fn always() -> Hours {
        Hours(std::array::from_fn(|_| {
            vec![Window {
                start: 0,
                end: 23 * 60 + 59,
            }]
        }))
    }

    /// True when sold on `day` (0 = Sunday) at `minute` of the day (Asia/Jakarta).
    pub fn open_at(&self, day: usize, minute: u16) -> bool {
        self.0.get(day).is_some_and(|ws| {
            ws.iter().any(|w| {
                minute >= w.start && (minute < w.end || (w.end == 23 * 60 + 59 && minute <= w.end))
            })
        })
    }
}

/// A variant (option).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    /// GoBiz id.
    pub id: String,
    /// Partner id.
    pub external_id: String,
    /// Name.
    pub name: String,
    /// Added to the item price.
    pub price: i64,
    /// Stock.
    pub in_stock: bool,
}

/// A variant category (modifier group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantCategory {
    /// GoBiz id.
    pub id: String,
    /// Partner id.
    pub external_id: String,
    /// Name in the Gojek app.
    pub name: String,
    /// Name in the GoBiz app.
    pub internal_name: Option<String>,
    /// Fewest selections.
    pub min_quantity: i64,
    /// Most selections (`null` resolved to the number of variants).
    pub max_quantity: i64,
    /// Options.
    pub variants: Vec<Variant>,
}

/// A menu item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuItem {
    /// GoBiz id.
    pub id: String,
    /// Partner id.
    pub external_id: String,
    /// Name in the Gojek app.
    pub name: String,
    /// Name in the GoBiz app.
    pub internal_name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Stock.
    pub in_stock: bool,
    /// IDR.
    pub price: i64,
    /// Image URL.
    pub image: Option<String>,
    /// When sold.
    pub hours: Hours,
    /// Variant categories, by GoBiz id.
    pub variant_category_ids: Vec<String>,
}

/// A menu (section).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Menu {
    /// GoBiz id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Items.
    pub menu_items: Vec<MenuItem>,
}

/// An outlet's catalog.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Catalog {
    /// The push's `request_id`.
    pub request_id: String,
    /// Menus.
    pub menus: Vec<Menu>,
    /// Variant categories.
    pub variant_categories: Vec<VariantCategory>,
}

/// Collects violations up to the cap.
struct Check {
    out: Vec<Violation>,
}

impl Check {
    fn add(&mut self, path: impl Into<String>, problem: impl Into<String>) {
        if self.out.len() < MAX_VIOLATIONS {
            self.out.push(Violation {
                path: path.into(),
                problem: problem.into(),
            });
        }
    }

    fn kind(v: &Value) -> &'static str {
        match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// A required or optional string with a length range.
    fn string(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        path: &str,
        required: bool,
        min: usize,
        max: usize,
    ) -> Option<String> {
        let p = format!("{path}.{key}");
        let p = p.trim_start_matches('.').to_string();
        match obj.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.add(p, "is required");
                }
                None
            }
            Some(Value::String(s)) => {
                let n = s.chars().count();
                if n < min || n > max {
                    if min == 0 {
                        self.add(p, format!("must be at most {max} characters"));
                    } else {
                        self.add(p, format!("must be {min} to {max} characters"));
                    }
                    None
                } else {
                    Some(s.clone())
                }
            }
            Some(_) => {
                self.add(p, "expected string");
                None
            }
        }
    }

    /// The required `external_id` of an item or variant, reported as a duplicate when `seen`
    /// already holds it (ids are unique per catalog and kind).
    fn unique_external_id(
        &mut self,
        obj: &Map<String, Value>,
        path: &str,
        seen: &mut std::collections::HashSet<String>,
    ) -> Option<String> {
        let ext = self.string(obj, "external_id", path, true, 1, 100);
        if let Some(e) = &ext {
            if !seen.insert(e.clone()) {
                self.add(format!("{path}.external_id"), format!("duplicate {e}"));
            }
        }
        ext
    }

    fn boolean(&mut self, obj: &Map<String, Value>, key: &str, path: &str) -> Option<bool> {
        let p = format!("{path}.{key}");
        match obj.get(key) {
            None | Some(Value::Null) => {
                self.add(p, "is required");
                None
            }
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.add(p, "expected boolean");
                None
            }
        }
    }

    fn integer(&mut self, v: Option<&Value>, p: String, min: i64, max: i64) -> Option<i64> {
        crate::validation::json_integer(v, min, max)
            .map_err(|problem| self.add(p, problem))
            .ok()
    }

    fn array<'a>(
        &mut self,
        obj: &'a Map<String, Value>,
        key: &str,
        path: &str,
        required: bool,
    ) -> Option<&'a Vec<Value>> {
        let p = format!("{path}.{key}");
        let p = p.trim_start_matches('.').to_string();
        match obj.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.add(p, "is required");
                }
                None
            }
            Some(Value::Array(a)) => Some(a),
            Some(_) => {
                self.add(p, "expected array");
                None
            }
        }
    }
}

fn check_hours(c: &mut Check, v: Option<&Value>, path: &str) -> Hours {
    let mut hours = Hours(std::array::from_fn(|_| Vec::new()));
    let obj = match v {
        None | Some(Value::Null) => return Hours::always(),
        Some(Value::Object(o)) => o,
        Some(_) => {
            c.add(path, "expected object");
            return Hours::always();
        }
    };
    for key in obj.keys() {
        if !DAYS.contains(&key.as_str()) {
            c.add(format!("{path}.{key}"), "unknown day");
        }
    }
    for (d, day) in DAYS.iter().enumerate() {
        let dp = format!("{path}.{day}");
        let windows = match obj.get(*day) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(a)) => a,
            Some(_) => {
                c.add(dp, "expected array");
                continue;
            }
        };
        if windows.len() > 5 {
            c.add(dp.clone(), "must have at most 5 windows");
        }
        let mut parsed: Vec<(usize, Window)> = Vec::new();
        for (i, w) in windows.iter().enumerate() {
            let wp = format!("{dp}[{i}]");
            let Some(wo) = w.as_object() else {
                c.add(wp, "expected object");
                continue;
            };
            let mut edge = |key: &str| match wo.get(key) {
                None | Some(Value::Null) => {
                    c.add(format!("{wp}.{key}"), "is required");
                    None
                }
                Some(Value::String(s)) => {
                    let m = parse_hhmm(s);
                    if m.is_none() {
                        c.add(format!("{wp}.{key}"), "must be HH:mm");
                    }
                    m
                }
                Some(_) => {
                    c.add(format!("{wp}.{key}"), "expected string");
                    None
                }
            };
            let (s, e) = (edge("start"), edge("end"));
            if let (Some(s), Some(e)) = (s, e) {
                if s >= e {
                    c.add(wp, "start must be before end");
                } else {
                    parsed.push((i, Window { start: s, end: e }));
                }
            }
        }
        for (a, (i, w)) in parsed.iter().enumerate() {
            if parsed[..a]
                .iter()
                .any(|(_, o)| w.start < o.end && o.start < w.end)
            {
                c.add(format!("{dp}[{i}]"), "overlaps another window of the day");
            }
        }
        let mut ws: Vec<Window> = parsed.into_iter().map(|(_, w)| w).collect();
        ws.sort_by_key(|w| w.start);
        hours.0[d] = ws;
    }
    hours
}

fn check_image(c: &mut Check, obj: &Map<String, Value>, path: &str) -> Option<String> {
    let url = c.string(obj, "image", path, false, 0, 2000)?;
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() > 8
        && !url.contains(char::is_whitespace);
    if ok {
        Some(url)
    } else {
        c.add(format!("{path}.image"), "must be an http or https URL");
        None
    }
}

/// Ids of the previous catalog, so that the same `external_id` keeps its GoBiz id.
#[derive(Debug, Default)]
pub struct PreviousIds {
    menus: HashMap<String, String>,
    items: HashMap<String, String>,
    categories: HashMap<String, String>,
    variants: HashMap<String, String>,
}

impl PreviousIds {
    /// Collects the ids of `catalog`.
    pub fn of(catalog: &Catalog) -> PreviousIds {
        let mut p = PreviousIds::default();
        for m in &catalog.menus {
            p.menus.insert(m.name.clone(), m.id.clone());
            for i in &m.menu_items {
                p.items.insert(i.external_id.clone(), i.id.clone());
            }
        }
        for vc in &catalog.variant_categories {
            p.categories.insert(vc.external_id.clone(), vc.id.clone());
            for v in &vc.variants {
                p.variants.insert(v.external_id.clone(), v.id.clone());
            }
        }
        p
    }
}

fn keep_or_new(
    map: &HashMap<String, String>,
    key: &str,
    new_id: &mut dyn FnMut() -> String,
) -> String {
    map.get(key).cloned().unwrap_or_else(new_id)
}

/// Validates a pushed catalog (the raw JSON) and builds it with stable ids. Every violation
/// is reported (at most [`MAX_VIOLATIONS`]); on any violation nothing is built.
pub fn parse_push(
    raw: &Value,
    previous: &PreviousIds,
    new_id: &mut dyn FnMut() -> String,
) -> Result<Catalog, Vec<Violation>> {
    let mut c = Check { out: Vec::new() };
    let Some(root) = raw.as_object() else {
        return Err(vec![Violation {
            path: "body".into(),
            problem: "expected object".into(),
        }]);
    };
    let request_id = c.string(root, "request_id", "", false, 1, 100);
    // Categories first: items refer to them.
    let mut categories = Vec::new();
    let mut cat_ids: HashMap<String, String> = HashMap::new();
    let mut seen_variants: HashSet<String> = HashSet::new();
    if let Some(list) = c.array(root, "variant_categories", "", true) {
        if list.len() > 200 {
            c.add(
                "variant_categories",
                format!("must have at most 200 categories, has {}", list.len()),
            );
        }
        for (i, raw_vc) in list.iter().enumerate() {
            let p = format!("variant_categories[{i}]");
            let Some(o) = raw_vc.as_object() else {
                c.add(p, format!("expected object, got {}", Check::kind(raw_vc)));
                continue;
            };
            let ext = c.string(o, "external_id", &p, true, 1, 100);
            if let Some(e) = &ext {
                if cat_ids.contains_key(e) {
                    c.add(format!("{p}.external_id"), format!("duplicate {e}"));
                }
            }
            let name = c.string(o, "name", &p, true, 1, 150);
            let internal = c.string(o, "internal_name", &p, false, 0, 200);
            let mut variants = Vec::new();
            if let Some(vs) = c.array(o, "variants", &p, true) {
                if vs.len() > 100 {
                    c.add(
                        format!("{p}.variants"),
                        format!("must have at most 100 variants, has {}", vs.len()),
                    );
                }
                for (j, raw_v) in vs.iter().enumerate() {
                    let vp = format!("{p}.variants[{j}]");
                    let Some(vo) = raw_v.as_object() else {
                        c.add(vp, "expected object");
                        continue;
                    };
                    let vext = c.unique_external_id(vo, &vp, &mut seen_variants);
                    let vname = c.string(vo, "name", &vp, true, 1, 150);
                    let price = c.integer(vo.get("price"), format!("{vp}.price"), 0, MAX_PRICE);
                    let stock = c.boolean(vo, "in_stock", &vp);
                    if let (Some(e), Some(n), Some(pr), Some(s)) = (vext, vname, price, stock) {
                        variants.push(Variant {
                            id: keep_or_new(&previous.variants, &e, new_id),
                            external_id: e,
                            name: n,
                            price: pr,
                            in_stock: s,
                        });
                    }
                }
            }
            let count = o
                .get("variants")
                .and_then(Value::as_array)
                .map_or(0, Vec::len) as i64;
            let rp = format!("{p}.rules");
            let sp = format!("{rp}.selection");
            let selection = match o.get("rules") {
                None | Some(Value::Null) => {
                    c.add(rp, "is required");
                    None
                }
                Some(Value::Object(r)) => match r.get("selection") {
                    None | Some(Value::Null) => {
                        c.add(sp.clone(), "is required");
                        None
                    }
                    Some(Value::Object(sel)) => Some(sel),
                    Some(_) => {
                        c.add(sp.clone(), "expected object");
                        None
                    }
                },
                Some(_) => {
                    c.add(rp, "expected object");
                    None
                }
            };
            let (min, max) = match selection {
                None => (None, None),
                Some(sel) => {
                    let min = c.integer(
                        sel.get("min_quantity"),
                        format!("{sp}.min_quantity"),
                        0,
                        100,
                    );
                    let max = match sel.get("max_quantity") {
                        Some(Value::Null) => Some(count),
                        None => {
                            c.add(
                                format!("{sp}.max_quantity"),
                                "is required (null means every variant)",
                            );
                            None
                        }
                        other => c.integer(other, format!("{sp}.max_quantity"), 0, 100),
                    };
                    if let Some(m) = max {
                        if m > count {
                            c.add(
                                format!("{sp}.max_quantity"),
                                format!("must be at most the number of variants ({count})"),
                            );
                        }
                    }
                    if let (Some(lo), Some(hi)) = (min, max) {
                        if lo > hi {
                            c.add(
                                format!("{sp}.min_quantity"),
                                "must be between 0 and max_quantity",
                            );
                        }
                    }
                    (min, max)
                }
            };
            if let Some(e) = &ext {
                cat_ids
                    .entry(e.clone())
                    .or_insert_with(|| keep_or_new(&previous.categories, e, new_id));
            }
            if let (Some(e), Some(n), Some(lo), Some(hi)) = (ext, name, min, max) {
                categories.push(VariantCategory {
                    id: cat_ids.get(&e).cloned().unwrap_or_default(),
                    external_id: e,
                    name: n,
                    internal_name: internal,
                    min_quantity: lo,
                    max_quantity: hi,
                    variants,
                });
            }
        }
    }
    let mut menus = Vec::new();
    let mut seen_items: HashSet<String> = HashSet::new();
    let mut total_items = 0usize;
    if let Some(list) = c.array(root, "menus", "", true) {
        if list.len() > 100 {
            c.add(
                "menus",
                format!("must have at most 100 menus, has {}", list.len()),
            );
        }
        for (i, raw_m) in list.iter().enumerate() {
            let p = format!("menus[{i}]");
            let Some(o) = raw_m.as_object() else {
                c.add(p, "expected object");
                continue;
            };
            let name = c.string(o, "name", &p, true, 1, 150);
            let mut items = Vec::new();
            if let Some(raw_items) = c.array(o, "menu_items", &p, true) {
                total_items += raw_items.len();
                for (j, raw_i) in raw_items.iter().enumerate() {
                    let ip = format!("{p}.menu_items[{j}]");
                    let Some(io) = raw_i.as_object() else {
                        c.add(ip, "expected object");
                        continue;
                    };
                    let ext = c.unique_external_id(io, &ip, &mut seen_items);
                    let iname = c.string(io, "name", &ip, true, 1, 150);
                    let internal = c.string(io, "internal_name", &ip, false, 0, 200);
                    let description = c.string(io, "description", &ip, false, 0, 200);
                    let stock = c.boolean(io, "in_stock", &ip);
                    let price = c.integer(io.get("price"), format!("{ip}.price"), 0, MAX_PRICE);
                    let image = check_image(&mut c, io, &ip);
                    let hours = check_hours(
                        &mut c,
                        io.get("operational_hours"),
                        &format!("{ip}.operational_hours"),
                    );
                    let mut refs = Vec::new();
                    if let Some(vcs) = c.array(io, "variant_category_external_ids", &ip, false) {
                        for (k, r) in vcs.iter().enumerate() {
                            let rp = format!("{ip}.variant_category_external_ids[{k}]");
                            match r.as_str() {
                                None => c.add(rp, "expected string"),
                                Some(s) => match cat_ids.get(s) {
                                    None => c.add(rp, format!("unknown variant category {s}")),
                                    Some(id) if refs.contains(id) => {
                                        c.add(rp, format!("duplicate {s}"))
                                    }
                                    Some(id) => refs.push(id.clone()),
                                },
                            }
                        }
                    }
                    if let (Some(e), Some(n), Some(s), Some(pr)) = (ext, iname, stock, price) {
                        items.push(MenuItem {
                            id: keep_or_new(&previous.items, &e, new_id),
                            external_id: e,
                            name: n,
                            internal_name: internal,
                            description,
                            in_stock: s,
                            price: pr,
                            image,
                            hours,
                            variant_category_ids: refs,
                        });
                    }
                }
            }
            if let Some(n) = name {
                menus.push(Menu {
                    id: keep_or_new(&previous.menus, &n, new_id),
                    name: n,
                    menu_items: items,
                });
            }
        }
        if total_items > MAX_ITEMS {
            c.add(
                "menus",
                format!("must hold at most {MAX_ITEMS} items in the catalog, has {total_items}"),
            );
        }
    }
    if !c.out.is_empty() {
        return Err(c.out);
    }
    Ok(Catalog {
        request_id: request_id.unwrap_or_else(&mut *new_id),
        menus,
        variant_categories: categories,
    })
}

impl Hours {
    /// The seven days as the API shows them.
    fn view(&self) -> OperationalHours {
        let day = |d: usize| {
            Some(
                self.0[d]
                    .iter()
                    .map(|w| HoursWindow {
                        start: format_hhmm(w.start),
                        end: format_hhmm(w.end),
                    })
                    .collect(),
            )
        };
        OperationalHours {
            sunday: day(0),
            monday: day(1),
            tuesday: day(2),
            wednesday: day(3),
            thursday: day(4),
            friday: day(5),
            saturday: day(6),
        }
    }
}

impl VariantCategory {
    fn rules(&self) -> VariantRules {
        VariantRules {
            selection: VariantSelection {
                max_quantity: Some(self.max_quantity),
                min_quantity: self.min_quantity,
            },
        }
    }
}

impl Catalog {
    /// The v2 read model (spec §4.3).
    pub fn read_model(&self) -> CatalogReadModel {
        CatalogReadModel {
            menus: self
                .menus
                .iter()
                .map(|m| CatalogReadMenu {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    menu_items: m
                        .menu_items
                        .iter()
                        .map(|i| CatalogReadMenuItem {
                            id: i.id.clone(),
                            external_id: i.external_id.clone(),
                            name: i.name.clone(),
                            internal_name: i.internal_name.clone(),
                            description: i.description.clone(),
                            in_stock: i.in_stock,
                            price: i.price,
                            image: i.image.clone(),
                            operational_hours: i.hours.view(),
                            variant_category_ids: i.variant_category_ids.clone(),
                        })
                        .collect(),
                })
                .collect(),
            variant_categories: self
                .variant_categories
                .iter()
                .map(|vc| CatalogReadVariantCategory {
                    id: vc.id.clone(),
                    external_id: vc.external_id.clone(),
                    name: vc.name.clone(),
                    internal_name: vc.internal_name.clone(),
                    rules: vc.rules(),
                    variants: vc
                        .variants
                        .iter()
                        .map(|v| CatalogReadVariant {
                            id: v.id.clone(),
                            external_id: v.external_id.clone(),
                            name: v.name.clone(),
                            price: v.price,
                            in_stock: v.in_stock,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// The v1 write model (our superset: what a push would have to send to recreate it).
    pub fn write_model(&self) -> CatalogBody {
        let ext_of: HashMap<&str, &str> = self
            .variant_categories
            .iter()
            .map(|vc| (vc.id.as_str(), vc.external_id.as_str()))
            .collect();
        CatalogBody {
            request_id: Some(self.request_id.clone()),
            menus: self
                .menus
                .iter()
                .map(|m| CatalogMenu {
                    name: m.name.clone(),
                    menu_items: m
                        .menu_items
                        .iter()
                        .map(|i| CatalogMenuItem {
                            external_id: i.external_id.clone(),
                            name: i.name.clone(),
                            internal_name: i.internal_name.clone(),
                            description: i.description.clone(),
                            in_stock: i.in_stock,
                            price: i.price,
                            image: i.image.clone(),
                            operational_hours: Some(i.hours.view()),
                            variant_category_external_ids: Some(
                                i.variant_category_ids
                                    .iter()
                                    .filter_map(|id| ext_of.get(id.as_str()).map(|e| e.to_string()))
                                    .collect(),
                            ),
                        })
                        .collect(),
                })
                .collect(),
            variant_categories: self
                .variant_categories
                .iter()
                .map(|vc| CatalogVariantCategory {
                    external_id: vc.external_id.clone(),
                    name: vc.name.clone(),
                    internal_name: vc.internal_name.clone(),
                    rules: vc.rules(),
                    variants: vc
                        .variants
                        .iter()
                        .map(|v| CatalogVariant {
                            external_id: v.external_id.clone(),
                            name: v.name.clone(),
                            price: v.price,
                            in_stock: v.in_stock,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// The write model of an outlet with no catalog yet: `request_id` `null`, no menus.
    pub fn empty_write_model() -> CatalogBody {
        CatalogBody {
            request_id: None,
            menus: Vec::new(),
            variant_categories: Vec::new(),
        }
    }
}

/// Which stock list is updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockTarget {
    /// `menu_item_stocks`.
    Items,
    /// `variant_stocks`.
    Variants,
}

/// Applies a stock update body (array, or object with `menu_items` / `variants` / `items`),
/// all or nothing (spec §4.4).
pub fn apply_stock(
    catalog: &mut Catalog,
    target: StockTarget,
    raw: &Value,
) -> Result<usize, Vec<Violation>> {
    let mut c = Check { out: Vec::new() };
    let (list, prefix) = match raw {
        Value::Array(a) => (a, String::new()),
        Value::Object(o) => match ["menu_items", "variants", "items"]
            .iter()
            .find_map(|k| o.get(*k).map(|v| (k, v)))
        {
            Some((k, Value::Array(a))) => (a, (*k).to_string()),
            Some((k, _)) => {
                return Err(vec![Violation {
                    path: (*k).to_string(),
                    problem: "expected array".into(),
                }])
            }
            None => {
                return Err(vec![Violation {
                    path: "body".into(),
                    problem: "expected an array, or an object with menu_items, variants or items"
                        .into(),
                }])
            }
        },
        _ => {
            return Err(vec![Violation {
                path: "body".into(),
                problem: "expected array".into(),
            }])
        }
    };
    if list.len() > MAX_ITEMS {
        return Err(vec![Violation {
            path: if prefix.is_empty() {
                "body".into()
            } else {
                prefix
            },
            problem: format!("must have at most {MAX_ITEMS} elements"),
        }]);
    }
    let noun = match target {
        StockTarget::Items => "menu item",
        StockTarget::Variants => "variant",
    };
    let mut by_id: HashMap<String, String> = HashMap::new();
    let mut by_ext: HashMap<String, String> = HashMap::new();
    match target {
        StockTarget::Items => {
            for i in catalog.menus.iter().flat_map(|m| &m.menu_items) {
                by_id.insert(i.id.clone(), i.id.clone());
                by_ext.insert(i.external_id.clone(), i.id.clone());
            }
        }
        StockTarget::Variants => {
            for v in catalog
                .variant_categories
                .iter()
                .flat_map(|vc| &vc.variants)
            {
                by_id.insert(v.id.clone(), v.id.clone());
                by_ext.insert(v.external_id.clone(), v.id.clone());
            }
        }
    }
    let mut changes: Vec<(String, bool)> = Vec::new();
    for (i, el) in list.iter().enumerate() {
        let p = format!("{prefix}[{i}]");
        let Some(o) = el.as_object() else {
            c.add(p, "expected object");
            continue;
        };
        let stock = c.boolean(o, "in_stock", &p);
        let id = match o.get("id") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => match by_id.get(s) {
                Some(x) => Some(x.clone()),
                None => {
                    c.add(format!("{p}.id"), format!("unknown {noun} {s}"));
                    continue;
                }
            },
            Some(_) => {
                c.add(format!("{p}.id"), "expected string");
                continue;
            }
        };
        let ext = match o.get("external_id") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => match by_ext.get(s) {
                Some(x) => Some(x.clone()),
                None => {
                    c.add(format!("{p}.external_id"), format!("unknown {noun} {s}"));
                    continue;
                }
            },
            Some(_) => {
                c.add(format!("{p}.external_id"), "expected string");
                continue;
            }
        };
        let target_id = match (id, ext) {
            (None, None) => {
                c.add(p, "id or external_id is required");
                continue;
            }
            (Some(a), Some(b)) if a != b => {
                c.add(p, format!("id and external_id designate different {noun}s"));
                continue;
            }
            (Some(a), _) | (None, Some(a)) => a,
        };
        if let Some(s) = stock {
            changes.push((target_id, s));
        }
    }
    if !c.out.is_empty() {
        return Err(c.out);
    }
    let count = changes.len();
    let latest: HashMap<String, bool> = changes.into_iter().collect();
    match target {
        StockTarget::Items => {
            for i in catalog
                .menus
                .iter_mut()
                .flat_map(|m| m.menu_items.iter_mut())
            {
                if let Some(s) = latest.get(&i.id) {
                    i.in_stock = *s;
                }
            }
        }
        StockTarget::Variants => {
            for v in catalog
                .variant_categories
                .iter_mut()
                .flat_map(|vc| vc.variants.iter_mut())
            {
                if let Some(s) = latest.get(&v.id) {
                    v.in_stock = *s;
                }
            }
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("id-{n}")
        }
    }

    fn sample() -> Value {
        json!({
            "request_id": "r-1",
            "menus": [ { "name": "Pizza", "menu_items": [
                { "external_id": "XID", "name": "Pizza Margherita", "in_stock": true, "price": 9000,
                  "variant_category_external_ids": ["VC-XID"],
                  "operational_hours": { "monday": [ { "start": "10:00", "end": "14:00" }, { "start": "17:00", "end": "23:59" } ] } } ] } ],
            "variant_categories": [ { "external_id": "VC-XID", "name": "Topping",
                "rules": { "selection": { "min_quantity": 1, "max_quantity": null } },
                "variants": [ { "external_id": "V1", "name": "Cheese", "price": 1000, "in_stock": true },
                              { "external_id": "V2", "name": "Mushroom", "price": 2000, "in_stock": true } ] } ]
        })
    }

    #[test]
    fn parses_and_keeps_ids_across_pushes() {
        let mut gen = ids();
        let first = parse_push(&sample(), &PreviousIds::default(), &mut gen).unwrap();
        assert_eq!(first.variant_categories[0].max_quantity, 2);
        let second = parse_push(&sample(), &PreviousIds::of(&first), &mut gen).unwrap();
        assert_eq!(first.read_model(), second.read_model());
        let hours = &second.menus[0].menu_items[0].hours;
        assert!(hours.open_at(1, 10 * 60));
        assert!(!hours.open_at(1, 15 * 60));
        assert!(hours.open_at(1, 23 * 60 + 59));
        assert!(!hours.open_at(2, 12 * 60));
    }

    /// The typed renderings serialize exactly as the earlier `json!` ones did: keys in
    /// alphabetical order (a `serde_json::Value` object sorts them), nothing omitted.
    #[test]
    fn renderings_keep_their_bytes() {
        let cat = parse_push(&sample(), &PreviousIds::default(), &mut ids()).unwrap();
        let read = serde_json::to_string(&cat.read_model()).unwrap();
        let as_value = serde_json::to_value(cat.read_model()).unwrap().to_string();
        assert_eq!(read, as_value);
        assert_eq!(cat.read_model().to_string(), read);
        assert!(read.contains(r#""operational_hours":{"friday":[],"monday":[{"end":"14:00","start":"10:00"},{"end":"23:59","start":"17:00"}],"saturday":[]"#), "{read}");
        let write = serde_json::to_string(&cat.write_model()).unwrap();
        assert_eq!(
            write,
            serde_json::to_value(cat.write_model()).unwrap().to_string()
        );
        assert!(
            write.contains(r#""variant_category_external_ids":["VC-XID"]"#),
            "{write}"
        );
        assert_eq!(
            serde_json::to_string(&Catalog::empty_write_model()).unwrap(),
            r#"{"menus":[],"request_id":null,"variant_categories":[]}"#
        );
        assert_eq!(
            CatalogReadModel::default().to_string(),
            r#"{"menus":[],"variant_categories":[]}"#
        );
    }

    #[test]
    fn reports_every_violation() {
        let raw = json!({
            "menus": [ { "name": "", "menu_items": [
                { "external_id": "A", "name": "x", "in_stock": "yes", "price": 3000.5,
                  "variant_category_external_ids": ["NOPE"],
                  "operational_hours": { "funday": [], "monday": [ { "start": "24:00", "end": "10:00" } ] } },
                { "external_id": "A", "name": "y", "in_stock": true, "price": -1, "image": "ftp://x" } ] } ],
            "variant_categories": [ { "external_id": "C", "name": "c",
                "rules": { "selection": { "min_quantity": 2, "max_quantity": 1 } }, "variants": [] } ]
        });
        let errs = parse_push(&raw, &PreviousIds::default(), &mut ids()).unwrap_err();
        let msgs: Vec<String> = errs.iter().map(Violation::message).collect();
        for expected in [
            "menus[0].name: must be 1 to 150 characters",
            "menus[0].menu_items[0].in_stock: expected boolean",
            "menus[0].menu_items[0].price: expected integer",
            "menus[0].menu_items[0].variant_category_external_ids[0]: unknown variant category NOPE",
            "menus[0].menu_items[0].operational_hours.funday: unknown day",
            "menus[0].menu_items[0].operational_hours.monday[0].start: must be HH:mm",
            "menus[0].menu_items[1].external_id: duplicate A",
            "menus[0].menu_items[1].price: must be 0 to 100000000",
            "menus[0].menu_items[1].image: must be an http or https URL",
            "variant_categories[0].rules.selection.max_quantity: must be at most the number of variants (0)",
            "variant_categories[0].rules.selection.min_quantity: must be between 0 and max_quantity",
        ] {
            assert!(msgs.iter().any(|m| m == expected), "missing {expected} in {msgs:#?}");
        }
    }

    #[test]
    fn stock_is_all_or_nothing() {
        let mut cat = parse_push(&sample(), &PreviousIds::default(), &mut ids()).unwrap();
        let before = cat.clone();
        let bad = json!([ { "external_id": "XID", "in_stock": false }, { "external_id": "NOPE", "in_stock": false } ]);
        assert!(apply_stock(&mut cat, StockTarget::Items, &bad).is_err());
        assert_eq!(cat, before);
        let ok = json!({ "variants": [ { "external_id": "V1", "in_stock": false }, { "external_id": "V1", "in_stock": true } ] });
        apply_stock(&mut cat, StockTarget::Variants, &ok).unwrap();
        assert!(cat.variant_categories[0].variants[0].in_stock);
        apply_stock(
            &mut cat,
            StockTarget::Items,
            &json!([ { "external_id": "XID", "in_stock": false } ]),
        )
        .unwrap();
        assert!(!cat.menus[0].menu_items[0].in_stock);
    }
}
