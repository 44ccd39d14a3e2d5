//! Connecting, migrating, and the two ways to run statements (pooled connection, transaction).

use crate::{Result, StoreError};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// One set of migrations serves both engines: the schema uses only portable SQL (TEXT,
/// BIGINT, plain indexes). Should an engine ever need its own DDL, split this into one
/// folder per engine and pick by [`Backend`] in [`Db::migrator`].
static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Which engine a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (default, single node).
    Sqlite,
    /// PostgreSQL (scale-out).
    Postgres,
}

impl Backend {
    /// Detects the engine from a database URL.
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// A connection pool and the engine behind it. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
    /// Connects to `url` (`sqlite://…` or `postgres://…`).
    pub async fn connect(url: &str) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "unsupported database URL (use sqlite:// or postgres://): {url}"
            ))
        })?;
        let options = AnyConnectOptions::from_str(url)?;
        let max = match backend {
            // Engine-specific: SQLite allows one writer at a time; a small pool avoids
            // pointless lock contention while WAL still lets readers run alongside.
            Backend::Sqlite => 4,
            Backend::Postgres => 16,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Engine-specific: WAL for concurrent readers, a busy timeout so
                        // writers queue instead of failing, and enforced foreign keys.
                        sqlx::query("PRAGMA journal_mode = WAL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA busy_timeout = 10000")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA synchronous = NORMAL")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Db { pool, backend })
    }

    /// The engine behind this pool.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        &MIGRATIONS
    }

    /// Applies pending migrations; a no-op when the schema is current.
    pub async fn migrate(&self) -> Result<()> {
        self.migrator().run(&self.pool).await?;
        Ok(())
    }

    /// True when the database answers and every known migration is applied.
    pub async fn is_ready(&self) -> bool {
        let Ok(mut conn) = self.pool.acquire().await else {
            return false;
        };
        let applied: std::result::Result<Vec<(i64,)>, _> =
            sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_all(&mut *conn)
                .await;
        let Ok(applied) = applied else {
            return false;
        };
        self.migrator()
            .iter()
            .all(|m| applied.iter().any(|(v,)| *v == m.version))
    }

    /// Connections of the pool: (open, idle).
    pub fn pool_stats(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    /// A pooled connection for reads and single-statement writes.
    pub async fn conn(&self) -> Result<Conn> {
        Ok(Conn {
            conn: self.pool.acquire().await?,
            backend: self.backend,
        })
    }

    /// Starts a transaction; dropped without [`Tx::commit`] it rolls back.
    pub async fn begin(&self) -> Result<Tx> {
        let tx = match self.backend {
            // Engine-specific: take SQLite's write lock up front. A deferred transaction that
            // reads first and writes later fails with SQLITE_BUSY (no busy wait) when another
            // writer committed in between; IMMEDIATE makes writers queue on the busy timeout.
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx {
            tx,
            backend: self.backend,
        })
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Pings the database with a trivial query.
    pub async fn ping(&self) -> bool {
        match self.pool.acquire().await {
            Ok(mut c) => c.ping().await.is_ok(),
            Err(_) => false,
        }
    }
}

/// A pooled connection.
pub struct Conn {
    conn: PoolConnection<Any>,
    backend: Backend,
}

/// An open transaction.
pub struct Tx {
    tx: Transaction<'static, Any>,
    backend: Backend,
}

impl Tx {
    /// Commits the transaction.
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl crate::Runner for Conn {
    fn parts(&mut self) -> (&mut AnyConnection, Backend) {
        (&mut self.conn, self.backend)
    }
}

impl crate::Runner for Tx {
    fn parts(&mut self) -> (&mut AnyConnection, Backend) {
        (&mut self.tx, self.backend)
    }
}
