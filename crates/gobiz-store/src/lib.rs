//! The only place with SQL.
//!
//! Both engines go through one code path: statements are built with `sea-query` (rendered for
//! the connected engine) and run through `sqlx::Any` on PostgreSQL and through `rusqlite`, in
//! place, on SQLite (see `lite`: sqlx's per-statement thread handoff cost more than the
//! statements). Columns use only types both engines decode alike (TEXT, BIGINT). Engine-specific statements are isolated in
//! [`db`] and commented.

pub mod catalogs;
pub mod chaos;
pub mod clients;
mod codec;
pub mod codes;
pub mod console_reads;
mod db;
mod exec;
pub mod flows;
pub mod idempotency;
pub mod keys;
pub mod links;
pub mod listeners;
mod lite;
pub mod maintenance;
pub mod merchants;
pub mod moka;
pub mod moka_daily;
pub mod orders;
pub mod outbox;
pub mod outlets;
pub mod partners;
pub mod payments;
pub mod promotions;
pub mod refresh;
pub mod scenarios;
pub mod schema;
pub mod settings;
pub mod subscriptions;
pub mod tokens;
pub mod users;

pub use db::{Backend, Conn, Db, Tx};
pub use exec::{raw_sql, Handle, Runner};

/// What can go wrong in the store, in terms the services can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint was violated (duplicate id, phone, client id, …).
    #[error("duplicate value violates a unique constraint")]
    Duplicate,
    /// A row referenced by a foreign key is missing.
    #[error("referenced row does not exist")]
    MissingReference,
    /// A stored value could not be understood (corrupt or foreign data).
    #[error("stored value is invalid: {0}")]
    Corrupt(String),
    /// A stored document (or column value) of one row does not decode: the row is corrupt.
    #[error("corrupt {table} row {key}: {reason}")]
    CorruptRow {
        /// The table.
        table: &'static str,
        /// The row's key (its id; `outlet/partner` for a composite key).
        key: String,
        /// What the decoder found.
        reason: String,
    },
    /// A value could not be encoded as a stored document (a programming error).
    #[error("cannot store {table} row {key}: {reason}")]
    Unencodable {
        /// The table.
        table: &'static str,
        /// The row's key.
        key: String,
        /// What the encoder reported.
        reason: String,
    },
    /// Anything else from the database driver.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The database cannot answer now (locked by another process past the busy timeout, no
    /// connection free in time, the pool closed): a 503, not a bug.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else from SQLite (run in place, see `lite`).
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// A database task ended without an answer (it panicked or the runtime is stopping).
    #[error("database task did not finish: {0}")]
    Interrupted(String),
    /// Migrations failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub(crate) fn classify(e: sqlx::Error) -> StoreError {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return StoreError::Duplicate;
            }
            if db.is_foreign_key_violation() {
                return StoreError::MissingReference;
            }
        }
        StoreError::Database(e)
    }
}

/// Store result.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Joins a list for a space-separated TEXT column.
pub(crate) fn join_words<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits a space-separated TEXT column.
pub(crate) fn split_words(s: &str) -> Vec<String> {
    s.split(' ')
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}
pub use sqlx as sqlx_error;
