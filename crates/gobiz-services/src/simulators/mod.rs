//! The sandbox's simulators: the other parties of a GoBiz flow, acting through the same
//! domain rules and events as the real platform. A customer places and cancels orders, a
//! driver picks them up, a payer pays QRIS transactions, a cashier rings up MokaPOS sales.

pub mod cashier;
pub mod customer;
pub mod driver;
pub mod payer;
