//! The services' error type; `gobiz-http` turns it into the GoBiz envelope once.

use gobiz_domain::validation::Violation;
use gobiz_store::StoreError;

/// Why a use case refused or failed, in the categories of spec §1.6.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Row 13: one entry per violated rule.
    #[error("invalid input")]
    Invalid(Vec<Violation>),
    /// Row 1 without a more precise reason (e.g. the token's user no longer exists).
    #[error("session expired")]
    SessionExpired,
    /// Row 1 for a bearer token that is missing, unknown, expired or revoked. The client gets
    /// GoBiz's one message; the reason goes to the log and to `WWW-Authenticate`.
    #[error("session expired: {0}")]
    Unauthenticated(TokenRejection),
    /// Row 2: the token lacks this scope.
    #[error("missing scope {0}")]
    MissingScope(String),
    /// Rows 3–5 and other authorization refusals (message given).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Row 6: outlet does not exist.
    #[error("outlet {0} not found")]
    OutletNotFound(String),
    /// Row 7: outlet exists but is not linked to (or owned by) the caller.
    #[error("outlet not registered for integration")]
    UnregisteredOutlet,
    /// Another resource does not exist (message given, title `Not found`).
    #[error("not found: {0}")]
    NotFound(String),
    /// Row 14: state conflict or duplicate (message names it).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The sandbox simulator refuses an impossible request (422, spec §10.1).
    #[error("unprocessable: {0}")]
    Unprocessable(String),
    /// Admin token missing or wrong (sandbox, spec §10.1).
    #[error("invalid admin token")]
    InvalidAdminToken,
    /// Row 15: unexpected failure (details are logged, never sent).
    #[error("internal: {0}")]
    Internal(String),
    /// The database cannot be reached (503).
    #[error("database unavailable: {0}")]
    Unavailable(String),
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRejection {
    /// No `Authorization: Bearer <token>` header (absent, another scheme, or empty).
    Missing,
    /// Not a token this server issued (or one purged long after it expired).
    Unknown,
    /// Past its expiry on the server clock (sandbox time when the clock was moved).
    Expired,
    /// Revoked (`/oauth2/revoke`, a refresh-token reuse, a sandbox action).
    Revoked,
}

impl TokenRejection {
    /// The reason in words, as logged and sent in `error_description`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenRejection::Missing => "missing token",
            TokenRejection::Unknown => "unknown token",
            TokenRejection::Expired => "token expired",
            TokenRejection::Revoked => "token revoked",
        }
    }
}

impl std::fmt::Display for TokenRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ServiceError {
    /// A single-violation `Invalid`.
    pub fn invalid(path: impl Into<String>, problem: impl Into<String>) -> ServiceError {
        ServiceError::Invalid(vec![Violation {
            path: path.into(),
            problem: problem.into(),
        }])
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate => ServiceError::Conflict("The resource already exists".into()),
            StoreError::Unavailable(why) => ServiceError::Unavailable(why),
            StoreError::Database(sqlx_err) if is_unavailable(&sqlx_err) => {
                ServiceError::Unavailable(sqlx_err.to_string())
            }
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

fn is_unavailable(e: &gobiz_store::sqlx_error::Error) -> bool {
    matches!(
        e,
        gobiz_store::sqlx_error::Error::PoolTimedOut
            | gobiz_store::sqlx_error::Error::PoolClosed
            | gobiz_store::sqlx_error::Error::Io(_)
    )
}

impl From<Vec<Violation>> for ServiceError {
    fn from(v: Vec<Violation>) -> Self {
        ServiceError::Invalid(v)
    }
}

/// Result of a use case.
pub type ServiceResult<T> = Result<T, ServiceError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_row_is_an_internal_error_naming_it() {
        let e = ServiceError::from(StoreError::CorruptRow {
            table: "orders",
            key: "F-123".into(),
            reason: "expected value at line 1 column 1".into(),
        });
        match e {
            ServiceError::Internal(detail) => assert_eq!(
                detail,
                "corrupt orders row F-123: expected value at line 1 column 1"
            ),
            other => panic!("expected Internal, got {other:?}"),
        }
    }
}
