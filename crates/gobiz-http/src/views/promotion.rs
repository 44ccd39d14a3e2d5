//! A promotion's detail (spec §6.5).

use gobiz_domain::timefmt::rfc3339_seconds as ts;
use serde_json::{json, Value};

/// A promotion's detail (spec §6.5); absent optional fields are `null`.
pub fn promotion(p: &gobiz_domain::promo::Promotion, now: i64) -> Value {
    json!({
        "id": p.id,
        "promo_type": "sku_promo",
        "status": p.status(now).as_str(),
        "start_date": p.start_date,
        "end_date": p.end_date,
        "promo_detail": {
            "start_date": p.start_date,
            "end_date": p.end_date,
            "start_time": p.start_time,
            "end_time": p.end_time,
            "selling_price": p.selling_price,
            "external_menu_id": p.external_menu_id,
            "applicable_days": p.applicable_days,
        },
        "created_at": ts(p.created_at),
        "updated_at": ts(p.updated_at),
    })
}
