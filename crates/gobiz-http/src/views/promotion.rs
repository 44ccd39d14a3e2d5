//! A promotion's detail (spec §6.5).

use gobiz_services::partner::promotions::PromotionView;

/// A promotion's detail at `now` (spec §6.5); absent optional fields are `null`.
pub fn promotion(p: &gobiz_domain::promo::Promotion, now: i64) -> PromotionView {
    PromotionView::of(p, now)
}
