//! Connecting, migrating, and the two ways to run statements (pooled connection, transaction).

use crate::exec::{Driver, Handle};
use crate::{lite, Result, StoreError};
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
    pool: Pool,
    /// The sqlx form of the URL: SQLite's migrations run through it.
    options: AnyConnectOptions,
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
        if backend == Backend::Sqlite {
            // Engine-specific: statements run in place through rusqlite (see `lite`); the
            // file exists now (the probe created it when the URL asked for that).
            let path = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
                .get_filename()
                .to_path_buf();
            // One writer at a time; readers run alongside in WAL mode.
            let pool = lite::Pool::new(
                path,
                LITE_CONNECTIONS,
                ACQUIRE_TIMEOUT,
                BUSY_TIMEOUT,
                WAL_LIMIT_BYTES,
            );
            return Ok(Db {
                pool: Pool::Lite(pool),
                options,
                backend,
                writes: Arc::new(Semaphore::new(1)),
            });
        }
        let pool = AnyPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // A connection must never go back into the pool inside a transaction: the next
            // borrower would run inside it. `begin`
            // and `commit` run on their own tasks so a cancelled request cannot interrupt
            // them; this check catches whatever else could leave a transaction open. A
            // dropped `Tx` queues its rollback, so a connection that still counts one is pinged first, which lets the queued
            // rollback finish; only one that counts a transaction after that is discarded.
            .after_release(|conn, _meta| {
                Box::pin(async move {
                    if open_transactions(conn) > 0 {
                        conn.ping().await?;
                    }
                    Ok(open_transactions(conn) == 0)
                })
            })
            .connect_with(options.clone())
            .await?;
        Ok(Db {
            pool: Pool::Sqlx(pool),
            options,
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
        let migrator = self.migrator().await?;
        match &self.pool {
            Pool::Sqlx(pool) => migrator.run(pool).await?,
            // Engine-specific: sqlx's migrator on a connection of its own, closed after.
            Pool::Lite(_) => {
                let mut conn = AnyConnection::connect_with(&self.options).await?;
                let ran = migrator.run(&mut conn).await;
                let _ = conn.close().await;
                ran?;
            }
        }
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
        let Ok(mut conn) = self.conn().await else {
            return false;
        };
        let versions = sea_query::Query::select()
            .column(sea_query::Alias::new("version"))
            .from(sea_query::Alias::new("_sqlx_migrations"))
            .and_where(sea_query::Expr::cust("success = TRUE"))
            .to_owned();
        let Ok(rows) = crate::exec::fetch_all(&mut conn, &versions).await else {
            return false;
        };
        let Ok(applied) = rows
            .iter()
            .map(|r| crate::exec::int(r, "version"))
            .collect::<Result<Vec<i64>>>()
        else {
            return false;
        };
        let Ok(migrator) = self.migrator().await else {
            return false;
        };
        migrator.iter().all(|m| applied.contains(&m.version))
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
                let Pool::Sqlx(pool) = &self.pool else {
                    return Ok(false);
                };
                let mut conn = pool.acquire().await?;
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

    /// One round of [`Db::keep_wal_bounded`]: the log's size in pages after it (0 on
    /// PostgreSQL). It runs on a blocking thread: a truncation waits for readers.
    pub async fn checkpoint_wal(&self) -> Result<i64> {
        let Pool::Lite(pool) = &self.pool else {
            return Ok(0);
        };
        let mut pooled = pool.acquire().await?;
        let Some(conn) = pooled.take() else {
            return Err(StoreError::Interrupted("no connection".into()));
        };
        let (conn, done) = tokio::task::spawn_blocking(move || {
            let done = checkpoint(&conn);
            (conn, done)
        })
        .await
        .map_err(|e| StoreError::Interrupted(format!("checkpoint: {e}")))?;
        pooled.restore(conn);
        done.map_err(lite::classify)
    }

    /// Connections of the pool: (open, idle).
    pub fn pool_stats(&self) -> (u32, usize) {
        match &self.pool {
            Pool::Sqlx(pool) => (pool.size(), pool.num_idle()),
            Pool::Lite(pool) => pool.stats(),
        }
    }

    async fn acquire(&self) -> Result<Link> {
        Ok(match &self.pool {
            Pool::Sqlx(pool) => Link::Sqlx(pool.acquire().await?),
            Pool::Lite(pool) => Link::Lite(pool.acquire().await?),
        })
    }

    /// A pooled connection for reads and single-statement writes.
    pub async fn conn(&self) -> Result<Conn> {
        Ok(Conn {
            conn: self.acquire().await?,
            backend: self.backend,
            _gate: None,
        })
    }

    /// A pooled connection for a hot single-statement writer (token batches, delivery
    /// claims): on SQLite it holds this process's write turn (see [`Db::write_gate`]).
    pub async fn write_conn(&self) -> Result<Conn> {
        let gate = self.write_gate().await?;
        Ok(Conn {
            conn: self.acquire().await?,
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
            Ok(Err(_)) | Err(_) => Err(StoreError::Unavailable("database is locked".into())),
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
        let pool = match &self.pool {
            Pool::Sqlx(pool) => pool.clone(),
            // Engine-specific: take SQLite's write lock up front (see below). Statements run
            // in place, so a dropped caller cannot stop one half-way; a dropped `Tx` rolls
            // back at once.
            Pool::Lite(pool) => {
                let mut pooled = pool.acquire().await?;
                lite::plain(&mut pooled, "BEGIN IMMEDIATE").await?;
                return Ok(Tx {
                    tx: Open::Lite(LiteTx(pooled)),
                    backend: self.backend,
                    gate,
                    after_commit: Vec::new(),
                });
            }
        };
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
        Ok(Tx {
            tx: Open::Sqlx(tx),
            backend,
            gate,
            after_commit: Vec::new(),
        })
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlx(pool) => pool.close().await,
            Pool::Lite(pool) => pool.close().await,
        }
    }

    /// Pings the database with a trivial query.
    pub async fn ping(&self) -> bool {
        match self.acquire().await {
            Ok(Link::Sqlx(mut c)) => c.ping().await.is_ok(),
            Ok(Link::Lite(mut c)) => lite::plain(&mut c, "SELECT 1").await.is_ok(),
            Err(_) => false,
        }
    }
}

/// The pool of either driver.
#[derive(Clone)]
enum Pool {
    Sqlx(AnyPool),
    Lite(lite::Pool),
}

/// A pooled connection of either driver.
enum Link {
    Sqlx(PoolConnection<Any>),
    Lite(lite::Pooled),
}

/// A pooled connection.
pub struct Conn {
    conn: Link,
    backend: Backend,
    /// This process's SQLite write turn, when taken ([`Db::write_conn`]).
    _gate: Option<OwnedSemaphorePermit>,
}

/// An open transaction of either driver.
enum Open {
    Sqlx(Transaction<'static, Any>),
    Lite(LiteTx),
}

/// An SQLite transaction on its connection; rolled back at once when dropped open.
struct LiteTx(lite::Pooled);

impl Drop for LiteTx {
    fn drop(&mut self) {
        lite::rollback_now(&mut self.0);
    }
}

/// An open transaction.
pub struct Tx {
    tx: Open,
    backend: Backend,
    /// This process's SQLite write turn, released once the transaction has ended.
    gate: Option<OwnedSemaphorePermit>,
    /// What to do once the transaction has committed ([`Tx::after_commit`]).
    after_commit: Vec<AfterCommit>,
}

/// Work that may run only once its transaction's writes are durable and visible.
type AfterCommit = Box<dyn FnOnce() + Send>;

impl Tx {
    /// Commits the transaction, on a task of its own: once a use case decided to commit, a
    /// client that goes away cannot interrupt the commit half-way. Runs the
    /// [`Tx::after_commit`] work once committed.
    pub async fn commit(self) -> Result<()> {
        self.end(true).await
    }

    /// Runs `f` once this transaction has committed, and never when it rolls back, is dropped
    /// or fails to commit: e.g. handing this node's dispatcher deliveries that exist only
    /// if the commit succeeds.
    pub fn after_commit(&mut self, f: impl FnOnce() + Send + 'static) {
        self.after_commit.push(Box::new(f));
    }

    /// Rolls the transaction back now (dropping a `Tx` does the same, later).
    pub async fn rollback(self) -> Result<()> {
        self.end(false).await
    }

    /// Commits or rolls back on a task of its own, then gives up the write turn; runs the
    /// after-commit work once committed (on that task too, so a caller that goes away in
    /// between cannot skip it).
    async fn end(self, commit: bool) -> Result<()> {
        let Tx {
            tx,
            gate,
            after_commit,
            ..
        } = self;
        let after_commit = if commit { after_commit } else { Vec::new() };
        let tx = match tx {
            Open::Sqlx(tx) => tx,
            Open::Lite(mut tx) => {
                let done = if commit {
                    lite::plain(&mut tx.0, "COMMIT").await
                } else {
                    lite::plain(&mut tx.0, "ROLLBACK").await
                };
                // A failed COMMIT leaves the transaction open: dropping it rolls it back.
                drop(tx);
                drop(gate);
                if done.is_ok() {
                    after_commit.into_iter().for_each(|f| f());
                }
                return done;
            }
        };
        tokio::spawn(async move {
            let done = if commit {
                tx.commit().await
            } else {
                tx.rollback().await
            };
            drop(gate);
            if done.is_ok() {
                after_commit.into_iter().for_each(|f| f());
            }
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
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a task waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// SQLite connections: one writer at a time, readers alongside in WAL mode.
const LITE_CONNECTIONS: u32 = 8;

/// Engine-specific: a PASSIVE checkpoint and, when the log is over [`WAL_LIMIT_BYTES`], a
/// TRUNCATE one that waits at most [`WAL_TRUNCATE_WAIT`] for readers. The log's pages after.
fn checkpoint(conn: &rusqlite::Connection) -> rusqlite::Result<i64> {
    let row3 = |r: &rusqlite::Row<'_>| -> rusqlite::Result<(i64, i64, i64)> {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    };
    let (_busy, log_pages, _done) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], row3)?;
    let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    if log_pages.saturating_mul(page_size) <= WAL_LIMIT_BYTES {
        return Ok(log_pages);
    }
    conn.busy_timeout(WAL_TRUNCATE_WAIT)?;
    let truncated = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], row3);
    conn.busy_timeout(Duration::ZERO)?;
    let (busy, log_pages, _) = truncated?;
    if busy != 0 {
        tracing::info!(log_pages, "WAL truncation postponed: readers still busy");
    }
    Ok(log_pages)
}

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
    fn handle(&mut self) -> Handle<'_> {
        Handle(match &mut self.conn {
            Link::Sqlx(c) => Driver::Sqlx(c, self.backend),
            Link::Lite(c) => Driver::Lite(c),
        })
    }
}

impl crate::Runner for Tx {
    fn handle(&mut self) -> Handle<'_> {
        Handle(match &mut self.tx {
            Open::Sqlx(tx) => Driver::Sqlx(tx, self.backend),
            Open::Lite(tx) => Driver::Lite(&mut tx.0),
        })
    }
}
