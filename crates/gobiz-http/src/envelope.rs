//! The GoBiz response envelope (spec §1.4) and the single conversion of every error into it.

use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gobiz_services::{ServiceError, TokenRejection};
use serde::Serialize;
use utoipa::ToSchema;

/// The success envelope of spec §1.4: `{"success": true, "data": …}`. Every 2xx JSON answer
/// of the API is one, so its schema is defined once here and the OpenAPI document refers to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Success<T> {
    /// Always `true`.
    #[schema(example = true)]
    pub success: bool,
    /// The answer; `{}` when there is nothing to return.
    pub data: T,
}

/// `data` of an answer that has nothing to return: `{}` (spec §1.4).
#[derive(Debug, Default, Serialize, ToSchema)]
#[schema(example = json!({}))]
pub struct Empty {}

/// The error envelope of spec §1.4: `{"success": false, "errors": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"success": false, "errors": [{"code": "HTTP_404", "message_title": "Not found", "message": "Outlet with id: G000012345 is not found", "message_severity": "error"}]}))]
pub struct Failure {
    /// Always `false`.
    pub success: bool,
    /// One object per problem (a 400 lists every violation).
    pub errors: Vec<ErrorEntry>,
}

/// One error of the envelope (spec §1.4, §1.6).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEntry {
    /// `HTTP_<status>`, e.g. `HTTP_401`.
    #[schema(example = "HTTP_404")]
    pub code: String,
    /// Short title, e.g. `Not found`.
    pub message_title: String,
    /// The cause, in English.
    pub message: String,
    /// Always `error`.
    #[schema(example = "error")]
    pub message_severity: String,
}

/// `{"success": true, "data": …}` with status 200.
pub fn ok<T: Serialize>(data: T) -> Response {
    (
        StatusCode::OK,
        Json(Success {
            success: true,
            data,
        }),
    )
        .into_response()
}

/// The bytes of `{"success":true,"data":<data_json>}` for data that is already JSON text (a
/// stored rendering), so it is not parsed and serialized again.
/// An idempotent create's answer: 200 with its `data`, marked `Idempotent-Replayed: true` when
/// it is an earlier request's saved response (spec §6.3, §7.3).
pub fn ok_idempotent(r: gobiz_services::idempotency::IdempotentResponse) -> Response {
    let mut resp = ok(r.data);
    if r.replayed {
        resp.headers_mut().insert(
            HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        );
    }
    resp
}

/// The text of a request header (`None` when absent or not visible ASCII), e.g. the key of an
/// idempotent create.
pub fn header_text<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub fn ok_raw_body(data_json: &str) -> axum::body::Bytes {
    axum::body::Bytes::from(format!("{{\"success\":true,\"data\":{data_json}}}"))
}

/// A 200 `application/json` answer of bytes made by [`ok_raw_body`].
pub fn ok_raw(body: axum::body::Bytes) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    resp
}

/// `{"success": true, "data": …}` with status 201.
pub fn created<T: Serialize>(data: T) -> Response {
    (
        StatusCode::CREATED,
        Json(Success {
            success: true,
            data,
        }),
    )
        .into_response()
}

/// An error answer: status, one or more (title, message) pairs, and extra headers.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    errors: Vec<(String, String)>,
    headers: Vec<(HeaderName, String)>,
}

impl ApiError {
    /// One error object.
    pub fn new(status: StatusCode, title: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            errors: vec![(title.to_string(), message.into())],
            headers: Vec::new(),
        }
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: HeaderName, value: impl Into<String>) -> ApiError {
        self.headers.push((name, value.into()));
        self
    }

    /// Row 13 with one object per message.
    pub fn bad_request(messages: Vec<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            errors: messages
                .into_iter()
                .map(|m| ("Bad Request".to_string(), m))
                .collect(),
            headers: Vec::new(),
        }
    }

    /// Row 1.
    pub fn session_expired() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Session Expired",
            "Your session is expired. Please login again.",
        )
        .with_header(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")
    }

    /// Row 1 for a refused bearer token: GoBiz's body, the reason logged (info, inside the
    /// request's span, so with its request id) and given in `WWW-Authenticate`. A request
    /// that sent no bearer token gets a challenge without error information (RFC 6750 §3.1):
    /// `Bearer realm="GoBiz"`; every other refusal gets `Bearer error="invalid_token",
    /// error_description="<reason>"`.
    pub fn unauthenticated(reason: TokenRejection) -> ApiError {
        tracing::info!(reason = reason.as_str(), "401 Session Expired");
        let challenge = match reason {
            TokenRejection::Missing => "Bearer realm=\"GoBiz\"".to_string(),
            other => format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\"",
                other.as_str()
            ),
        };
        ApiError::session_expired().with_challenge(challenge)
    }

    /// Replaces the `WWW-Authenticate` header.
    fn with_challenge(mut self, value: String) -> ApiError {
        self.headers
            .retain(|(name, _)| name != header::WWW_AUTHENTICATE);
        self.with_header(header::WWW_AUTHENTICATE, value)
    }

    /// Row 8.
    pub fn unsupported_accept(raw: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "UnsupportedAcceptType",
            format!("Invalid Accept header: {raw}"),
        )
    }

    /// Row 9.
    pub fn no_route(method: &str, path: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "Not found",
            format!("No route for {method} {path}"),
        )
    }

    /// Row 10.
    pub fn method_not_allowed(method: &str, path: &str) -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed",
            format!("Method {method} is not allowed on {path}"),
        )
    }

    /// Row 11.
    pub fn too_large() -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload Too Large",
            format!("Request body exceeds {} bytes", crate::BODY_LIMIT),
        )
    }

    /// Row 12.
    pub fn unsupported_media(value: &str) -> ApiError {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type",
            format!("Unsupported Content-Type: {value}; use application/json"),
        )
    }

    /// Row 15.
    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            "Something went wrong. Please retry.",
        )
    }

    /// The first error's message (what a one-message format such as RFC 6749 carries).
    pub fn first_message(&self) -> String {
        self.errors
            .first()
            .map(|(_, message)| message.clone())
            .unwrap_or_default()
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl ApiError {
    /// The envelope `{"success": false, "errors": [...]}` (spec §1.4).
    pub fn body(&self) -> Failure {
        let code = format!("HTTP_{}", self.status.as_u16());
        let errors = self
            .errors
            .iter()
            .map(|(title, message)| ErrorEntry {
                code: code.clone(),
                message_title: title.clone(),
                message: message.clone(),
                message_severity: "error".to_string(),
            })
            .collect();
        Failure {
            success: false,
            errors,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Json(self.body())).into_response();
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                resp.headers_mut().insert(name, v);
            }
        }
        resp
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(vs) => {
                ApiError::bad_request(vs.iter().map(|v| v.message()).collect())
            }
            ServiceError::SessionExpired => {
                tracing::info!(reason = "session expired", "401 Session Expired");
                ApiError::session_expired()
            }
            ServiceError::Unauthenticated(reason) => ApiError::unauthenticated(reason),
            ServiceError::MissingScope(scope) => ApiError::new(
                StatusCode::FORBIDDEN,
                "Forbidden",
                format!("Missing required scope: {scope}"),
            )
            .with_header(
                header::WWW_AUTHENTICATE,
                format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\""),
            ),
            ServiceError::Forbidden(msg) => ApiError::new(StatusCode::FORBIDDEN, "Forbidden", msg),
            ServiceError::OutletNotFound(id) => ApiError::new(
                StatusCode::NOT_FOUND,
                "Not found",
                format!("Outlet with id: {id} is not found"),
            ),
            ServiceError::UnregisteredOutlet => ApiError::new(
                StatusCode::NOT_FOUND,
                "Requested resource not found",
                "The outlet is not yet registered for integration. Please contact the support team.",
            ),
            ServiceError::NotFound(msg) => ApiError::new(StatusCode::NOT_FOUND, "Not found", msg),
            ServiceError::Conflict(msg) => ApiError::new(StatusCode::CONFLICT, "Conflict", msg),
            ServiceError::Unprocessable(msg) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable Entity", msg)
            }
            ServiceError::InvalidAdminToken => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "Invalid admin token",
            )
            .with_header(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""),
            ServiceError::Unavailable(detail) => {
                tracing::error!(%detail, "database unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Service Unavailable",
                    "The database is unavailable. Please retry.",
                )
            }
            ServiceError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                ApiError::internal()
            }
        }
    }
}

/// Result of a handler.
pub type ApiResult = Result<Response, ApiError>;
