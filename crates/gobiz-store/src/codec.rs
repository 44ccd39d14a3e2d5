//! The one codec for the documents the store keeps in TEXT columns (orders, payment
//! transactions, catalogs and menu mappings, promotions, Moka sales and library entries,
//! client redirect URIs).
//!
//! Every store module encodes and decodes its documents here, so the stored format has one
//! definition: compact JSON of the domain type's serde representation (the bytes existing
//! databases hold). A document that does not decode is [`StoreError::CorruptRow`], naming
//! the table and the row, never a silent default.

use crate::{Result, StoreError};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The stored form of `value`, the document of row `key` of `table`.
pub(crate) fn encode<T: Serialize + ?Sized>(
    table: &'static str,
    key: &str,
    value: &T,
) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Unencodable {
        table,
        key: key.to_string(),
        reason: e.to_string(),
    })
}

/// The value stored as `doc` in row `key` of `table`.
pub(crate) fn decode<T: DeserializeOwned>(table: &'static str, key: &str, doc: &str) -> Result<T> {
    serde_json::from_str(doc).map_err(|e| StoreError::CorruptRow {
        table,
        key: key.to_string(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gobiz_domain::payment::{PaymentStatus, Transaction, TransactionDraft};
    use serde_json::json;

    fn transaction() -> Transaction {
        Transaction::open(
            TransactionDraft {
                id: "5b7c0e9e-3f0a-4d51-9d3c-0c1f4f1f2a10".into(),
                outlet_id: "M008272".into(),
                pop_id: "POP-1".into(),
                qris_string: "00020101021226".into(),
                order_id: "order-1".into(),
                gross_amount: 15000,
                metadata: json!({ "b": 1, "a": [true, null] }),
            },
            1_700_000_000_000,
        )
    }

    #[test]
    fn round_trip_keeps_value_and_bytes() {
        let t = transaction();
        let doc = encode("payment_transactions", t.id(), &t).unwrap();
        assert_eq!(
            doc,
            serde_json::to_string(&t).unwrap(),
            "stored bytes unchanged"
        );
        let back: Transaction = decode("payment_transactions", t.id(), &doc).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.status(), PaymentStatus::Pending);
        assert_eq!(encode("payment_transactions", t.id(), &back).unwrap(), doc);
    }

    #[test]
    fn value_documents_keep_their_bytes() {
        let doc = r#"{"menus":[{"menu_items":[{"external_id":"x1","id":"i1"}]}],"variant_categories":[]}"#;
        let v: serde_json::Value = decode("catalog_mappings", "M1/P1", doc).unwrap();
        assert_eq!(encode("catalog_mappings", "M1/P1", &v).unwrap(), doc);
    }

    #[test]
    fn corrupt_row_is_named() {
        let err = decode::<Transaction>("payment_transactions", "T-9", "{\"id\":").unwrap_err();
        match &err {
            StoreError::CorruptRow { table, key, .. } => {
                assert_eq!(*table, "payment_transactions");
                assert_eq!(key, "T-9");
            }
            other => panic!("expected CorruptRow, got {other:?}"),
        }
        let text = err.to_string();
        assert!(
            text.starts_with("corrupt payment_transactions row T-9: EOF while parsing"),
            "{text}"
        );
    }

    #[test]
    fn wrong_shape_is_corrupt_not_default() {
        let err = decode::<Transaction>("payment_transactions", "T-1", "null").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("corrupt payment_transactions row T-1: invalid type: null"),
            "{err}"
        );
        let err = decode::<serde_json::Value>("catalog_mappings", "O/P", "not json").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("corrupt catalog_mappings row O/P: "),
            "{err}"
        );
    }
}
