//! Stored documents through the store's own `Db` on a temporary SQLite file: domain values
//! go in and come back out unchanged, and a corrupt document is an error naming its table
//! and row, never a silent default.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use gobiz_domain::catalog::Catalog;
use gobiz_domain::entities::{Merchant, Outlet};
use gobiz_domain::model::{AcceptanceMode, OutletStatus};
use gobiz_domain::payment::{PaymentStatus, Transaction, TransactionDraft};
use gobiz_store::{catalogs, merchants, outlets, payments, Db, StoreError};
use serde_json::json;

/// A migrated database in a fresh temporary file, removed on drop.
struct TempDb {
    db: Db,
    path: std::path::PathBuf,
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

async fn temp_db(name: &str) -> TempDb {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let path = std::env::temp_dir().join(format!(
        "gobiz-store-{name}-{}-{nanos}.db",
        std::process::id()
    ));
    let db = Db::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let mut conn = db.conn().await.unwrap();
    merchants::insert(
        &mut conn,
        &Merchant {
            id: "m-1".into(),
            name: "Warung".into(),
            created_at: 1,
        },
    )
    .await
    .unwrap();
    outlets::insert(
        &mut conn,
        &Outlet {
            id: "G000000001".into(),
            merchant_id: "m-1".into(),
            merchant_name: "Warung".into(),
            name: "Warung Kemang".into(),
            address: "Jl. Kemang 1".into(),
            email: String::new(),
            status: OutletStatus::Active,
            acceptance_mode: AcceptanceMode::Manual,
            force_close: false,
            qris_active: true,
            gopay_active: true,
            midtrans_active: false,
            pop_id: "pop-1".into(),
            created_at: 1,
            updated_at: 1,
        },
    )
    .await
    .unwrap();
    drop(conn);
    TempDb { db, path }
}

/// Runs raw SQL, as a damaged or foreign database would have it.
async fn raw(db: &Db, sql: &str) {
    let mut conn = db.conn().await.unwrap();
    gobiz_store::raw_sql(&mut conn, sql).await.unwrap();
}

fn transaction(id: &str) -> Transaction {
    Transaction::open(
        TransactionDraft {
            id: id.into(),
            outlet_id: "G000000001".into(),
            pop_id: "pop-1".into(),
            qris_string: "000201".into(),
            order_id: "order-1".into(),
            gross_amount: 25000,
            metadata: json!({ "table": 7 }),
        },
        1_000,
    )
}

#[tokio::test]
async fn transaction_round_trips_and_a_corrupt_row_is_named() {
    let t = temp_db("payments").await;
    let mut conn = t.db.conn().await.unwrap();
    let mut tr = transaction("tx-1");
    payments::insert(&mut conn, &tr, "partner-1", 9_000)
        .await
        .unwrap();
    let stored = payments::get(&mut conn, "tx-1").await.unwrap().unwrap();
    assert_eq!(stored.transaction, tr);
    assert_eq!(stored.partner_id, "partner-1");
    assert_eq!(stored.expires_at, 9_000);
    let by_label = payments::by_reference(&mut conn, &gobiz_domain::qris::reference_label("tx-1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_label.transaction, tr);

    tr.settle(2_000).unwrap();
    assert!(payments::finish(&mut conn, &tr).await.unwrap());
    assert!(
        !payments::finish(&mut conn, &tr).await.unwrap(),
        "not pending any more"
    );
    let stored = payments::get(&mut conn, "tx-1").await.unwrap().unwrap();
    assert_eq!(stored.transaction.status(), PaymentStatus::Settlement);
    assert_eq!(stored.transaction, tr);
    drop(conn);

    raw(
        &t.db,
        "UPDATE payment_transactions SET document = '{\"id\":\"tx-1\"' WHERE id = 'tx-1'",
    )
    .await;
    let err = payments::get(&mut t.db.conn().await.unwrap(), "tx-1")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::CorruptRow { table: "payment_transactions", key, .. } if key == "tx-1"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("corrupt payment_transactions row tx-1: "),
        "{err}"
    );
}

#[tokio::test]
async fn status_column_disagreeing_with_the_document_is_corrupt() {
    let t = temp_db("status").await;
    payments::insert(
        &mut t.db.conn().await.unwrap(),
        &transaction("tx-2"),
        "partner-1",
        9_000,
    )
    .await
    .unwrap();
    raw(
        &t.db,
        "UPDATE payment_transactions SET status = 'settlement' WHERE id = 'tx-2'",
    )
    .await;
    let err = payments::get(&mut t.db.conn().await.unwrap(), "tx-2")
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("corrupt payment_transactions row tx-2: status column"),
        "{err}"
    );
}

#[tokio::test]
async fn catalog_round_trips_and_a_corrupt_catalog_is_named() {
    let t = temp_db("catalogs").await;
    let mut conn = t.db.conn().await.unwrap();
    let catalog = Catalog {
        request_id: "req-1".into(),
        ..Catalog::default()
    };
    catalogs::put(&mut conn, "G000000001", &catalog, "etag-1", None, 5)
        .await
        .unwrap();
    let stored = catalogs::get(&mut conn, "G000000001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.catalog, catalog);
    assert_eq!(stored.etag, "etag-1");
    assert_eq!(stored.pushed_by, None);
    assert_eq!(
        catalogs::read_json(&mut conn, "G000000001").await.unwrap(),
        Some((catalog.read_model().to_string(), "etag-1".to_string()))
    );
    drop(conn);

    raw(
        &t.db,
        "UPDATE catalogs SET document = 'null' WHERE outlet_id = 'G000000001'",
    )
    .await;
    let err = catalogs::get(&mut t.db.conn().await.unwrap(), "G000000001")
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("corrupt catalogs row G000000001: invalid type: null"),
        "{err}"
    );
}
