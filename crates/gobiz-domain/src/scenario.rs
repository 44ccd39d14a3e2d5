//! Traffic scenarios (issue 19), the pure part: how many orders each simulated minute gets
//! (a rate curve), what becomes of each order (the mix), what every basket holds (from the
//! outlet's real menu) and in which minute every follow-up action runs. Everything follows
//! from the seed: the same seed, curve, mix and menu give the same actions in the same order.
//!
//! The sandbox runner (`gobiz_services::sandbox::scenarios`) carries the actions out through
//! the sandbox's own use cases.

use crate::catalog::{Catalog, MenuItem, VariantCategory};
use crate::clock::Millis;
use crate::local_time::JakartaTime;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Longest scenario, in simulated minutes (12 hours).
pub const MAX_DURATION_MINUTES: u32 = 720;
/// Highest rate of a curve, orders per minute.
pub const MAX_RATE: f64 = 600.0;
/// Most orders one scenario may place.
pub const MAX_ORDERS: u64 = 50_000;
/// Minutes after the last placement minute in which no order is placed: the follow-ups
/// (drivers, completions, late payments, expiries) and the 180 s manual timeouts happen.
pub const TAIL_MINUTES: u32 = 4;
/// Largest seed (exactly representable in JSON numbers).
pub const MAX_SEED: u64 = (1 << 53) - 1;

/// What becomes of the orders: every value is a share from 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"pickup": 0.2, "customer_cancel": 0.05, "timeout": 0.03, "payment": 0.3, "payment_paid": 0.8}))]
pub struct Mix {
    /// Share of pickup orders (the rest are delivery).
    pub pickup: f64,
    /// Share of orders the customer cancels within a minute of placing them.
    pub customer_cancel: f64,
    /// Share of orders left unaccepted until the manual-mode deadline (180 s) cancels them.
    pub timeout: f64,
    /// Share of orders that come with a QRIS payment of the order total.
    pub payment: f64,
    /// Share of those payments that get paid; the others expire.
    pub payment_paid: f64,
}

impl Mix {
    /// The mix of `lunch-rush`: one pickup in five, one customer cancellation in twenty, three
    /// timeouts in a hundred, three payments in ten of which four in five are paid.
    pub const LUNCH_RUSH: Mix = Mix {
        pickup: 0.2,
        customer_cancel: 0.05,
        timeout: 0.03,
        payment: 0.3,
        payment_paid: 0.8,
    };
}

/// What happens to a placed order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// Accepted, (driver,) walked on to `COMPLETED`.
    Complete,
    /// The customer cancels it.
    CustomerCancel,
    /// Nobody accepts it; the manual-mode deadline cancels it (`MERCHANT_TIMEOUT`).
    Timeout,
}

/// What happens to an order's QRIS payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentFate {
    /// A wallet pays it.
    Paid,
    /// It expires unpaid.
    Expired,
}

/// One order of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedOrder {
    /// 0, 1, 2, … in placement order.
    pub index: u64,
    /// The simulated minute it is placed in.
    pub minute: u32,
    /// Pickup rather than delivery.
    pub pickup: bool,
    /// What becomes of it.
    pub fate: Fate,
    /// Its payment, if it has one.
    pub payment: Option<PaymentFate>,
    /// The customer's name.
    pub customer: &'static str,
    /// Whether the customer asks for cutlery.
    pub cutlery: bool,
}

/// One action of a scenario, on the order of plan index `.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "action", content = "order", rename_all = "snake_case")]
pub enum Action {
    /// The customer places the order (and the merchant accepts it when the outlet awaits
    /// acceptance and its fate is not a timeout).
    Place(u64),
    /// A QRIS payment of the order total is created.
    CreatePayment(u64),
    /// A driver takes the (delivery) order.
    Driver(u64),
    /// The order is walked on to `COMPLETED`.
    Complete(u64),
    /// The customer cancels.
    CustomerCancel(u64),
    /// A wallet pays the payment.
    Pay(u64),
    /// The payment expires.
    Expire(u64),
}

impl Action {
    /// The plan index of the order it acts on.
    pub fn order(self) -> u64 {
        match self {
            Action::Place(i)
            | Action::CreatePayment(i)
            | Action::Driver(i)
            | Action::Complete(i)
            | Action::CustomerCancel(i)
            | Action::Pay(i)
            | Action::Expire(i) => i,
        }
    }
}

/// A whole scenario: its orders and its actions minute by minute.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Every order, by index.
    pub orders: Vec<PlannedOrder>,
    /// `minutes[m]`: the actions of simulated minute `m`, in order. Its length is the
    /// duration plus [`TAIL_MINUTES`].
    pub minutes: Vec<Vec<Action>>,
}

/// Orders per minute of `lunch-rush`: a bell from a tenth of `peak` at the start, to `peak`
/// in the middle, back to a tenth at the end.
pub fn lunch_rush_rates(duration: u32, peak: f64) -> Vec<f64> {
    let base = peak / 10.0;
    (0..duration)
        .map(|m| {
            let x = (f64::from(m) + 0.5) / f64::from(duration.max(1));
            let bell = (std::f64::consts::PI * x).sin().powi(2);
            base + (peak - base) * bell
        })
        .collect()
}

/// Orders per minute from points `(minute, rate)` sorted by minute: linear between points,
/// flat before the first and after the last.
pub fn interpolate(points: &[(f64, f64)], duration: u32) -> Vec<f64> {
    (0..duration)
        .map(|m| {
            let x = f64::from(m);
            match points {
                [] => 0.0,
                [(_, r)] => *r,
                _ => {
                    let first = points[0];
                    let last = points[points.len() - 1];
                    if x <= first.0 {
                        return first.1;
                    }
                    if x >= last.0 {
                        return last.1;
                    }
                    points
                        .windows(2)
                        .find(|w| x >= w[0].0 && x <= w[1].0)
                        .map_or(last.1, |w| {
                            let span = w[1].0 - w[0].0;
                            if span <= 0.0 {
                                w[1].1
                            } else {
                                w[0].1 + (w[1].1 - w[0].1) * (x - w[0].0) / span
                            }
                        })
                }
            }
        })
        .collect()
}

/// Whole orders per minute from (possibly fractional) rates: the fractions carry over, so
/// the total is the rounded-down sum of the rates and every minute is within one of its rate.
pub fn counts(rates: &[f64]) -> Vec<u32> {
    let mut sum = 0.0_f64;
    rates
        .iter()
        .map(|r| {
            let before = (sum + 1e-9).floor();
            sum += r.max(0.0);
            let after = (sum + 1e-9).floor();
            (after - before) as u32
        })
        .collect()
}

/// The generator of plan decisions (stream 0 of the seed).
fn plan_rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// The generator of order `index`'s basket: its own stream, so a menu change never shifts
/// any other decision.
pub fn basket_rng(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index.wrapping_add(1));
    rng
}

const CUSTOMERS: [&str; 16] = [
    "Budi Santoso",
    "Siti Rahayu",
    "Agus Wijaya",
    "Dewi Lestari",
    "Rina Kusuma",
    "Andi Pratama",
    "Putri Maharani",
    "Joko Susilo",
    "Maya Sari",
    "Hendra Gunawan",
    "Fitri Handayani",
    "Rizky Ramadhan",
    "Ayu Permata",
    "Bayu Saputra",
    "Nur Aini",
    "Wahyu Hidayat",
];

/// The plan of a scenario: `counts[m]` orders in minute `m`, their fates drawn from `mix`.
///
/// Follow-ups: a delivery order to complete gets its driver 1–2 minutes after placement and
/// is completed 1–2 minutes later; a pickup order is completed 1–3 minutes after placement; a
/// customer cancels in the minute of placement or the next; a payment is paid in the minute it
/// is created or the next, or expired 2 minutes after. A timeout order gets no action: the
/// outlet's 180 s manual deadline cancels it. No follow-up is more than [`TAIL_MINUTES`]
/// minutes after its placement.
pub fn plan(seed: u64, counts: &[u32], mix: &Mix) -> Plan {
    let mut rng = plan_rng(seed);
    let total = counts.len() + TAIL_MINUTES as usize;
    let mut minutes: Vec<Vec<Action>> = vec![Vec::new(); total];
    let mut orders = Vec::new();
    let mut index = 0u64;
    for (m, n) in counts.iter().enumerate() {
        let minute = m as u32;
        for _ in 0..*n {
            // Always the same draws per order, whatever the mix, so shares change only what
            // they decide.
            let pickup_draw: f64 = rng.gen();
            let fate_draw: f64 = rng.gen();
            let payment_draw: f64 = rng.gen();
            let paid_draw: f64 = rng.gen();
            let first: u32 = rng.gen_range(1..=2);
            let second: u32 = rng.gen_range(1..=2);
            let cancel_after: u32 = rng.gen_range(0..=1);
            let pay_after: u32 = rng.gen_range(0..=1);
            let customer = CUSTOMERS[rng.gen_range(0..CUSTOMERS.len())];
            let cutlery = rng.gen_bool(0.5);
            let pickup = pickup_draw < mix.pickup;
            let fate = if fate_draw < mix.timeout {
                Fate::Timeout
            } else if fate_draw < mix.timeout + mix.customer_cancel {
                Fate::CustomerCancel
            } else {
                Fate::Complete
            };
            let payment = (payment_draw < mix.payment).then_some(if paid_draw < mix.payment_paid {
                PaymentFate::Paid
            } else {
                PaymentFate::Expired
            });
            let at = |delay: u32| (m + delay as usize).min(total - 1);
            minutes[m].push(Action::Place(index));
            if payment.is_some() {
                minutes[m].push(Action::CreatePayment(index));
            }
            match fate {
                Fate::Complete if pickup => {
                    minutes[at(first + second - 1)].push(Action::Complete(index))
                }
                Fate::Complete => {
                    minutes[at(first)].push(Action::Driver(index));
                    minutes[at(first + second)].push(Action::Complete(index));
                }
                Fate::CustomerCancel => {
                    minutes[at(cancel_after)].push(Action::CustomerCancel(index))
                }
                Fate::Timeout => {}
            }
            match payment {
                Some(PaymentFate::Paid) => minutes[at(pay_after)].push(Action::Pay(index)),
                Some(PaymentFate::Expired) => minutes[at(2)].push(Action::Expire(index)),
                None => {}
            }
            orders.push(PlannedOrder {
                index,
                minute,
                pickup,
                fate,
                payment,
                customer,
                cutlery,
            });
            index += 1;
        }
    }
    Plan { orders, minutes }
}

/// One line of a basket: an item and its variants, by `external_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasketLine {
    /// The item's `external_id`.
    pub item: String,
    /// 1 to 3.
    pub quantity: i64,
    /// The chosen variants' `external_id`s, within every category's min..max.
    pub variants: Vec<String>,
}

/// The variant categories of an item, as the catalog defines them.
fn categories_of<'a>(catalog: &'a Catalog, item: &MenuItem) -> Vec<&'a VariantCategory> {
    catalog
        .variant_categories
        .iter()
        .filter(|vc| item.variant_category_ids.contains(&vc.id))
        .collect()
}

/// True when a customer can order `item` at `at`: in stock, on sale at that local time, and
/// every one of its variant categories has enough variants in stock for its minimum.
fn orderable(catalog: &Catalog, item: &MenuItem, at: Millis) -> bool {
    let local = JakartaTime::at(at);
    item.in_stock
        && item.hours.open_at(local.weekday(), local.minute_of_day())
        && categories_of(catalog, item).iter().all(|vc| {
            let in_stock = vc.variants.iter().filter(|v| v.in_stock).count() as i64;
            in_stock >= vc.min_quantity.max(0) && vc.max_quantity >= vc.min_quantity.max(0)
        })
}

/// The items a customer can order at `at`, in menu order.
pub fn orderable_items(catalog: &Catalog, at: Millis) -> Vec<&MenuItem> {
    catalog
        .menus
        .iter()
        .flat_map(|m| &m.menu_items)
        .filter(|i| orderable(catalog, i, at))
        .collect()
}

/// A realistic basket from the menu at `at`: 1 to 4 different orderable items (fewer when
/// the menu has fewer), quantities 1 to 3 (mostly 1), and for every variant category of an
/// item between its minimum and maximum in-stock variants (mostly the minimum). `None` when
/// nothing can be ordered at `at`.
pub fn basket(catalog: &Catalog, at: Millis, rng: &mut ChaCha8Rng) -> Option<Vec<BasketLine>> {
    let items = orderable_items(catalog, at);
    if items.is_empty() {
        return None;
    }
    let wanted = [1usize, 1, 2, 2, 2, 3, 3, 4][rng.gen_range(0..8)].min(items.len());
    let chosen: Vec<&&MenuItem> = items.choose_multiple(rng, wanted).collect();
    let mut lines = Vec::with_capacity(chosen.len());
    for item in chosen {
        let quantity = [1i64, 1, 1, 1, 2, 2, 3][rng.gen_range(0..7)];
        let mut variants = Vec::new();
        for vc in categories_of(catalog, item) {
            let stocked: Vec<&str> = vc
                .variants
                .iter()
                .filter(|v| v.in_stock)
                .map(|v| v.external_id.as_str())
                .collect();
            let min = vc.min_quantity.max(0) as usize;
            let max = (vc.max_quantity.max(0) as usize).min(stocked.len());
            // Mostly the minimum; otherwise anything up to the maximum in stock.
            let k = if max > min && !rng.gen_bool(0.6) {
                rng.gen_range(min..=max)
            } else {
                min
            };
            variants.extend(
                stocked
                    .choose_multiple(rng, k)
                    .map(|s| (*s).to_string())
                    .collect::<Vec<_>>(),
            );
        }
        lines.push(BasketLine {
            item: item.external_id.clone(),
            quantity,
            variants,
        });
    }
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Hours, Menu, Variant};

    fn variant(id: &str, in_stock: bool) -> Variant {
        Variant {
            id: format!("id-{id}"),
            external_id: id.into(),
            name: id.into(),
            price: 1000,
            in_stock,
        }
    }

    fn item(id: &str, in_stock: bool, categories: &[&str]) -> MenuItem {
        MenuItem {
            id: format!("id-{id}"),
            external_id: id.into(),
            name: id.into(),
            internal_name: None,
            description: None,
            in_stock,
            price: 10_000,
            image: None,
            hours: Hours::always(),
            variant_category_ids: categories.iter().map(|c| format!("id-{c}")).collect(),
        }
    }

    fn category(id: &str, min: i64, max: i64, variants: Vec<Variant>) -> VariantCategory {
        VariantCategory {
            id: format!("id-{id}"),
            external_id: id.into(),
            name: id.into(),
            internal_name: None,
            min_quantity: min,
            max_quantity: max,
            variants,
        }
    }

    fn catalog() -> Catalog {
        Catalog {
            request_id: "r".into(),
            menus: vec![Menu {
                id: "m".into(),
                name: "Mains".into(),
                menu_items: vec![
                    item("NASI", true, &["SPICY", "TOP"]),
                    item("SATE", false, &[]),
                    item("TEH", true, &[]),
                    item("MIE", true, &["NONE"]),
                    item("KOPI", true, &[]),
                ],
            }],
            variant_categories: vec![
                category(
                    "SPICY",
                    1,
                    1,
                    vec![variant("MILD", true), variant("HOT", true)],
                ),
                category(
                    "TOP",
                    0,
                    2,
                    vec![
                        variant("EGG", true),
                        variant("CHEESE", true),
                        variant("OOS", false),
                    ],
                ),
                // A required category with nothing in stock: MIE cannot be ordered.
                category("NONE", 1, 1, vec![variant("GONE", false)]),
            ],
        }
    }

    #[test]
    fn lunch_rush_rises_to_the_peak_and_falls() {
        let r = lunch_rush_rates(30, 40.0);
        assert_eq!(r.len(), 30);
        let top = r.iter().cloned().fold(0.0, f64::max);
        assert!(top > 39.0 && top <= 40.0, "{top}");
        assert!(r[0] < 6.0 && r[29] < 6.0);
        let peak_at = r.iter().position(|x| *x == top).unwrap_or(0);
        assert!((13..=16).contains(&peak_at), "{peak_at}");
        assert!(r[..peak_at].windows(2).all(|w| w[0] <= w[1]));
        assert!(r[peak_at..].windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn counts_carry_fractions() {
        assert_eq!(counts(&[0.5, 0.5, 0.5, 0.5]), vec![0, 1, 0, 1]);
        assert_eq!(counts(&[2.0, 3.0]), vec![2, 3]);
        let r = lunch_rush_rates(30, 40.0);
        let c = counts(&r);
        let total: u32 = c.iter().sum();
        assert_eq!(f64::from(total), r.iter().sum::<f64>().floor());
        for (n, x) in c.iter().zip(&r) {
            assert!((f64::from(*n) - x).abs() <= 1.0);
        }
    }

    #[test]
    fn interpolation_is_linear_and_flat_outside() {
        let r = interpolate(&[(2.0, 10.0), (4.0, 20.0)], 6);
        assert_eq!(r, vec![10.0, 10.0, 10.0, 15.0, 20.0, 20.0]);
        assert_eq!(interpolate(&[(0.0, 3.0)], 2), vec![3.0, 3.0]);
    }

    #[test]
    fn same_seed_same_plan_other_seed_other_plan() {
        let c = counts(&lunch_rush_rates(30, 20.0));
        let a = plan(42, &c, &Mix::LUNCH_RUSH);
        let b = plan(42, &c, &Mix::LUNCH_RUSH);
        assert_eq!(a, b);
        let other = plan(43, &c, &Mix::LUNCH_RUSH);
        assert_ne!(a.orders, other.orders);
        assert_eq!(a.minutes.len(), 30 + TAIL_MINUTES as usize);
    }

    #[test]
    fn plan_follows_the_mix_and_orders_actions_causally() {
        let c = vec![200; 10];
        let p = plan(7, &c, &Mix::LUNCH_RUSH);
        assert_eq!(p.orders.len(), 2000);
        let share = |f: &dyn Fn(&PlannedOrder) -> bool| {
            p.orders.iter().filter(|o| f(o)).count() as f64 / 2000.0
        };
        assert!((share(&|o| o.pickup) - 0.2).abs() < 0.04);
        assert!((share(&|o| o.fate == Fate::Timeout) - 0.03).abs() < 0.02);
        assert!((share(&|o| o.fate == Fate::CustomerCancel) - 0.05).abs() < 0.02);
        assert!((share(&|o| o.payment.is_some()) - 0.3).abs() < 0.04);
        // Every order: placed first, in its minute; follow-ups after, within the tail.
        let mut seen = std::collections::HashMap::new();
        for (m, actions) in p.minutes.iter().enumerate() {
            for a in actions {
                let o = &p.orders[a.order() as usize];
                match a {
                    Action::Place(_) => {
                        assert_eq!(o.minute as usize, m);
                        assert!(seen.insert(o.index, vec![*a]).is_none());
                    }
                    _ => {
                        let done = seen.get_mut(&o.index).expect("placed before");
                        done.push(*a);
                        assert!(m <= o.minute as usize + TAIL_MINUTES as usize);
                    }
                }
            }
        }
        for o in &p.orders {
            let done = &seen[&o.index];
            let has = |a: Action| done.contains(&a);
            match o.fate {
                Fate::Complete => {
                    assert!(has(Action::Complete(o.index)));
                    assert_eq!(has(Action::Driver(o.index)), !o.pickup);
                }
                Fate::CustomerCancel => assert!(has(Action::CustomerCancel(o.index))),
                Fate::Timeout => assert_eq!(
                    done.iter()
                        .filter(|a| !matches!(
                            a,
                            Action::Pay(_) | Action::Expire(_) | Action::CreatePayment(_)
                        ))
                        .count(),
                    1
                ),
            }
            let payment_actions = done
                .iter()
                .filter(|a| matches!(a, Action::Pay(_) | Action::Expire(_)))
                .count();
            assert_eq!(payment_actions, usize::from(o.payment.is_some()));
            if let Some(i) = done.iter().position(|a| matches!(a, Action::Driver(_))) {
                let j = done
                    .iter()
                    .position(|a| matches!(a, Action::Complete(_)))
                    .unwrap_or(0);
                assert!(i < j);
            }
        }
    }

    #[test]
    fn a_zero_mix_completes_everything_without_payments() {
        let zero = Mix {
            pickup: 0.0,
            customer_cancel: 0.0,
            timeout: 0.0,
            payment: 0.0,
            payment_paid: 0.0,
        };
        let p = plan(1, &[5, 5], &zero);
        assert!(p
            .orders
            .iter()
            .all(|o| o.fate == Fate::Complete && !o.pickup && o.payment.is_none()));
    }

    #[test]
    fn baskets_respect_stock_and_variant_limits() {
        let c = catalog();
        for i in 0..500 {
            let mut rng = basket_rng(9, i);
            let lines = basket(&c, 0, &mut rng).expect("orderable");
            assert!((1..=4).contains(&lines.len()));
            let mut items: Vec<&str> = lines.iter().map(|l| l.item.as_str()).collect();
            items.sort_unstable();
            items.dedup();
            assert_eq!(items.len(), lines.len(), "distinct items");
            for l in &lines {
                assert!((1..=3).contains(&l.quantity));
                assert!(
                    ["NASI", "TEH", "KOPI"].contains(&l.item.as_str()),
                    "{}",
                    l.item
                );
                if l.item == "NASI" {
                    let spicy = l
                        .variants
                        .iter()
                        .filter(|v| ["MILD", "HOT"].contains(&v.as_str()))
                        .count();
                    let top = l
                        .variants
                        .iter()
                        .filter(|v| ["EGG", "CHEESE"].contains(&v.as_str()))
                        .count();
                    assert_eq!(spicy, 1);
                    assert!(top <= 2);
                    assert!(!l.variants.contains(&"OOS".to_string()));
                    assert_eq!(spicy + top, l.variants.len());
                } else {
                    assert!(l.variants.is_empty());
                }
            }
        }
        let same = |i| basket(&c, 0, &mut basket_rng(9, i));
        assert_eq!(same(3), same(3));
    }

    #[test]
    fn nothing_orderable_gives_no_basket() {
        let mut c = catalog();
        for m in &mut c.menus {
            for i in &mut m.menu_items {
                i.in_stock = false;
            }
        }
        assert!(basket(&c, 0, &mut basket_rng(1, 0)).is_none());
        let empty = Catalog {
            request_id: "r".into(),
            menus: vec![],
            variant_categories: vec![],
        };
        assert!(orderable_items(&empty, 0).is_empty());
    }
}
