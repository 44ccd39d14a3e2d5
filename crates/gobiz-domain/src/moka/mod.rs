//! MokaPOS sales (spec §8, §10.4): the recorded sale, its reconciling arithmetic, refunds,
//! the report time range and the reproducible sales generator.

pub mod generate;
pub mod range;
pub mod sale;

pub use range::ReportRange;
pub use sale::{Charge, Invoice, ModifierLine, Refund, RefundLine, Sale, SaleLine, SaleTotals};
