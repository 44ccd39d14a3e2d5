//! `POST` / `DELETE /sandbox/v1/links`: link and unlink as the merchant would (spec §3.5–§3.6).

use crate::{ServiceError, ServiceResult, Services};
use gobiz_domain::entities::{Link, Partner, User};
use gobiz_domain::ids::{ExternalOutletId, OutletId};
use gobiz_domain::model::Product;
use gobiz_domain::phone;
use gobiz_domain::validation::Violations;
use gobiz_store::users;
use serde::Deserialize;

/// `POST` / `DELETE /sandbox/v1/links`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"phone": "+6281234567890", "partner_id": "7d9e4c1a-2b3f-4a5e-8c6d-0e1f2a3b4c5d", "outlet_id": "G000012345", "product": "gofood", "external_outlet_id": "pos-outlet-1"}))]
pub struct LinkRequest {
    /// The merchant user acting (or `phone`).
    #[schema(required = false, nullable = false, value_type = String)]
    pub user_id: Option<String>,
    /// The merchant user's phone, `08…`, `628…` or `+628…` (or `user_id`).
    #[schema(required = false, nullable = false, value_type = String)]
    pub phone: Option<String>,
    /// The partner to link the outlet to.
    #[schema(required = true, nullable = false, value_type = String)]
    pub partner_id: Option<String>,
    /// The outlet.
    #[schema(required = true, nullable = false, value_type = String, pattern = "^G[0-9]{9}$")]
    pub outlet_id: Option<String>,
    /// `gofood` or `payment`.
    #[schema(required = true, nullable = false, value_type = String, pattern = "^(gofood|payment)$")]
    pub product: Option<String>,
    /// The partner's own id for the outlet, 1 to 100 characters; required to link, ignored
    /// when unlinking.
    #[schema(required = false, nullable = false, value_type = String, min_length = 1, max_length = 100)]
    pub external_outlet_id: Option<String>,
}

impl Services {
    /// Resolves the parts of a link request, in the order of checks of spec §1.7.
    async fn resolve_link(
        &self,
        req: &LinkRequest,
        linking: bool,
    ) -> ServiceResult<(User, Partner, OutletId, Product)> {
        let mut v = Violations::new();
        if req.user_id.is_none() && req.phone.is_none() {
            v.add("user_id", "user_id or phone is required");
        }
        if req.partner_id.is_none() {
            v.add("partner_id", "is required");
        }
        if req.outlet_id.is_none() {
            v.add("outlet_id", "is required");
        }
        let product = match req.product.as_deref() {
            None => {
                v.add("product", "is required");
                None
            }
            Some(p) => {
                let parsed = Product::parse(p);
                if parsed.is_none() {
                    v.add("product", format!("must be one of {}", Product::choices()));
                }
                parsed
            }
        };
        if linking {
            v.text(
                "external_outlet_id",
                req.external_outlet_id.as_deref(),
                1,
                100,
            );
        }
        v.finish()?;
        let partner_id = req.partner_id.clone().unwrap_or_default();
        let partner = self.get_partner(&partner_id).await?;
        let mut conn = self.db.conn().await?;
        let user = match (&req.user_id, &req.phone) {
            (Some(id), _) => users::get(&mut conn, id).await?.ok_or_else(|| {
                ServiceError::NotFound(format!("User with id: {id} is not found"))
            })?,
            (None, Some(p)) => {
                let normalized = phone::normalize(p).ok_or_else(|| {
                    ServiceError::invalid(
                        "phone",
                        "must be an Indonesian mobile number (08…, 628… or +628…)",
                    )
                })?;
                users::by_phone(&mut conn, &normalized)
                    .await?
                    .ok_or_else(|| {
                        ServiceError::NotFound(format!(
                            "User with phone: {normalized} is not found"
                        ))
                    })?
            }
            (None, None) => {
                return Err(ServiceError::invalid(
                    "user_id",
                    "user_id or phone is required",
                ))
            }
        };
        let outlet_id = OutletId::from(req.outlet_id.clone().unwrap_or_default());
        let product = product.ok_or_else(|| ServiceError::invalid("product", "is required"))?;
        Ok((user, partner, outlet_id, product))
    }

    /// `POST /sandbox/v1/links`: links exactly as the merchant would through §3.5.
    pub async fn sandbox_link(&self, req: LinkRequest) -> ServiceResult<Link> {
        let (user, partner, outlet_id, product) = self.resolve_link(&req, true).await?;
        let external = ExternalOutletId::from(req.external_outlet_id.unwrap_or_default());
        self.link_outlet(&user, &partner, &outlet_id, &[product], &external)
            .await
    }

    /// `DELETE /sandbox/v1/links`: unlinks exactly as §3.6.
    pub async fn sandbox_unlink(&self, req: LinkRequest) -> ServiceResult<()> {
        let (user, partner, outlet_id, product) = self.resolve_link(&req, false).await?;
        self.unlink_outlet(&user, &partner, &outlet_id, &[product])
            .await
    }
}
