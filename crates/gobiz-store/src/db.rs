//! Connecting, migrating, and the two ways to run statements (pooled connection, transaction).

use crate::{Result, StoreError};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Database, Transaction, TransactionManager};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// One set of migrations serves both engines: the schema uses only portable SQL (TEXT,
/// BIGINT, plain indexes). Should an engine ever need its own DDL, split this into one
/// folder per engine and pick by [`Backend`] in [`Db::migrator`].
static MIGRATIONS: tokio::sync::OnceCell<sqlx::migrate::Migrator> =
    tokio::sync::OnceCell::const_new();

/// The migration files, embedded by `build.rs`.
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

/// The embedded migrations as sqlx reads a `migrations/` folder (`<version>_<description>.sql`,
/// description with `_` as spaces, checksum of the text), so databases migrated by earlier
/// builds, which used `sqlx::migrate!`, see the same versions and checksums.
#[derive(Debug)]
struct Embedded;

impl sqlx::migrate::MigrationSource<'static> for Embedded {
    fn resolve(
        self,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<
                    Output = std::result::Result<
                        Vec<sqlx::migrate::Migration>,
                        sqlx::error::BoxDynError,
                    >,
                > + Send,
        >,
    > {
        Box::pin(async move {
            let mut all = Vec::with_capacity(embedded::FILES.len());
            for (name, sql) in embedded::FILES {
                let Some((version, rest)) = name.split_once('_') else {
                    return Err(
                        format!("migration {name}: expected <version>_<description>.sql").into(),
                    );
                };
                let version: i64 = version
                    .parse()
                    .map_err(|_| format!("migration {name}: the version is not a number"))?;
                let kind = sqlx::migrate::MigrationType::from_filename(rest);
                let description = rest.trim_end_matches(kind.suffix()).replace('_', " ");
                all.push(sqlx::migrate::Migration::new(
                    version,
                    description.into(),
                    kind,
                    (*sql).into(),
                    sql.starts_with("-- no-transaction"),
                ));
            }
            all.sort_by_key(|m| m.version);
            Ok(all)
        })
    }
}

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
    /// SQLite's one write lock, taken in this process first (see [`Db::write_gate`]).
    writes: Arc<Semaphore>,
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
        // One connection first, within CONNECT_TIMEOUT, so that an unreachable server or a
        // refused login fails at once with the driver's own error (the pool would retry
        // until its acquire timeout and then report only that it timed out).
        match tokio::time::timeout(CONNECT_TIMEOUT, AnyConnection::connect_with(&options)).await {
            Ok(Ok(probe)) => {
                let _ = probe.close().await;
            }
            Ok(Err(e)) => return Err(StoreError::Database(e)),
            Err(_) => {
                return Err(StoreError::Database(sqlx::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
                ))))
            }
        }
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
                        sqlx::query(&format!(
                            "PRAGMA busy_timeout = {}",
                            BUSY_TIMEOUT.as_millis()
                        ))
                        .execute(&mut *conn)
                        .await?;
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA synchronous = NORMAL")
                            .execute(&mut *conn)
                            .await?;
                        // After a checkpoint has reset the WAL, cut the file back to this
                        // size instead of keeping its high-water mark.
                        sqlx::query(&format!("PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}"))
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            // A connection must never go back into the pool inside a transaction: the next
            // borrower would run inside it and (SQLite) keep the write lock forever. `begin`
            // and `commit` run on their own tasks so a cancelled request cannot interrupt
            // them; this check catches whatever else could leave a transaction open. A
            // dropped `Tx` queues its rollback (SQLite: on the connection's worker thread),
            // so a connection that still counts one is pinged first, which lets the queued
            // rollback finish; only one that counts a transaction after that is discarded.
            .after_release(|conn, _meta| {
                Box::pin(async move {
                    if open_transactions(conn) > 0 {
                        conn.ping().await?;
                    }
                    Ok(open_transactions(conn) == 0)
                })
            })
            .connect_with(options)
            .await?;
        Ok(Db {
            pool,
            backend,
            writes: Arc::new(Semaphore::new(1)),
        })
    }

    /// The engine behind this pool.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    async fn migrator(&self) -> Result<&'static sqlx::migrate::Migrator> {
        Ok(MIGRATIONS
            .get_or_try_init(|| sqlx::migrate::Migrator::new(Embedded))
            .await?)
    }

    /// Applies pending migrations; a no-op when the schema is current.
    pub async fn migrate(&self) -> Result<()> {
        self.migrator().await?.run(&self.pool).await?;
        Ok(())
    }

    /// True when the database answers, accepts writes (within [`WRITE_PROBE_TIMEOUT`]) and
    /// every known migration is applied.
    pub async fn is_ready(&self) -> bool {
        if !matches!(
            tokio::time::timeout(WRITE_PROBE_TIMEOUT, self.accepts_writes()).await,
            Ok(Ok(true))
        ) {
            return false;
        }
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
        let Ok(migrator) = self.migrator().await else {
            return false;
        };
        migrator
            .iter()
            .all(|m| applied.iter().any(|(v,)| *v == m.version))
    }

    /// Whether a write could start now: SQLite's write lock can be taken (then released at
    /// once); PostgreSQL's session is not read-only (a standby or a read-only default).
    async fn accepts_writes(&self) -> Result<bool> {
        match self.backend {
            Backend::Sqlite => {
                let tx = self.begin().await?;
                tx.rollback().await?;
                Ok(true)
            }
            Backend::Postgres => {
                let mut conn = self.pool.acquire().await?;
                let (read_only,): (String,) = sqlx::query_as("SHOW transaction_read_only")
                    .fetch_one(&mut *conn)
                    .await?;
                Ok(read_only == "off")
            }
        }
    }

    /// Keeps SQLite's write-ahead log bounded while the server runs (a no-op on PostgreSQL).
    ///
    /// SQLite's automatic checkpoints are PASSIVE: under a steady mix of writers and readers
    /// they copy pages back but the log is rarely reset, and the file keeps its largest size
    /// (186–318 MB were seen under sustained writes) until the last connection closes. Every
    /// [`WAL_CHECK_EVERY`] this runs a PASSIVE checkpoint and, when the log holds more than
    /// [`WAL_LIMIT_BYTES`], a TRUNCATE checkpoint that waits at most [`WAL_TRUNCATE_WAIT`] for
    /// readers (writers queue behind it for at most that long) and empties the file.
    pub async fn keep_wal_bounded(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        if self.backend != Backend::Sqlite {
            return;
        }
        loop {
            tokio::select! {
                _ = tokio::time::sleep(WAL_CHECK_EVERY) => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                return;
            }
            if let Err(e) = self.checkpoint_wal().await {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        }
    }

    /// One round of [`Db::keep_wal_bounded`]: the log's size in pages after it.
    pub async fn checkpoint_wal(&self) -> Result<i64> {
        let mut conn = self.pool.acquire().await?;
        let (_busy, log_pages, _done): (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&mut *conn)
                .await?;
        let (page_size,): (i64,) = sqlx::query_as("PRAGMA page_size")
            .fetch_one(&mut *conn)
            .await?;
        if log_pages.saturating_mul(page_size) <= WAL_LIMIT_BYTES {
            return Ok(log_pages);
        }
        // Engine-specific: a shorter busy wait for this one statement, restored after, so a
        // long reader delays the truncation instead of every writer.
        sqlx::query(&format!(
            "PRAGMA busy_timeout = {}",
            WAL_TRUNCATE_WAIT.as_millis()
        ))
        .execute(&mut *conn)
        .await?;
        let truncated: std::result::Result<(i64, i64, i64), sqlx::Error> =
            sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&mut *conn)
                .await;
        sqlx::query(&format!(
            "PRAGMA busy_timeout = {}",
            BUSY_TIMEOUT.as_millis()
        ))
        .execute(&mut *conn)
        .await?;
        let (busy, log_pages, _) = truncated?;
        if busy != 0 {
            tracing::info!(log_pages, "WAL truncation postponed: readers still busy");
        }
        Ok(log_pages)
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
            _gate: None,
        })
    }

    /// A pooled connection for a hot single-statement writer (token batches, delivery
    /// claims): on SQLite it holds this process's write turn (see [`Db::write_gate`]).
    pub async fn write_conn(&self) -> Result<Conn> {
        let gate = self.write_gate().await?;
        Ok(Conn {
            conn: self.pool.acquire().await?,
            backend: self.backend,
            _gate: gate,
        })
    }

    /// Engine-specific: SQLite has one write lock, and a writer that finds it taken sleeps in
    /// SQLite's busy handler (1, 2, 5, 10… ms) even when the lock is free again a few
    /// microseconds later. Writers of this process therefore queue here first, in order and
    /// without sleeping, and meet the busy handler only when another process writes (a CLI
    /// on the same file). Waiting is bounded like the busy timeout, with the same error.
    /// PostgreSQL has row locks and needs no gate.
    async fn write_gate(&self) -> Result<Option<OwnedSemaphorePermit>> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        match tokio::time::timeout(BUSY_TIMEOUT, self.writes.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            Ok(Err(_)) | Err(_) => Err(StoreError::Database(sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "database is locked",
            )))),
        }
    }

    /// Starts a transaction; dropped without [`Tx::commit`] it rolls back.
    ///
    /// Cancellation-safe: `BEGIN` runs on a task of its own, so a request dropped while it
    /// waits (a client that hangs up while SQLite's write lock is busy) cannot leave the
    /// connection inside a transaction that no `Transaction` guard owns — sqlx 0.8 does
    /// exactly that when its `begin` future is dropped half-way (SQLite: between the
    /// acknowledged `BEGIN IMMEDIATE` and the guard; PostgreSQL: before the depth is counted).
    /// A begin whose caller is gone finishes anyway and its transaction is dropped, which
    /// rolls it back.
    pub async fn begin(&self) -> Result<Tx> {
        let gate = self.write_gate().await?;
        let pool = self.pool.clone();
        let backend = self.backend;
        let tx = tokio::spawn(async move {
            match backend {
                // Engine-specific: take SQLite's write lock up front. A deferred transaction
                // that reads first and writes later fails with SQLITE_BUSY (no busy wait) when
                // another writer committed in between; IMMEDIATE makes writers queue on the
                // busy timeout.
                Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
                Backend::Postgres => pool.begin().await,
            }
        })
        .await
        .map_err(|e| StoreError::Interrupted(format!("begin: {e}")))??;
        Ok(Tx { tx, backend, gate })
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
    /// This process's SQLite write turn, when taken ([`Db::write_conn`]).
    _gate: Option<OwnedSemaphorePermit>,
}

/// An open transaction.
pub struct Tx {
    tx: Transaction<'static, Any>,
    backend: Backend,
    /// This process's SQLite write turn, released once the transaction has ended.
    gate: Option<OwnedSemaphorePermit>,
}

impl Tx {
    /// Commits the transaction, on a task of its own: once a use case decided to commit, a
    /// client that goes away cannot interrupt the commit half-way.
    pub async fn commit(self) -> Result<()> {
        self.end(true).await
    }

    /// Rolls the transaction back now (dropping a `Tx` does the same, later).
    pub async fn rollback(self) -> Result<()> {
        self.end(false).await
    }

    /// Commits or rolls back on a task of its own, then gives up the write turn.
    async fn end(self, commit: bool) -> Result<()> {
        let Tx { tx, gate, .. } = self;
        tokio::spawn(async move {
            let done = if commit {
                tx.commit().await
            } else {
                tx.rollback().await
            };
            drop(gate);
            done
        })
        .await
        .map_err(|e| {
            let what = if commit { "commit" } else { "rollback" };
            StoreError::Interrupted(format!("{what}: {e}"))
        })??;
        Ok(())
    }
}

/// Transactions the driver counts as open on a connection (0 when it is clean).
fn open_transactions(conn: &AnyConnection) -> usize {
    <<Any as Database>::TransactionManager as TransactionManager>::get_transaction_depth(conn)
}

/// How long the first connection of [`Db::connect`] may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an SQLite writer waits for the write lock before "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The size above which the SQLite WAL is truncated while running (see
/// [`Db::keep_wal_bounded`]); also SQLite's `journal_size_limit`.
pub const WAL_LIMIT_BYTES: i64 = 16 * 1024 * 1024;

/// How often [`Db::keep_wal_bounded`] looks at the WAL.
pub const WAL_CHECK_EVERY: Duration = Duration::from_secs(2);

/// How long a WAL truncation waits for readers before it gives up until the next round.
pub const WAL_TRUNCATE_WAIT: Duration = Duration::from_millis(500);

/// How long `/readyz` waits for the database to accept a write before it says no.
pub const WRITE_PROBE_TIMEOUT: Duration = Duration::from_secs(3);

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
