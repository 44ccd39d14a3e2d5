//! MokaPOS for partners (spec §8): the reports and listings computed from the sales that the
//! sandbox cashier (`crate::simulators::cashier`) and generator (`crate::sandbox::moka`)
//! record.

pub mod listings;
pub mod reports;
pub mod views;

use crate::access::Principal;
use crate::{ServiceResult, Services};
use gobiz_domain::entities::Outlet;

/// Scope of the reports (spec §8.3–§8.6).
pub const REPORTING_READ: &str = "mokapos:reporting:read";

impl Services {
    /// Scope (one of `scopes`, row 2 names the first), then the outlet for any product.
    async fn moka_outlet(
        &self,
        who: &Principal,
        outlet_id: &str,
        scopes: &[&str],
    ) -> ServiceResult<Outlet> {
        who.require_any_scope(scopes)?;
        self.accessible_outlet(who, outlet_id, None).await
    }
}
