//! The sandbox admin API's use cases (spec §10.2), one file per entity: merchants, outlets,
//! users, partners and their clients, links, the clock, reset and the demo data set.
//! Everything here is reached with the sandbox admin token; the simulators that act as a
//! customer, driver, payer or cashier live in `crate::simulators`.

mod catalog_push;
mod chaos;
mod clients;
mod clock;
mod console_outlets;
pub mod events;
mod links;
pub mod listeners;
mod merchants;
pub mod moka;
mod moka_reports;
mod orders;
mod otp_inbox;
mod outlets;
mod overview;
mod partner_details;
mod partners;
mod payments;
pub mod pos;
mod reset;
pub mod scenarios;
mod users;

pub use catalog_push::Repushed;
pub use chaos::{ChaosSettings, ChaosState, MAX_SEED};
pub use clients::{ClientWithSecret, NewClient};
pub use clock::{AdvanceClock, ClockView};
pub use console_outlets::PromoPrice;
pub use links::LinkRequest;
pub use merchants::NewMerchant;
pub use moka_reports::{MokaDay, MokaRangeReport};
pub use otp_inbox::InboxOtp;
pub use outlets::OutletFields;
pub use overview::Overview;
pub use partners::{NewPartner, PartnerWithSecret};
pub use payments::StoredTransaction;
pub use reset::{demo, ResetRequest, Seeded};
pub use users::{NewRole, NewUser};

use crate::ServiceError;
use gobiz_domain::validation::Violations;
use gobiz_store::StoreError;

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn take_name(v: &mut Violations, path: &str, value: &Option<String>) {
    v.text(path, value.as_deref(), 1, 100);
}

fn conflict_on_duplicate(message: String) -> impl FnOnce(StoreError) -> ServiceError {
    move |e| match e {
        StoreError::Duplicate => ServiceError::Conflict(message),
        other => other.into(),
    }
}
