//! QRIS payment transactions (spec §7): the status, the transaction aggregate and its state
//! machine (the settlement webhook body is written by [`crate::events::Event`]).
//!
//! Status transitions (spec §7.1): `pending` → `settlement` (paid), → `expire` (timer or
//! sandbox), → `cancel` (sandbox only). Final states never change.

use crate::clock::Millis;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// A transaction's status (spec §7.1): `pending`, then `settlement` (paid), `expire` (not paid
/// in time) or `cancel` (sandbox); the final three never change. The wire, column and
/// document value is `PaymentStatus::as_str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PaymentStatus {
    /// Waiting to be paid.
    Pending,
    /// Paid (final).
    Settlement,
    /// Not paid in time (final).
    Expire,
    /// Cancelled in the sandbox (final).
    Cancel,
}

impl PaymentStatus {
    /// Every status.
    pub const ALL: [PaymentStatus; 4] = [
        PaymentStatus::Pending,
        PaymentStatus::Settlement,
        PaymentStatus::Expire,
        PaymentStatus::Cancel,
    ];

    /// Wire name: `pending`, `settlement`, `expire`, `cancel`.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Settlement => "settlement",
            PaymentStatus::Expire => "expire",
            PaymentStatus::Cancel => "cancel",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<PaymentStatus> {
        PaymentStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// No way out.
    pub fn is_final(self) -> bool {
        self != PaymentStatus::Pending
    }

    /// The statuses that hold an order id on an outlet: another transaction for that order id
    /// is refused while one of these exists (spec §7.2); after `expire`/`cancel` it is free.
    pub const HOLDING_ORDER_ID: [PaymentStatus; 2] =
        [PaymentStatus::Pending, PaymentStatus::Settlement];
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A move out of `pending`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    /// Paid: → `settlement`.
    Settle,
    /// Not paid in time: → `expire`.
    Expire,
    /// Called off: → `cancel`.
    Cancel,
}

impl Transition {
    /// Every transition.
    pub const ALL: [Transition; 3] = [Transition::Settle, Transition::Expire, Transition::Cancel];

    /// The status it leads to.
    pub fn target(self) -> PaymentStatus {
        match self {
            Transition::Settle => PaymentStatus::Settlement,
            Transition::Expire => PaymentStatus::Expire,
            Transition::Cancel => PaymentStatus::Cancel,
        }
    }
}

/// How a pending transaction ends unpaid (the sandbox's `/expire` and `/cancel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ending {
    /// → `expire`.
    Expire,
    /// → `cancel`.
    Cancel,
}

impl Ending {
    /// Parses the action of `/sandbox/v1/transactions/{id}/{action}`: `expire` or `cancel`.
    pub fn parse(action: &str) -> Option<Ending> {
        match action {
            "expire" => Some(Ending::Expire),
            "cancel" => Some(Ending::Cancel),
            _ => None,
        }
    }

    /// The transition it makes.
    pub fn transition(self) -> Transition {
        match self {
            Ending::Expire => Transition::Expire,
            Ending::Cancel => Transition::Cancel,
        }
    }
}

/// Why a transition is refused: the transaction is not pending. Its text is the 409 message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Transaction {id} is {found}, not pending")]
pub struct NotPending {
    /// The transaction.
    pub id: String,
    /// The status found.
    pub found: PaymentStatus,
}

/// What a new transaction is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionDraft {
    /// UUID.
    pub id: String,
    /// Outlet.
    pub outlet_id: String,
    /// Outlet point-of-payment id.
    pub pop_id: String,
    /// EMVCo payload.
    pub qris_string: String,
    /// Partner's order id.
    pub order_id: String,
    /// IDR.
    pub gross_amount: i64,
    /// Stored, not echoed.
    pub metadata: Value,
}

/// A QRIS transaction. Serialized as the stored document (field names and order are the
/// stored format: do not reorder).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    id: String,
    outlet_id: String,
    pop_id: String,
    status: PaymentStatus,
    qris_string: String,
    order_id: String,
    gross_amount: i64,
    created_at: Millis,
    settlement_at: Option<Millis>,
    metadata: Value,
}

impl Transaction {
    /// A new pending transaction created at `now`.
    pub fn open(d: TransactionDraft, now: Millis) -> Transaction {
        Transaction {
            id: d.id,
            outlet_id: d.outlet_id,
            pop_id: d.pop_id,
            status: PaymentStatus::Pending,
            qris_string: d.qris_string,
            order_id: d.order_id,
            gross_amount: d.gross_amount,
            created_at: now,
            settlement_at: None,
            metadata: d.metadata,
        }
    }

    /// UUID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Outlet.
    pub fn outlet_id(&self) -> &str {
        &self.outlet_id
    }

    /// Outlet point-of-payment id.
    pub fn pop_id(&self) -> &str {
        &self.pop_id
    }

    /// Current status.
    pub fn status(&self) -> PaymentStatus {
        self.status
    }

    /// EMVCo payload.
    pub fn qris_string(&self) -> &str {
        &self.qris_string
    }

    /// Partner's order id.
    pub fn order_id(&self) -> &str {
        &self.order_id
    }

    /// IDR.
    pub fn gross_amount(&self) -> i64 {
        self.gross_amount
    }

    /// Creation.
    pub fn created_at(&self) -> Millis {
        self.created_at
    }

    /// Payment time, once settled.
    pub fn settlement_at(&self) -> Option<Millis> {
        self.settlement_at
    }

    /// The partner's metadata (stored, not echoed).
    pub fn metadata(&self) -> &Value {
        &self.metadata
    }

    /// Makes `t` from `pending`; refused, with nothing changed, from any other status.
    pub fn apply(&mut self, t: Transition, now: Millis) -> Result<(), NotPending> {
        if self.status != PaymentStatus::Pending {
            return Err(NotPending {
                id: self.id.clone(),
                found: self.status,
            });
        }
        self.status = t.target();
        if t == Transition::Settle {
            self.settlement_at = Some(now);
        }
        Ok(())
    }

    /// Paid at `now`: → `settlement`.
    pub fn settle(&mut self, now: Millis) -> Result<(), NotPending> {
        self.apply(Transition::Settle, now)
    }

    /// Not paid in time: → `expire`.
    pub fn expire(&mut self, now: Millis) -> Result<(), NotPending> {
        self.apply(Transition::Expire, now)
    }

    /// Called off: → `cancel`.
    pub fn cancel(&mut self, now: Millis) -> Result<(), NotPending> {
        self.apply(Transition::Cancel, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timefmt::jakarta_millis;
    use proptest::prelude::*;
    use serde_json::json;

    fn pending() -> Transaction {
        Transaction::open(
            TransactionDraft {
                id: "6c0f3c52-7a49-4f43-9d56-0d1c2d3e4f50".into(),
                outlet_id: "G000000001".into(),
                pop_id: "b2a6f1de-0000-4000-8000-000000000001".into(),
                qris_string: "000201".into(),
                order_id: "order-1".into(),
                gross_amount: 5000,
                metadata: json!({ "k": "v" }),
            },
            1_000,
        )
    }

    fn in_status(s: PaymentStatus) -> Transaction {
        let mut t = pending();
        match s {
            PaymentStatus::Pending => {}
            PaymentStatus::Settlement => t.settle(2_000).unwrap(),
            PaymentStatus::Expire => t.expire(2_000).unwrap(),
            PaymentStatus::Cancel => t.cancel(2_000).unwrap(),
        }
        t
    }

    #[test]
    fn wire_names_round_trip_and_serialize_as_is() {
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), json!(s.as_str()));
            assert_eq!(s.to_string(), s.as_str());
        }
        assert_eq!(PaymentStatus::parse("PENDING"), None);
        assert_eq!(PaymentStatus::parse("settled"), None);
        assert_eq!(Ending::parse("expire"), Some(Ending::Expire));
        assert_eq!(Ending::parse("cancel"), Some(Ending::Cancel));
        assert_eq!(Ending::parse("settle"), None);
        assert_eq!(Ending::parse("Expire"), None);
    }

    #[test]
    fn the_stored_document_keeps_its_format() {
        let mut t = pending();
        let doc = serde_json::to_string(&t).unwrap();
        assert_eq!(
            doc,
            r#"{"id":"6c0f3c52-7a49-4f43-9d56-0d1c2d3e4f50","outlet_id":"G000000001","pop_id":"b2a6f1de-0000-4000-8000-000000000001","status":"pending","qris_string":"000201","order_id":"order-1","gross_amount":5000,"created_at":1000,"settlement_at":null,"metadata":{"k":"v"}}"#
        );
        t.settle(3_000).unwrap();
        let doc = serde_json::to_string(&t).unwrap();
        assert!(doc.contains(r#""status":"settlement""#), "{doc}");
        assert!(doc.contains(r#""settlement_at":3000"#), "{doc}");
        let back: Transaction = serde_json::from_str(&doc).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn the_refusal_names_the_state_found() {
        let e = in_status(PaymentStatus::Expire).settle(9).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Transaction 6c0f3c52-7a49-4f43-9d56-0d1c2d3e4f50 is expire, not pending"
        );
    }

    #[test]
    fn every_status_by_every_transition() {
        for s in PaymentStatus::ALL {
            for tr in Transition::ALL {
                let mut t = in_status(s);
                let before = t.clone();
                let r = t.apply(tr, 5_000);
                if s == PaymentStatus::Pending {
                    assert_eq!(r, Ok(()));
                    assert_eq!(t.status(), tr.target());
                    assert!(t.status().is_final());
                    let paid = (tr == Transition::Settle).then_some(5_000);
                    assert_eq!(t.settlement_at(), paid);
                } else {
                    assert_eq!(
                        r,
                        Err(NotPending {
                            id: t.id().to_string(),
                            found: s
                        })
                    );
                    assert_eq!(t, before, "{s} {tr:?} changed the transaction");
                }
            }
        }
    }

    #[test]
    fn settlement_body() {
        let mut t = pending();
        t.settle(1_700_000_000_123).unwrap();
        let b = crate::events::Event::settlement(&t).body();
        assert_eq!(b["transaction"]["status"], json!("settlement"));
        assert_eq!(
            b["transaction"]["settlement_at"],
            json!(jakarta_millis(1_700_000_000_123))
        );
        assert_eq!(b["transaction"]["created_at"], json!(jakarta_millis(1_000)));
        assert!(b["transaction"].get("metadata").is_none());
    }

    fn transition() -> impl Strategy<Value = Transition> {
        prop_oneof![
            Just(Transition::Settle),
            Just(Transition::Expire),
            Just(Transition::Cancel),
        ]
    }

    proptest! {
        /// From pending the first transition succeeds, exactly once; from then on (a final
        /// state) every transition is refused naming that state and changes nothing.
        #[test]
        fn state_machine(steps in proptest::collection::vec((transition(), 0i64..10_000_000), 1..12)) {
            let mut t = pending();
            let mut settled_at = None;
            for (i, (tr, now)) in steps.iter().enumerate() {
                let before = t.clone();
                let r = t.apply(*tr, *now);
                if i == 0 {
                    prop_assert_eq!(r, Ok(()));
                    prop_assert_eq!(t.status(), tr.target());
                    if *tr == Transition::Settle {
                        settled_at = Some(*now);
                    }
                } else {
                    prop_assert!(before.status().is_final());
                    prop_assert_eq!(r, Err(NotPending { id: before.id().to_string(), found: before.status() }));
                    prop_assert_eq!(&t, &before);
                }
                prop_assert_eq!(t.settlement_at(), settled_at);
                prop_assert_eq!(t.created_at(), 1_000);
            }
        }
    }
}
