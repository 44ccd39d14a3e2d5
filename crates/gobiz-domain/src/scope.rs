//! OAuth scopes and grants of spec §2.2.

use std::fmt;

/// Every scope GoAuth knows, in the order of spec §2.2.
pub const ALL_SCOPES: &[&str] = &[
    "openid",
    "offline",
    "offline_access",
    "partner:outlet:read",
    "partner:outlet:write",
    "gofood:catalog:read",
    "gofood:catalog:write",
    "gofood:order:read",
    "gofood:order:write",
    "gofood:outlet:write",
    "promo:food_promo:read",
    "promo:food_promo:write",
    "payment:transaction:read",
    "payment:transaction:write",
    "payment:pop:read",
    "mokapos:library:read",
    "mokapos:transaction:read",
    "mokapos:reporting:read",
    "mokapos:customer:read",
    "mokapos:checkout:write",
    "mokapos:salestype:read",
];

/// Exactly what GoBiz hands a facilitator (spec §2.2).
pub const FACILITATOR_SCOPES: &[&str] = &[
    "openid",
    "offline",
    "partner:outlet:read",
    "partner:outlet:write",
    "gofood:catalog:read",
    "gofood:catalog:write",
    "gofood:order:read",
    "gofood:order:write",
    "gofood:outlet:write",
];

/// Scopes that only make sense for a merchant-user (`authorization_code`) token.
pub const USER_ONLY_SCOPES: &[&str] = &["openid", "offline", "offline_access"];

/// What a scope allows, in plain words (spec §2.2); shown on the consent page's neighbours,
/// the OpenAPI document and the docs. Empty for an unknown scope.
pub fn description(scope: &str) -> &'static str {
    match scope {
        "openid" => "Basic token information; required in every authorization_code request",
        "offline" | "offline_access" => "Issue a refresh token",
        "partner:outlet:read" => "Read outlet data; link and unlink outlets",
        "partner:outlet:write" => "Edit outlet data",
        "gofood:catalog:read" => "Read the GoFood menu and stock",
        "gofood:catalog:write" => "Modify the GoFood menu and stock",
        "gofood:order:read" => "Read GoFood orders (order webhooks)",
        "gofood:order:write" => "Accept, reject and mark GoFood orders ready",
        "gofood:outlet:write" => "Open and close the restaurant (outlet properties)",
        "promo:food_promo:read" => "Read GoFood promotions",
        "promo:food_promo:write" => "Create, deactivate and delete GoFood promotions",
        "payment:transaction:read" => "Read QRIS payment transactions",
        "payment:transaction:write" => "Create QRIS payment transactions",
        "payment:pop:read" => "Read point-of-payment data",
        "mokapos:library:read" => "Read the MokaPOS library (gratuities, business outlets)",
        "mokapos:transaction:read" => "Read MokaPOS paid transactions",
        "mokapos:reporting:read" => "Read MokaPOS reports",
        "mokapos:customer:read" => "Read MokaPOS customers",
        "mokapos:checkout:write" => "MokaPOS checkout",
        "mokapos:salestype:read" => "Read MokaPOS sales types",
        _ => "",
    }
}

/// True when `s` is a scope GoAuth knows.
pub fn is_known(s: &str) -> bool {
    ALL_SCOPES.contains(&s)
}

/// Splits a space-separated scope parameter, dropping empty pieces.
pub fn split(param: &str) -> Vec<String> {
    param
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// OAuth grant types (spec §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// `client_credentials` (`cc`).
    ClientCredentials,
    /// `authorization_code` (`ac`).
    AuthorizationCode,
    /// `refresh_token`.
    RefreshToken,
}

impl Grant {
    /// Every grant, in spec order.
    pub const ALL: [Grant; 3] = [
        Grant::ClientCredentials,
        Grant::AuthorizationCode,
        Grant::RefreshToken,
    ];

    /// The wire name of the grant.
    pub fn as_str(self) -> &'static str {
        match self {
            Grant::ClientCredentials => "client_credentials",
            Grant::AuthorizationCode => "authorization_code",
            Grant::RefreshToken => "refresh_token",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Grant> {
        Grant::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a token was obtained, which decides whether a merchant user stands behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Client credentials: the partner itself.
    Client,
    /// Authorization code (or its refreshes): a merchant user acting through the partner.
    User,
}

impl TokenKind {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Client => "cc",
            TokenKind::User => "ac",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<TokenKind> {
        match s {
            "cc" => Some(TokenKind::Client),
            "ac" => Some(TokenKind::User),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scope_is_described() {
        for s in ALL_SCOPES {
            assert!(!description(s).is_empty(), "{s} has no description");
        }
        assert_eq!(description("nope"), "");
    }
}
