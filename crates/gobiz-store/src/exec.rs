//! Running sea-query statements on either engine.

use crate::{Backend, Result, StoreError};
use sea_query::{PostgresQueryBuilder, QueryStatementWriter, SqliteQueryBuilder, Value, Values};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

/// Something statements can run on: a pooled connection or a transaction.
pub trait Runner: Send {
    /// The raw connection and the engine it speaks.
    fn parts(&mut self) -> (&mut AnyConnection, Backend);
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
    let (conn, backend) = r.parts();
    let (sql, values) = render(backend, stmt);
    let q = bind(&sql, values)?;
    let done = q.execute(&mut *conn).await.map_err(StoreError::classify)?;
    Ok(done.rows_affected())
}

/// Fetches every row of a statement.
pub(crate) async fn fetch_all<R: Runner, S: QueryStatementWriter>(
    r: &mut R,
    stmt: &S,
) -> Result<Vec<AnyRow>> {
    let (conn, backend) = r.parts();
    let (sql, values) = render(backend, stmt);
    let q = bind(&sql, values)?;
    q.fetch_all(&mut *conn).await.map_err(StoreError::classify)
}

/// Fetches at most one row of a statement.
pub(crate) async fn fetch_optional<R: Runner, S: QueryStatementWriter>(
    r: &mut R,
    stmt: &S,
) -> Result<Option<AnyRow>> {
    let (conn, backend) = r.parts();
    let (sql, values) = render(backend, stmt);
    let q = bind(&sql, values)?;
    q.fetch_optional(&mut *conn)
        .await
        .map_err(StoreError::classify)
}

/// Reads a TEXT column.
pub(crate) fn text(row: &AnyRow, col: &str) -> Result<String> {
    row.try_get::<String, _>(col).map_err(StoreError::Database)
}

/// Reads a nullable TEXT column.
pub(crate) fn opt_text(row: &AnyRow, col: &str) -> Result<Option<String>> {
    row.try_get::<Option<String>, _>(col)
        .map_err(StoreError::Database)
}

/// Reads a BIGINT column.
pub(crate) fn int(row: &AnyRow, col: &str) -> Result<i64> {
    row.try_get::<i64, _>(col).map_err(StoreError::Database)
}

/// Reads a nullable BIGINT column.
pub(crate) fn opt_int(row: &AnyRow, col: &str) -> Result<Option<i64>> {
    row.try_get::<Option<i64>, _>(col)
        .map_err(StoreError::Database)
}

/// Reads a BIGINT 0/1 column as a boolean.
pub(crate) fn flag(row: &AnyRow, col: &str) -> Result<bool> {
    Ok(int(row, col)? != 0)
}

/// Parses a stored enum value, reporting corrupt data instead of panicking.
pub(crate) fn parsed<T>(value: String, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
    parse(&value).ok_or_else(|| StoreError::Corrupt(value))
}
