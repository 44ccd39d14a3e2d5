//! GoFood SKU promotions (spec §6): request syntax, business rules, status from the clock in
//! Asia/Jakarta, and whether a promotion prices an order now.

use crate::catalog::DAYS;
use crate::clock::Millis;
use crate::local_time::{parse_date, parse_hhmmss, JakartaTime};
use crate::validation::Violation;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::Date;

/// Longest promotion period.
pub const MAX_PERIOD_DAYS: i64 = 90;

/// A promotion as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promotion {
    /// UUID.
    pub id: String,
    /// Outlet.
    pub outlet_id: String,
    /// Catalog item `external_id`.
    pub external_menu_id: String,
    /// Price the customer pays.
    pub selling_price: i64,
    /// `YYYY-MM-DD`.
    pub start_date: String,
    /// `YYYY-MM-DD`.
    pub end_date: String,
    /// `HH:mm:ss`.
    pub start_time: Option<String>,
    /// `HH:mm:ss`.
    pub end_time: Option<String>,
    /// Lower-case day names; `None` = every day.
    pub applicable_days: Option<Vec<String>>,
    /// When deactivated.
    pub deactivated_at: Option<Millis>,
    /// Creation.
    pub created_at: Millis,
    /// Last change.
    pub updated_at: Millis,
}

/// A syntactically valid promotion of a create request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromoDraft {
    /// Item.
    pub external_menu_id: String,
    /// Price.
    pub selling_price: i64,
    /// Dates.
    pub start_date: Date,
    /// Dates.
    pub end_date: Date,
    /// Daily window (seconds of day).
    pub window: Option<(u32, u32)>,
    /// Days.
    pub applicable_days: Option<Vec<String>>,
}

/// A promotion's status (spec §6.1), from the clock in Asia/Jakarta: `created` before
/// `start_date`, `active` from `start_date` to `end_date`, `expired` after `end_date`,
/// `inactive` once deactivated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PromoStatus {
    /// Before the start date.
    Created,
    /// Within the dates.
    Active,
    /// After the end date.
    Expired,
    /// Deactivated.
    Inactive,
}

impl PromoStatus {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PromoStatus::Created => "created",
            PromoStatus::Active => "active",
            PromoStatus::Expired => "expired",
            PromoStatus::Inactive => "inactive",
        }
    }
}

fn string<'a>(
    o: &'a Map<String, Value>,
    key: &str,
    path: &str,
    out: &mut Vec<Violation>,
) -> Option<&'a str> {
    match o.get(key) {
        None | Some(Value::Null) => {
            out.push(Violation {
                path: format!("{path}{key}"),
                problem: "is required".into(),
            });
            None
        }
        Some(Value::String(s)) => Some(s),
        Some(_) => {
            out.push(Violation {
                path: format!("{path}{key}"),
                problem: "expected string".into(),
            });
            None
        }
    }
}

/// Checks the syntax of one promotion object at `path` (e.g. `"[1]."` or `""`).
pub fn parse_draft(v: &Value, path: &str) -> Result<PromoDraft, Vec<Violation>> {
    let mut out = Vec::new();
    let Some(o) = v.as_object() else {
        let at = if path.is_empty() {
            "body".to_string()
        } else {
            path.trim_end_matches('.').to_string()
        };
        return Err(vec![Violation {
            path: at,
            problem: "expected object".into(),
        }]);
    };
    if let Some(t) = string(o, "promo_type", path, &mut out) {
        if t != "sku_promo" {
            out.push(Violation {
                path: format!("{path}promo_type"),
                problem: "must be sku_promo".into(),
            });
        }
    }
    let dp = format!("{path}promo_detail.");
    let detail = match o.get("promo_detail") {
        Some(Value::Object(d)) => Some(d),
        None | Some(Value::Null) => {
            out.push(Violation {
                path: format!("{path}promo_detail"),
                problem: "is required".into(),
            });
            None
        }
        Some(_) => {
            out.push(Violation {
                path: format!("{path}promo_detail"),
                problem: "expected object".into(),
            });
            None
        }
    };
    let Some(d) = detail else { return Err(out) };
    let item = string(d, "external_menu_id", &dp, &mut out).map(String::from);
    if item
        .as_deref()
        .is_some_and(|s| s.is_empty() || s.chars().count() > 100)
    {
        out.push(Violation {
            path: format!("{dp}external_menu_id"),
            problem: "must be 1 to 100 characters".into(),
        });
    }
    let price = crate::validation::json_integer(d.get("selling_price"), i64::MIN, i64::MAX)
        .map_err(|problem| {
            out.push(Violation {
                path: format!("{dp}selling_price"),
                problem,
            })
        })
        .ok();
    let mut date = |key: &str| {
        let s = string(d, key, &dp, &mut out)?;
        let parsed = parse_date(s);
        if parsed.is_none() {
            out.push(Violation {
                path: format!("{dp}{key}"),
                problem: "must be YYYY-MM-DD".into(),
            });
        }
        parsed
    };
    let (start, end) = (date("start_date"), date("end_date"));
    let mut time_of = |key: &str| -> Option<Option<u32>> {
        match d.get(key) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) => match parse_hhmmss(s) {
                Some(t) => Some(Some(t)),
                None => {
                    out.push(Violation {
                        path: format!("{dp}{key}"),
                        problem: "must be HH:mm:ss".into(),
                    });
                    None
                }
            },
            Some(_) => {
                out.push(Violation {
                    path: format!("{dp}{key}"),
                    problem: "expected string".into(),
                });
                None
            }
        }
    };
    let (st, et) = (time_of("start_time"), time_of("end_time"));
    let window = match (st, et) {
        (Some(Some(a)), Some(Some(b))) => Some((a, b)),
        (Some(None), Some(None)) => None,
        (Some(Some(_)), Some(None)) | (Some(None), Some(Some(_))) => {
            out.push(Violation {
                path: format!("{dp}start_time"),
                problem: "start_time and end_time go together".into(),
            });
            None
        }
        _ => None,
    };
    let days = match d.get("applicable_days") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => {
            let mut list: Vec<String> = Vec::new();
            for (i, x) in a.iter().enumerate() {
                match x.as_str() {
                    Some(s) if DAYS.contains(&s) && !list.iter().any(|l| l == s) => {
                        list.push(s.to_string())
                    }
                    Some(s) if DAYS.contains(&s) => out.push(Violation {
                        path: format!("{dp}applicable_days[{i}]"),
                        problem: format!("duplicate {s}"),
                    }),
                    _ => out.push(Violation {
                        path: format!("{dp}applicable_days[{i}]"),
                        problem: format!("must be one of {}", DAYS.join(", ")),
                    }),
                }
            }
            Some(list)
        }
        Some(_) => {
            out.push(Violation {
                path: format!("{dp}applicable_days"),
                problem: "expected array".into(),
            });
            None
        }
    };
    match (item, price, start, end, out.is_empty()) {
        (Some(external_menu_id), Some(selling_price), Some(start_date), Some(end_date), true) => {
            Ok(PromoDraft {
                external_menu_id,
                selling_price,
                start_date,
                end_date,
                window,
                applicable_days: days,
            })
        }
        _ => Err(out),
    }
}

/// The business rules of spec §6.3 that do not need other promotions; the failure text.
pub fn business_check(
    d: &PromoDraft,
    item_price: Option<i64>,
    today: Date,
) -> Option<&'static str> {
    let Some(price) = item_price else {
        return Some("Item is not active");
    };
    if d.selling_price < 1 {
        return Some("Selling price must be at least 1");
    }
    if d.selling_price * 10 > price * 9 {
        return Some("Selling price must be at least 10% below the item price");
    }
    if d.start_date < today {
        return Some("Start date must be today or later");
    }
    if d.end_date < d.start_date {
        return Some("End date must not be before start date");
    }
    if (d.end_date - d.start_date).whole_days() > MAX_PERIOD_DAYS {
        return Some("Promotion period must not exceed 90 days");
    }
    if let Some((a, b)) = d.window {
        if a >= b {
            return Some("Start time must be before end time");
        }
    }
    None
}

impl Promotion {
    /// Status at `now` (spec §6.1).
    pub fn status(&self, now: Millis) -> PromoStatus {
        if self.deactivated_at.is_some() {
            return PromoStatus::Inactive;
        }
        let today = JakartaTime::at(now).date();
        match (parse_date(&self.start_date), parse_date(&self.end_date)) {
            (Some(s), _) if today < s => PromoStatus::Created,
            (_, Some(e)) if today > e => PromoStatus::Expired,
            _ => PromoStatus::Active,
        }
    }

    /// True when it prices an order at `now`: active, on an applicable day, inside the window.
    pub fn applies(&self, now: Millis) -> bool {
        if self.status(now) != PromoStatus::Active {
            return false;
        }
        let local = JakartaTime::at(now);
        if let Some(days) = &self.applicable_days {
            if !days.iter().any(|d| d == DAYS[local.weekday()]) {
                return false;
            }
        }
        match (
            self.start_time.as_deref().and_then(parse_hhmmss),
            self.end_time.as_deref().and_then(parse_hhmmss),
        ) {
            (Some(a), Some(b)) => (a..b).contains(&local.second_of_day()),
            _ => true,
        }
    }

    /// True when its dates overlap `[start, end]` and it is `created` or `active` at `now`.
    pub fn blocks(&self, start: Date, end: Date, now: Millis) -> bool {
        matches!(self.status(now), PromoStatus::Created | PromoStatus::Active)
            && parse_date(&self.start_date).is_some_and(|s| s <= end)
            && parse_date(&self.end_date).is_some_and(|e| e >= start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn promo(start: &str, end: &str) -> Promotion {
        Promotion {
            id: "p".into(),
            outlet_id: "o".into(),
            external_menu_id: "XID".into(),
            selling_price: 8000,
            start_date: start.into(),
            end_date: end.into(),
            start_time: Some("14:00:00".into()),
            end_time: Some("16:00:00".into()),
            applicable_days: Some(vec!["monday".into()]),
            deactivated_at: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn status_and_window_follow_jakarta_time() {
        // 2024-05-06 is a Monday. 07:30 UTC = 14:30 in Jakarta.
        let monday_1430 = 1_714_980_600_000;
        let p = promo("2024-05-06", "2024-05-07");
        assert_eq!(p.status(monday_1430), PromoStatus::Active);
        assert!(p.applies(monday_1430));
        assert!(!p.applies(monday_1430 + 2 * 3_600_000));
        assert!(
            !p.applies(monday_1430 + 24 * 3_600_000),
            "tuesday is not applicable"
        );
        assert_eq!(p.status(monday_1430 - 86_400_000), PromoStatus::Created);
        assert_eq!(p.status(monday_1430 + 2 * 86_400_000), PromoStatus::Expired);
        let t = JakartaTime::at(monday_1430);
        assert_eq!(
            (t.date().to_string(), t.weekday()),
            ("2024-05-06".to_string(), 1)
        );
    }

    #[test]
    fn status_serializes_as_its_wire_name() {
        for s in [
            PromoStatus::Created,
            PromoStatus::Active,
            PromoStatus::Expired,
            PromoStatus::Inactive,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), json!(s.as_str()));
        }
    }

    #[test]
    fn syntax_and_rules() {
        let ok = json!({ "promo_type": "sku_promo", "promo_detail": { "external_menu_id": "XID", "selling_price": 8000,
            "start_date": "2024-05-06", "end_date": "2024-05-07", "applicable_days": ["monday"] } });
        let d = parse_draft(&ok, "").unwrap();
        let today = parse_date("2024-05-06").unwrap();
        assert_eq!(business_check(&d, Some(9000), today), None);
        assert_eq!(
            business_check(&d, Some(8500), today),
            Some("Selling price must be at least 10% below the item price")
        );
        assert_eq!(business_check(&d, None, today), Some("Item is not active"));
        let bad = json!({ "promo_type": "x", "promo_detail": { "external_menu_id": "XID", "selling_price": 1.5,
            "start_date": "2024-13-01", "end_date": "2024-05-07", "start_time": "14:00:00", "applicable_days": ["monday", "monday", "funday"] } });
        let errs: Vec<String> = parse_draft(&bad, "[0].")
            .unwrap_err()
            .iter()
            .map(Violation::message)
            .collect();
        for e in [
            "[0].promo_type: must be sku_promo",
            "[0].promo_detail.selling_price: expected integer",
            "[0].promo_detail.start_date: must be YYYY-MM-DD",
            "[0].promo_detail.start_time: start_time and end_time go together",
            "[0].promo_detail.applicable_days[1]: duplicate monday",
        ] {
            assert!(errs.iter().any(|x| x == e), "{e} not in {errs:?}");
        }
    }
}
