//! Reproducible, realistic Moka sales for the sandbox (spec §10.2 `moka/generate`): a small
//! café-and-warung library of items and modifiers, busier at lunch and dinner (Asia/Jakarta),
//! with discounts, redemptions, PB1 tax, service charge on dine-in, invoices, customers and a
//! few partial refunds. The same seed, count, range and customers give the same sales.

use super::sale::{whole_seconds, Charge, Invoice, ModifierLine, SaleDraft, SaleLine};
use crate::clock::Millis;
use crate::local_time::{date_of_day, format_date, JakartaTime};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Most sales one request may generate.
pub const MAX_COUNT: u32 = 100_000;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct GenerateParams {
    /// Number of sales.
    pub count: u32,
    /// Earliest transaction time (inclusive).
    pub from: Millis,
    /// Latest transaction time (inclusive).
    pub to: Millis,
    /// PRNG seed.
    pub seed: u64,
}

/// One generated sale and, for some, a refund to apply afterwards.
#[derive(Debug, Clone)]
pub struct GeneratedSale {
    /// The sale.
    pub draft: SaleDraft,
    /// `(line index, quantity)` to refund, if any.
    pub refund: Option<(u32, i64)>,
}

struct Group {
    id: i64,
    name: &'static str,
    options: &'static [(i64, &'static str, i64)],
}

const SUGAR: Group = Group {
    id: 362_770,
    name: "Sugar Level",
    options: &[
        (2_482_790, "Normal Sugar", 0),
        (2_482_791, "Less Sugar", 0),
        (2_482_792, "No Sugar", 0),
    ],
};
const TOPPING: Group = Group {
    id: 362_774,
    name: "Topping",
    options: &[
        (2_482_800, "Oreo", 2_000),
        (2_482_801, "Boba", 3_000),
        (2_482_802, "Cheese Foam", 5_000),
    ],
};
const SIZE: Group = Group {
    id: 362_775,
    name: "Size",
    options: &[(2_482_810, "Regular", 0), (2_482_811, "Large", 5_000)],
};
const SHOT: Group = Group {
    id: 362_776,
    name: "Extra Shot",
    options: &[(2_482_820, "Espresso Shot", 6_000)],
};
const SPICY: Group = Group {
    id: 362_777,
    name: "Spicy Level",
    options: &[
        (2_482_830, "Level 1", 0),
        (2_482_831, "Level 3", 0),
        (2_482_832, "Level 5", 2_000),
    ],
};
const ADD_ON: Group = Group {
    id: 362_778,
    name: "Add-on",
    options: &[
        (2_482_840, "Extra Egg", 4_000),
        (2_482_841, "Extra Rice", 5_000),
    ],
};

struct Item {
    variant_id: i64,
    name: &'static str,
    category: &'static str,
    price: i64,
    cogs: i64,
    groups: &'static [&'static Group],
}

const LIBRARY: &[Item] = &[
    Item {
        variant_id: 36_629_101,
        name: "Kopi Susu Gula Aren",
        category: "Coffee",
        price: 22_000,
        cogs: 8_000,
        groups: &[&SUGAR, &SIZE, &SHOT],
    },
    Item {
        variant_id: 36_629_102,
        name: "Americano",
        category: "Coffee",
        price: 20_000,
        cogs: 6_000,
        groups: &[&SIZE, &SHOT],
    },
    Item {
        variant_id: 36_629_103,
        name: "Cafe Latte",
        category: "Coffee",
        price: 28_000,
        cogs: 9_000,
        groups: &[&SUGAR, &SIZE, &SHOT],
    },
    Item {
        variant_id: 36_629_104,
        name: "Cappuccino",
        category: "Coffee",
        price: 28_000,
        cogs: 9_000,
        groups: &[&SUGAR, &SHOT],
    },
    Item {
        variant_id: 36_629_105,
        name: "Es Teh Manis",
        category: "Tea",
        price: 8_000,
        cogs: 2_000,
        groups: &[&SUGAR],
    },
    Item {
        variant_id: 36_629_106,
        name: "Thai Tea",
        category: "Tea",
        price: 18_000,
        cogs: 6_000,
        groups: &[&SUGAR, &TOPPING],
    },
    Item {
        variant_id: 36_629_107,
        name: "Matcha Latte",
        category: "Tea",
        price: 30_000,
        cogs: 11_000,
        groups: &[&SUGAR, &TOPPING, &SIZE],
    },
    Item {
        variant_id: 36_629_108,
        name: "Nasi Goreng Spesial",
        category: "Food",
        price: 35_000,
        cogs: 14_000,
        groups: &[&SPICY, &ADD_ON],
    },
    Item {
        variant_id: 36_629_109,
        name: "Mie Goreng Jawa",
        category: "Food",
        price: 30_000,
        cogs: 11_000,
        groups: &[&SPICY, &ADD_ON],
    },
    Item {
        variant_id: 36_629_111,
        name: "Ayam Bawang",
        category: "Food",
        price: 51_000,
        cogs: 22_000,
        groups: &[&SPICY],
    },
    Item {
        variant_id: 36_629_112,
        name: "Nasi Ayam Geprek",
        category: "Food",
        price: 28_000,
        cogs: 10_000,
        groups: &[&SPICY, &ADD_ON],
    },
    Item {
        variant_id: 36_629_113,
        name: "Sate Ayam",
        category: "Food",
        price: 40_000,
        cogs: 16_000,
        groups: &[],
    },
    Item {
        variant_id: 36_629_114,
        name: "Pisang Goreng",
        category: "Snacks",
        price: 15_000,
        cogs: 4_000,
        groups: &[],
    },
    Item {
        variant_id: 36_629_115,
        name: "Kentang Goreng",
        category: "Snacks",
        price: 20_000,
        cogs: 6_000,
        groups: &[],
    },
    Item {
        variant_id: 36_629_116,
        name: "Roti Bakar Coklat",
        category: "Snacks",
        price: 22_000,
        cogs: 7_000,
        groups: &[&TOPPING],
    },
    Item {
        variant_id: 36_629_117,
        name: "Vanilla Ice Cream",
        category: "Dessert",
        price: 20_000,
        cogs: 5_000,
        groups: &[&TOPPING],
    },
    Item {
        variant_id: 36_629_118,
        name: "Es Campur",
        category: "Dessert",
        price: 25_000,
        cogs: 8_000,
        groups: &[],
    },
    Item {
        variant_id: 36_629_119,
        name: "Pancake",
        category: "Dessert",
        price: 27_000,
        cogs: 8_000,
        groups: &[&TOPPING],
    },
];

/// Relative traffic per hour of the day in Jakarta.
const HOURLY: [u32; 24] = [
    1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 12, 16, 20, 16, 10, 9, 10, 14, 18, 18, 14, 10, 5, 2,
];

/// Picks an index by integer weights.
fn weighted(rng: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut pick = rng.gen_range(0..total.max(1));
    for (i, w) in weights.iter().enumerate() {
        if pick < *w {
            return i;
        }
        pick -= w;
    }
    weights.len() - 1
}

fn chance(rng: &mut ChaCha8Rng, percent: u32) -> bool {
    rng.gen_range(0..100) < percent
}

/// A time in `[from, to]`, busier at meal times (rejection sampling, bounded).
fn transaction_time(rng: &mut ChaCha8Rng, from: Millis, to: Millis) -> Millis {
    let max = *HOURLY.iter().max().unwrap_or(&1);
    let mut t = from;
    for _ in 0..16 {
        t = rng.gen_range(from..=to);
        let hour = JakartaTime::at(t).hour();
        if rng.gen_range(0..max) < HOURLY[hour.min(23)] {
            break;
        }
    }
    // Whole seconds, without leaving the range.
    let s = whole_seconds(t);
    if s < from {
        s + 1000
    } else {
        s
    }
}

fn invoice_no(rng: &mut ChaCha8Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let tail: String = (0..7)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    format!("INV{tail}")
}

fn due_date(t: Millis) -> String {
    match date_of_day(JakartaTime::at(t).day + 14) {
        Some(d) => format_date(d),
        None => "1970-01-15".into(),
    }
}

fn line(rng: &mut ChaCha8Rng, index: u32, item: &Item) -> SaleLine {
    let quantity = [1, 2, 3][weighted(rng, &[70, 22, 8])];
    let mut modifiers = Vec::new();
    for g in item.groups {
        if chance(rng, 35) {
            let (option_id, option_name, price) = g.options[rng.gen_range(0..g.options.len())];
            modifiers.push(ModifierLine {
                modifier_id: g.id,
                modifier_name: g.name.into(),
                option_id,
                option_name: option_name.into(),
                price,
            });
        }
    }
    let mut l = SaleLine {
        index,
        id: 0,
        variant_id: item.variant_id,
        name: item.name.into(),
        category_name: item.category.into(),
        quantity,
        refunded_quantity: 0,
        price: item.price,
        discount: 0,
        cogs: item.cogs,
        redemption: 0,
        modifiers,
    };
    if chance(rng, 12) {
        l.discount = l.gross() / 10 / 100 * 100;
    }
    l
}

/// One sale.
fn sale(rng: &mut ChaCha8Rng, p: &GenerateParams, customers: &[i64]) -> GeneratedSale {
    let transaction_time = transaction_time(rng, p.from, p.to);
    let n_lines = 1 + weighted(rng, &[45, 30, 15, 10]);
    let mut picked: Vec<usize> = Vec::with_capacity(n_lines);
    while picked.len() < n_lines {
        let i = rng.gen_range(0..LIBRARY.len());
        if !picked.contains(&i) {
            picked.push(i);
        }
    }
    let mut lines: Vec<SaleLine> = picked
        .iter()
        .zip(0u32..)
        .map(|(i, index)| line(rng, index, &LIBRARY[*i]))
        .collect();
    if chance(rng, 3) {
        if let Some(first) = lines.first_mut() {
            if first.gross() - first.discount >= 5_000 {
                first.redemption = 5_000;
            }
        }
    }
    let payment_type = ["cash", "qris", "gopay", "card", "invoice", "bank_transfer"]
        [weighted(rng, &[35, 25, 15, 15, 5, 5])];
    let sales_type = ["Dine In", "Take Away", "GoFood"][weighted(rng, &[50, 35, 15])];
    let subtotal: i64 = lines.iter().map(|l| l.gross() - l.discount).sum();
    let taxes = vec![Charge {
        id: 66_724,
        name: "PB1".into(),
        amount: subtotal / 10,
    }];
    let gratuities = if sales_type == "Dine In" {
        vec![Charge {
            id: 232_904,
            name: "Service charge".into(),
            amount: subtotal * 5 / 100,
        }]
    } else {
        Vec::new()
    };
    let invoice = (payment_type == "invoice").then(|| Invoice {
        invoice_no: invoice_no(rng),
        due_date: due_date(transaction_time),
        deposit_amount: if chance(rng, 30) { subtotal / 2 } else { 0 },
    });
    let customer_id = if !customers.is_empty() && chance(rng, 30) {
        Some(customers[rng.gen_range(0..customers.len())])
    } else {
        None
    };
    let refund = if chance(rng, 2) {
        let index = rng.gen_range(0..lines.len());
        Some((u32::try_from(index).unwrap_or(0), 1))
    } else {
        None
    };
    GeneratedSale {
        draft: SaleDraft {
            transaction_time,
            payment_type: payment_type.into(),
            payment_note: String::new(),
            sales_type: Some(sales_type.into()),
            customer_id,
            lines,
            taxes,
            gratuities,
            invoice,
        },
        refund,
    }
}

/// `count` sales with times in `[from, to]`, oldest first.
pub fn generate(p: &GenerateParams, customers: &[i64]) -> Vec<GeneratedSale> {
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let mut out: Vec<GeneratedSale> = (0..p.count).map(|_| sale(&mut rng, p, customers)).collect();
    out.sort_by_key(|s| s.draft.transaction_time);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Millis = 86_400_000;

    #[test]
    fn reproducible_and_in_range() {
        let p = GenerateParams {
            count: 500,
            from: 1_700_000_000_000,
            to: 1_700_000_000_000 + 3 * DAY,
            seed: 42,
        };
        let a = generate(&p, &[1, 2]);
        let b = generate(&p, &[1, 2]);
        assert_eq!((a.len(), b.len()), (500, 500));
        assert!(a
            .iter()
            .zip(&b)
            .all(|(x, y)| x.draft == y.draft && x.refund == y.refund));
        assert!(a
            .iter()
            .all(|s| (p.from..=p.to).contains(&s.draft.transaction_time)
                && s.draft.transaction_time % 1000 == 0));
        let c = generate(&GenerateParams { seed: 43, ..p }, &[1, 2]);
        assert!(a.iter().zip(&c).any(|(x, y)| x.draft != y.draft));
        assert!(a.iter().any(|s| s.draft.invoice.is_some()));
        assert!(a.iter().any(|s| s.refund.is_some()));
        assert!(a.iter().any(|s| s.draft.customer_id.is_some()));
        assert!(a
            .iter()
            .any(|s| s.draft.lines.iter().any(|l| !l.modifiers.is_empty())));
        // Every generated sale would pass the cashier's own rules.
        for s in &a {
            for l in &s.draft.lines {
                assert!(l.discount + l.redemption <= l.gross());
            }
        }
    }

    #[test]
    fn a_one_second_range_works() {
        let p = GenerateParams {
            count: 20,
            from: 1_700_000_000_000,
            to: 1_700_000_000_000,
            seed: 1,
        };
        let sales = generate(&p, &[]);
        assert_eq!(sales.len(), 20);
        assert!(sales.iter().all(|s| s.draft.transaction_time == p.from));
    }
}
