//! `POST /sandbox/v1/outlets/{outlet_id}/moka/generate`: reproducible sales written in one
//! transaction, refunds included.

use crate::partner::moka::views::MokaGeneratedSales;
use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::clock::Clock;
use gobiz_domain::moka::generate::{generate, GenerateParams, MAX_COUNT};
use gobiz_domain::moka::range::checked_range;
use gobiz_domain::moka::Sale;
use gobiz_domain::timefmt::rfc3339_seconds;
use gobiz_domain::validation::Violations;
use gobiz_store::moka;
use serde::Deserialize;

/// The generator's request: how many sales, over which range, from which seed. The same
/// request (and the same customers) gives the same sales.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"count": 500, "from": "2024-04-03T00:00:00+07:00", "to": "2024-05-03T00:00:00+07:00", "seed": 42}))]
pub struct GenerateRequest {
    /// Number of sales, 1 to 100,000.
    #[schema(required = true, nullable = false, value_type = i64, minimum = 1, maximum = 100_000)]
    pub count: Option<i64>,
    /// Earliest transaction time, RFC 3339 with an offset (default: `to` − 30 days).
    #[schema(required = false, nullable = false, value_type = String, format = DateTime)]
    pub from: Option<String>,
    /// Latest transaction time, RFC 3339 with an offset, not before `from` and at most 366
    /// days after it (default: now).
    #[schema(required = false, nullable = false, value_type = String, format = DateTime)]
    pub to: Option<String>,
    /// Seed of the random generator, an integer ≥ 0 (default 0).
    #[schema(required = false, nullable = false, value_type = i64, minimum = 0)]
    pub seed: Option<i64>,
}

const DAY_MS: i64 = 86_400_000;
/// Sales written per transaction (about 0.15 s on SQLite).
const SALES_PER_TRANSACTION: usize = 2_000;
/// Loads at least this large refresh the planner statistics.
const ANALYZE_AFTER: i64 = 1_000;

impl Services {
    /// Generates and stores the sales; answers what was made.
    pub async fn generate_moka_sales(
        &self,
        outlet_id: &str,
        req: GenerateRequest,
    ) -> ServiceResult<MokaGeneratedSales> {
        self.get_outlet(outlet_id).await?;
        let now = self.clock.now_ms();
        let mut v = Violations::new();
        let count = match req.count {
            None => {
                v.add("count", "is required");
                0
            }
            Some(n) if (1..=i64::from(MAX_COUNT)).contains(&n) => n,
            Some(_) => {
                v.add("count", format!("must be 1 to {MAX_COUNT}"));
                0
            }
        };
        let seed = match req.seed {
            Some(s) if s < 0 => {
                v.add("seed", "must be an integer >= 0");
                0
            }
            s => s.unwrap_or(0),
        };
        let to_text = req.to.unwrap_or_else(|| rfc3339_seconds(now));
        let from_text = match req.from {
            Some(f) => f,
            None => match gobiz_domain::timefmt::parse_rfc3339(&to_text) {
                Some(t) => rfc3339_seconds(t - 30 * DAY_MS),
                None => to_text.clone(),
            },
        };
        let range = match checked_range(&from_text, &to_text, "", "from", "to") {
            Ok(r) => Some(r),
            Err(errs) => {
                for e in errs {
                    v.add(e.path, e.problem);
                }
                None
            }
        };
        v.finish()?;
        let range = range.ok_or_else(|| ServiceError::Internal("range lost".into()))?;
        // Whole seconds inside the range.
        let from = range.gte.div_euclid(1000) * 1000
            + if range.gte.rem_euclid(1000) == 0 {
                0
            } else {
                1000
            };
        let to = range.lte.div_euclid(1000) * 1000;
        if from > to {
            return Err(ServiceError::invalid("range", "contains no whole second"));
        }
        let customers = {
            let mut conn = self.db.conn().await?;
            moka::customer_ids(&mut conn, outlet_id).await?
        };
        let params = GenerateParams {
            count: u32::try_from(count).unwrap_or(0),
            from,
            to,
            seed: u64::try_from(seed).unwrap_or(0),
        };
        let generated = generate(&params, &customers);
        let first_number = self.moka_ids("sale", count).await?;
        let refunds_wanted =
            i64::try_from(generated.iter().filter(|g| g.refund.is_some()).count()).unwrap_or(0);
        let mut refund_id = if refunds_wanted > 0 {
            self.moka_ids("refund", refunds_wanted).await?
        } else {
            0
        };
        let mut sales: Vec<Sale> = Vec::with_capacity(generated.len());
        let mut refunds = 0;
        for (g, number) in generated.into_iter().zip(first_number..) {
            let at = g.draft.transaction_time;
            let mut sale = g.draft.into_sale(
                uuid::Uuid::new_v4().to_string(),
                number,
                outlet_id.into(),
                now,
            );
            if let Some((index, quantity)) = g.refund {
                let when = (at + 3_600_000).min(now.max(at));
                if sale
                    .refund(
                        Some(&[(index, quantity)]),
                        "Customer complaint".into(),
                        refund_id,
                        when,
                    )
                    .is_ok()
                {
                    refunds += 1;
                    refund_id += 1;
                }
            }
            sales.push(sale);
        }
        // Short transactions, so that other writers (tokens, orders, payments) never wait
        // behind a large load for long; a load cut short by a crash keeps whole sales only.
        for chunk in sales.chunks(SALES_PER_TRANSACTION) {
            let mut tx = self.db.begin().await?;
            moka::insert_sales(&mut tx, chunk).await?;
            tx.commit().await?;
        }
        if count >= ANALYZE_AFTER {
            if let Err(e) = moka::analyze_sales(&self.db).await {
                tracing::warn!(error = %e, "ANALYZE after generating sales failed");
            }
        }
        Ok(MokaGeneratedSales {
            count,
            seed,
            from: rfc3339_seconds(from),
            to: rfc3339_seconds(to),
            refunds,
        })
    }
}

impl Services {
    /// The demo outlet's Moka data: two customers, a service charge and 1,000 sales over the
    /// last 14 days, so every report has something to show right after `--demo` / seed.
    pub(crate) async fn seed_moka(&self, outlet_id: &str) -> ServiceResult<()> {
        use crate::simulators::cashier::{NewCustomer, NewGratuity};
        for (name, phone) in [
            ("Peter Parker", "+6281234567890"),
            ("Budi Santoso", "+6281298765432"),
        ] {
            self.create_moka_customer(
                outlet_id,
                NewCustomer {
                    name: Some(name.into()),
                    phone: Some(phone.into()),
                    email: None,
                    address: Some("Jl. Kemang Raya 10".into()),
                    city: Some("Jakarta".into()),
                    state: Some("DKI Jakarta".into()),
                    postal_code: Some("12730".into()),
                },
            )
            .await?;
        }
        self.create_moka_gratuity(
            outlet_id,
            NewGratuity {
                name: Some("Service charge 5%".into()),
                amount: Some(5),
                active: Some(true),
            },
        )
        .await?;
        let now = self.clock.now_ms();
        self.generate_moka_sales(
            outlet_id,
            GenerateRequest {
                count: Some(1_000),
                from: Some(rfc3339_seconds(now - 14 * DAY_MS)),
                to: Some(rfc3339_seconds(now)),
                seed: Some(2026),
            },
        )
        .await?;
        Ok(())
    }
}
