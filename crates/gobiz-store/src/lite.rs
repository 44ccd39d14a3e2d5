//! Engine-specific: SQLite run in place, on the task's own thread.
//!
//! sqlx runs every SQLite connection on a worker thread of its own and hands each statement
//! over a channel and each answer back; on two cores the thread switches of that handoff cost
//! ~70 µs of CPU per statement, several times the statement itself (issue 20: a five-statement
//! event took 457 µs). SQLite answers our statements (key lookups, small inserts) in a few
//! microseconds, so here they run synchronously where the task runs, through `rusqlite` on
//! the same SQLite library sqlx links. What could block a thread is kept off it:
//! - the busy handler is off (`busy_timeout = 0`): a statement that meets another process's
//!   write lock returns `SQLITE_BUSY` at once and is retried after an async sleep, until
//!   [`BUSY_TIMEOUT`](crate::db::BUSY_TIMEOUT), as SQLite's own handler would but without
//!   holding the thread;
//! - writers of this process queue on the write gate ([`crate::Db`]) before taking the lock;
//! - the WAL checkpoint, which may wait for readers, runs on a blocking thread.

use crate::{Result, StoreError};
use rusqlite::types::Value as Cell;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use sea_query::{Value, Values};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Statements each connection keeps prepared (the store has about 300 distinct ones; the
/// hot paths use a few dozen).
const STATEMENT_CACHE: usize = 256;

/// The longest pause between two tries of a statement that met another process's lock.
const MAX_PAUSE: Duration = Duration::from_millis(50);

/// A pool of SQLite connections to one file. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    size: u32,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
    closed: AtomicBool,
    /// How long a task waits for a connection, and for another process's lock.
    acquire_timeout: Duration,
    busy_timeout: Duration,
    wal_limit_bytes: i64,
}

impl Pool {
    /// A pool of at most `size` connections to the SQLite file at `path` (which exists).
    pub(crate) fn new(
        path: PathBuf,
        size: u32,
        acquire_timeout: Duration,
        busy_timeout: Duration,
        wal_limit_bytes: i64,
    ) -> Pool {
        Pool {
            inner: Arc::new(Inner {
                path,
                size,
                idle: Mutex::new(Vec::new()),
                permits: Arc::new(Semaphore::new(size as usize)),
                closed: AtomicBool::new(false),
                acquire_timeout,
                busy_timeout,
                wal_limit_bytes,
            }),
        }
    }

    /// Opens one connection with the pragmas every connection gets.
    fn open(&self) -> Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(&self.inner.path, flags).map_err(classify)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // WAL for concurrent readers, enforced foreign keys, and after a checkpoint has reset
        // the WAL, the file cut back to this size instead of keeping its high-water mark.
        conn.execute_batch(&format!(
            "PRAGMA busy_timeout = 0; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
             PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = {};",
            self.inner.wal_limit_bytes
        ))
        .map_err(classify)?;
        Ok(conn)
    }

    /// A connection, waiting at most the acquire timeout for one to be free.
    pub(crate) async fn acquire(&self) -> Result<Pooled> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(StoreError::Unavailable(
                "the database pool is closed".into(),
            ));
        }
        let permit = match tokio::time::timeout(
            self.inner.acquire_timeout,
            self.inner.permits.clone().acquire_owned(),
        )
        .await
        {
            Ok(Ok(p)) => p,
            Ok(Err(_)) => {
                return Err(StoreError::Unavailable(
                    "the database pool is closed".into(),
                ))
            }
            Err(_) => {
                return Err(StoreError::Unavailable(
                    "no database connection became free in time".into(),
                ))
            }
        };
        let idle = self.inner.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match idle {
            Some(c) => c,
            None => self.open()?,
        };
        Ok(Pooled {
            conn: Some(conn),
            pool: self.clone(),
            _permit: permit,
        })
    }

    /// Connections: (open, idle).
    pub(crate) fn stats(&self) -> (u32, usize) {
        let idle = self.inner.idle.lock().map(|v| v.len()).unwrap_or(0);
        let busy = self.inner.size as usize - self.inner.permits.available_permits();
        ((busy + idle) as u32, idle)
    }

    /// Refuses new borrowers, waits for every connection to come back and closes them.
    pub(crate) async fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
        if let Ok(all) = self.inner.permits.acquire_many(self.inner.size).await {
            all.forget();
        }
        self.inner.permits.close();
        if let Ok(mut idle) = self.inner.idle.lock() {
            idle.clear();
        }
    }

    /// How long a statement retries while another process holds the lock.
    pub(crate) fn busy_timeout(&self) -> Duration {
        self.inner.busy_timeout
    }
}

/// A borrowed connection; back to the pool when dropped, unless it is left inside a
/// transaction (then it is closed, which rolls the transaction back).
pub(crate) struct Pooled {
    conn: Option<Connection>,
    pool: Pool,
    _permit: OwnedSemaphorePermit,
}

impl Pooled {
    fn conn(&mut self) -> Result<&mut Connection> {
        self.conn
            .as_mut()
            .ok_or_else(|| StoreError::Interrupted("connection already given back".into()))
    }

    /// Takes the connection out of the pool's accounting (for a blocking thread); give it
    /// back with [`Pooled::restore`].
    pub(crate) fn take(&mut self) -> Option<Connection> {
        self.conn.take()
    }

    /// Puts back a connection taken with [`Pooled::take`].
    pub(crate) fn restore(&mut self, conn: Connection) {
        self.conn = Some(conn);
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        if !conn.is_autocommit() || self.pool.inner.closed.load(Ordering::Acquire) {
            return;
        }
        if let Ok(mut idle) = self.pool.inner.idle.lock() {
            idle.push(conn);
        }
    }
}

/// A row read from SQLite: its values by column position, with the statement's names.
pub(crate) struct LiteRow {
    names: Arc<[String]>,
    cells: Vec<Cell>,
}

impl LiteRow {
    /// The value of column `col`, or an error naming it.
    pub(crate) fn cell(&self, col: &str) -> Result<&Cell> {
        self.names
            .iter()
            .position(|n| n == col)
            .and_then(|i| self.cells.get(i))
            .ok_or_else(|| StoreError::Corrupt(format!("no column {col} in the row")))
    }
}

/// What a statement gave: rows, or the number of rows it changed.
pub(crate) enum Outcome {
    Rows(Vec<LiteRow>),
    Changed(u64),
}

/// Runs `sql` with `values` on `pooled`, retrying after an async pause while another
/// process holds the lock (statements that fail with `SQLITE_BUSY` changed nothing).
pub(crate) async fn run(
    pooled: &mut Pooled,
    sql: &str,
    values: &Values,
    rows: bool,
) -> Result<Outcome> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    let limit = pooled.pool.busy_timeout();
    loop {
        let began = Instant::now();
        let done = run_once(pooled.conn()?, sql, values, rows);
        log_statement(sql, &done, began);
        match done {
            Err(e) if is_busy(&e) => {
                if started.elapsed() >= limit {
                    return Err(StoreError::Unavailable("database is locked".into()));
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(MAX_PAUSE);
            }
            Err(e) => return Err(classify(e)),
            Ok(out) => return Ok(out),
        }
    }
}

/// Runs one statement without parameters (`BEGIN IMMEDIATE`, `COMMIT`, `ANALYZE t`) as
/// [`run`] does: prepared once per connection, logged, retried while the lock is busy.
pub(crate) async fn plain(pooled: &mut Pooled, sql: &str) -> Result<()> {
    run(pooled, sql, &Values(Vec::new()), false)
        .await
        .map(|_| ())
}

/// Logs a statement as sqlx logs its own (same fields, at debug level under
/// [`QUERY_LOG_TARGET`]), so that statement logs and the scale benchmark's plan report cover
/// both engines.
fn log_statement(sql: &str, done: &rusqlite::Result<Outcome>, began: Instant) {
    if !tracing::enabled!(target: QUERY_LOG_TARGET, tracing::Level::DEBUG) {
        return;
    }
    let (affected, returned) = match done {
        Ok(Outcome::Changed(n)) => (*n, 0),
        Ok(Outcome::Rows(r)) => (0, r.len()),
        Err(_) => (0, 0),
    };
    let elapsed = began.elapsed();
    tracing::debug!(
        target: QUERY_LOG_TARGET,
        summary = sql.split_whitespace().take(6).collect::<Vec<_>>().join(" "),
        db.statement = sql,
        rows_affected = affected,
        rows_returned = returned,
        elapsed = ?elapsed,
        elapsed_secs = elapsed.as_secs_f64(),
    );
}

/// The tracing target of SQLite statement logs (`RUST_LOG=gobiz_store::query=debug`).
pub const QUERY_LOG_TARGET: &str = "gobiz_store::query";

fn run_once(
    conn: &mut Connection,
    sql: &str,
    values: &Values,
    rows: bool,
) -> rusqlite::Result<Outcome> {
    let mut stmt = conn.prepare_cached(sql)?;
    for (i, v) in values.0.iter().enumerate() {
        bind(&mut stmt, i + 1, v)?;
    }
    if !rows {
        let mut cursor = stmt.raw_query();
        while cursor.next()?.is_some() {}
        drop(cursor);
        drop(stmt);
        return Ok(Outcome::Changed(conn.changes()));
    }
    let names: Arc<[String]> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let width = names.len();
    let mut out = Vec::new();
    let mut cursor = stmt.raw_query();
    while let Some(row) = cursor.next()? {
        let mut cells = Vec::with_capacity(width);
        for i in 0..width {
            cells.push(Cell::from(row.get_ref(i)?));
        }
        out.push(LiteRow {
            names: names.clone(),
            cells,
        });
    }
    Ok(Outcome::Rows(out))
}

/// Binds one sea-query value; only the types the schema uses (as the sqlx binder).
fn bind(stmt: &mut rusqlite::CachedStatement<'_>, at: usize, v: &Value) -> rusqlite::Result<()> {
    match v {
        Value::Bool(b) => stmt.raw_bind_parameter(at, b.map(i64::from)),
        Value::TinyInt(i) => stmt.raw_bind_parameter(at, i.map(i64::from)),
        Value::SmallInt(i) => stmt.raw_bind_parameter(at, i.map(i64::from)),
        Value::Int(i) => stmt.raw_bind_parameter(at, i.map(i64::from)),
        Value::BigInt(i) => stmt.raw_bind_parameter(at, *i),
        Value::TinyUnsigned(i) => stmt.raw_bind_parameter(at, i.map(i64::from)),
        Value::SmallUnsigned(i) => stmt.raw_bind_parameter(at, i.map(i64::from)),
        Value::Unsigned(i) => stmt.raw_bind_parameter(at, i.map(i64::from)),
        Value::BigUnsigned(i) => {
            stmt.raw_bind_parameter(at, i.map(|n| i64::try_from(n).unwrap_or(i64::MAX)))
        }
        Value::Double(d) => stmt.raw_bind_parameter(at, *d),
        Value::String(s) => stmt.raw_bind_parameter(at, s.as_deref()),
        other => Err(rusqlite::Error::ToSqlConversionFailure(
            format!("unsupported bind value type: {other:?}").into(),
        )),
    }
}

/// Rolls back whatever transaction `pooled` is in, at once (for a dropped transaction).
pub(crate) fn rollback_now(pooled: &mut Pooled) {
    if let Some(conn) = pooled.conn.as_mut() {
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// SQLite's extended result codes for the constraint violations the services act on.
const CONSTRAINT_UNIQUE: i32 = 2067;
const CONSTRAINT_PRIMARYKEY: i32 = 1555;
const CONSTRAINT_FOREIGNKEY: i32 = 787;

/// Maps a driver error to what the services act on.
pub(crate) fn classify(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        match f.extended_code {
            CONSTRAINT_UNIQUE | CONSTRAINT_PRIMARYKEY => return StoreError::Duplicate,
            CONSTRAINT_FOREIGNKEY => return StoreError::MissingReference,
            _ => {}
        }
    }
    if is_busy(&e) {
        return StoreError::Unavailable("database is locked".into());
    }
    StoreError::Sqlite(e)
}

/// Reads a TEXT cell.
pub(crate) fn text(c: &Cell, col: &str) -> Result<Option<String>> {
    match c {
        Cell::Null => Ok(None),
        Cell::Text(s) => Ok(Some(s.clone())),
        other => Err(mismatch(col, "TEXT", other)),
    }
}

/// Reads an INTEGER cell.
pub(crate) fn int(c: &Cell, col: &str) -> Result<Option<i64>> {
    match c {
        Cell::Null => Ok(None),
        Cell::Integer(i) => Ok(Some(*i)),
        other => Err(mismatch(col, "INTEGER", other)),
    }
}

fn mismatch(col: &str, wanted: &str, got: &Cell) -> StoreError {
    StoreError::Corrupt(format!(
        "column {col}: expected {wanted}, found {:?}",
        got.data_type()
    ))
}
