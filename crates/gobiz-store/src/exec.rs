//! Running sea-query statements on either engine.

use crate::{lite, Backend, Result, StoreError};
use sea_query::{PostgresQueryBuilder, QueryStatementWriter, SqliteQueryBuilder, Value, Values};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::Row as _;
use sqlx::{Any, AnyConnection};

/// Something statements can run on: a pooled connection or a transaction.
pub trait Runner: Send {
    /// The connection, as its driver holds it.
    fn handle(&mut self) -> Handle<'_>;
}

/// A connection as its driver holds it: sqlx for PostgreSQL, `rusqlite` in place for SQLite
/// (see [`crate::lite`]).
pub struct Handle<'a>(pub(crate) Driver<'a>);

pub(crate) enum Driver<'a> {
    Sqlx(&'a mut AnyConnection, Backend),
    Lite(&'a mut lite::Pooled),
}

/// A row of either driver, read with [`text`], [`int`] and their kin.
pub(crate) enum Row {
    Any(AnyRow),
    Lite(lite::LiteRow),
}

/// Renders a statement for the engine.
fn render<S: QueryStatementWriter>(backend: Backend, stmt: &S) -> (String, Values) {
    match backend {
        Backend::Sqlite => stmt.build(SqliteQueryBuilder),
        Backend::Postgres => stmt.build(PostgresQueryBuilder),
    }
}

/// Binds sea-query values to an sqlx `Any` query. Only the types our schema uses are
/// supported; anything else is a programming error reported as `Corrupt`.
fn bind(sql: &str, values: Values) -> Result<Query<'_, Any, AnyArguments<'_>>> {
    let mut q = sqlx::query(sql);
    for v in values.0 {
        q = match v {
            Value::Bool(b) => q.bind(b.map(i64::from)),
            Value::TinyInt(i) => q.bind(i.map(i64::from)),
            Value::SmallInt(i) => q.bind(i.map(i64::from)),
            Value::Int(i) => q.bind(i.map(i64::from)),
            Value::BigInt(i) => q.bind(i),
            Value::TinyUnsigned(i) => q.bind(i.map(i64::from)),
            Value::SmallUnsigned(i) => q.bind(i.map(i64::from)),
            Value::Unsigned(i) => q.bind(i.map(i64::from)),
            Value::BigUnsigned(i) => q.bind(i.map(|n| i64::try_from(n).unwrap_or(i64::MAX))),
            Value::Double(d) => q.bind(d),
            Value::String(s) => q.bind(s.map(|s| s.to_string())),
            other => {
                return Err(StoreError::Corrupt(format!(
                    "unsupported bind value type: {other:?}"
                )))
            }
        };
    }
    Ok(q)
}

/// Executes a statement; returns the number of affected rows.
pub(crate) async fn execute<R: Runner, S: QueryStatementWriter>(
    r: &mut R,
    stmt: &S,
) -> Result<u64> {
    match r.handle().0 {
        Driver::Sqlx(conn, backend) => {
            let (sql, values) = render(backend, stmt);
            let q = bind(&sql, values)?;
            let done = q.execute(&mut *conn).await.map_err(StoreError::classify)?;
            Ok(done.rows_affected())
        }
        Driver::Lite(pooled) => {
            let (sql, values) = stmt.build(SqliteQueryBuilder);
            match lite::run(pooled, &sql, &values, false).await? {
                lite::Outcome::Changed(n) => Ok(n),
                lite::Outcome::Rows(_) => Ok(0),
            }
        }
    }
}

/// Fetches every row of a statement.
pub(crate) async fn fetch_all<R: Runner, S: QueryStatementWriter>(
    r: &mut R,
    stmt: &S,
) -> Result<Vec<Row>> {
    match r.handle().0 {
        Driver::Sqlx(conn, backend) => {
            let (sql, values) = render(backend, stmt);
            let q = bind(&sql, values)?;
            let rows = q
                .fetch_all(&mut *conn)
                .await
                .map_err(StoreError::classify)?;
            Ok(rows.into_iter().map(Row::Any).collect())
        }
        Driver::Lite(pooled) => {
            let (sql, values) = stmt.build(SqliteQueryBuilder);
            match lite::run(pooled, &sql, &values, true).await? {
                lite::Outcome::Rows(rows) => Ok(rows.into_iter().map(Row::Lite).collect()),
                lite::Outcome::Changed(_) => Ok(Vec::new()),
            }
        }
    }
}

/// Fetches at most one row of a statement.
pub(crate) async fn fetch_optional<R: Runner, S: QueryStatementWriter>(
    r: &mut R,
    stmt: &S,
) -> Result<Option<Row>> {
    match r.handle().0 {
        Driver::Sqlx(conn, backend) => {
            let (sql, values) = render(backend, stmt);
            let q = bind(&sql, values)?;
            let row = q
                .fetch_optional(&mut *conn)
                .await
                .map_err(StoreError::classify)?;
            Ok(row.map(Row::Any))
        }
        Driver::Lite(_) => Ok(fetch_all(r, stmt).await?.into_iter().next()),
    }
}

/// Runs a statement without parameters, the same text on both engines (`ANALYZE t`; raw SQL
/// of tests that damage a database on purpose).
pub async fn raw_sql<R: Runner>(r: &mut R, sql: &str) -> Result<()> {
    match r.handle().0 {
        Driver::Sqlx(conn, _) => {
            sqlx::query(sql)
                .execute(&mut *conn)
                .await
                .map_err(StoreError::classify)?;
            Ok(())
        }
        Driver::Lite(pooled) => lite::plain(pooled, sql).await,
    }
}

/// A value that must not be NULL.
fn required<T>(value: Option<T>, col: &str) -> Result<T> {
    value.ok_or_else(|| StoreError::Corrupt(format!("column {col} is NULL")))
}

/// Reads a TEXT column.
pub(crate) fn text(row: &Row, col: &str) -> Result<String> {
    required(opt_text(row, col)?, col)
}

/// Reads a nullable TEXT column.
pub(crate) fn opt_text(row: &Row, col: &str) -> Result<Option<String>> {
    match row {
        Row::Any(row) => row
            .try_get::<Option<String>, _>(col)
            .map_err(StoreError::Database),
        Row::Lite(row) => lite::text(row.cell(col)?, col),
    }
}

/// Reads a BIGINT column.
pub(crate) fn int(row: &Row, col: &str) -> Result<i64> {
    required(opt_int(row, col)?, col)
}

/// Reads a nullable BIGINT column.
pub(crate) fn opt_int(row: &Row, col: &str) -> Result<Option<i64>> {
    match row {
        Row::Any(row) => row
            .try_get::<Option<i64>, _>(col)
            .map_err(StoreError::Database),
        Row::Lite(row) => lite::int(row.cell(col)?, col),
    }
}

/// Reads a BIGINT 0/1 column as a boolean.
pub(crate) fn flag(row: &Row, col: &str) -> Result<bool> {
    Ok(int(row, col)? != 0)
}

/// Parses a stored enum value, reporting corrupt data instead of panicking.
pub(crate) fn parsed<T>(value: String, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
    parse(&value).ok_or_else(|| StoreError::Corrupt(value))
}
