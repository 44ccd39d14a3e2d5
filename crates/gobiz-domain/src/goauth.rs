//! GoAuth's merchant login flow, authorization codes and refresh tokens (spec §2.4–§2.6).

use crate::clock::Millis;

/// How long a login flow lives (spec §2.5).
pub const FLOW_TTL_MS: Millis = 10 * 60 * 1000;
/// How long an OTP stays valid.
pub const OTP_TTL_MS: Millis = 5 * 60 * 1000;
/// Wrong tries before an OTP is void.
pub const OTP_ATTEMPTS: i64 = 5;
/// Authorization-code lifetime (spec §2.3).
pub const CODE_TTL_MS: Millis = 120 * 1000;
/// Refresh-token lifetime (spec §2.3).
pub const REFRESH_TTL_MS: Millis = 30 * 24 * 3600 * 1000;

/// Language of the login pages (`ui_locales`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    /// Bahasa Indonesia (default).
    Id,
    /// English.
    En,
}

impl Locale {
    /// Picks the first supported tag of a space-separated `ui_locales`; default `id`.
    pub fn from_ui_locales(value: Option<&str>) -> Locale {
        Locale::first_of_ui_locales(value.unwrap_or("")).unwrap_or(Locale::Id)
    }

    /// The first supported tag of a space-separated `ui_locales`, if any.
    pub fn first_of_ui_locales(value: &str) -> Option<Locale> {
        value.split(' ').find_map(Locale::of_tag)
    }

    /// The page language for a language tag (`en`, `en-US`, `id`, `id_ID`; `in` is the
    /// withdrawn code for Indonesian that some systems still send).
    fn of_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("en") {
            Some(Locale::En)
        } else if primary.eq_ignore_ascii_case("id") || primary.eq_ignore_ascii_case("in") {
            Some(Locale::Id)
        } else {
            None
        }
    }

    /// The best supported language of an `Accept-Language` header (RFC 9110 §12.5.4): the
    /// highest q-value above 0, the earlier range on a tie; `*` stands for a language not
    /// named otherwise. `None` when the header names neither language acceptably; then `en`
    /// only when `id` is explicitly refused (`q=0`) and `en` is not.
    pub fn from_accept_language(value: &str) -> Option<Locale> {
        // (q in thousandths, position of the range) per language; None = not named.
        let mut named: [Option<(u16, usize)>; 2] = [None, None];
        let mut wildcard: Option<(u16, usize)> = None;
        for (pos, item) in value.split(',').enumerate() {
            let mut parts = item.split(';');
            let range = parts.next().unwrap_or("").trim();
            if range.is_empty() {
                continue;
            }
            let mut q = 1000u16;
            for param in parts {
                if let Some((k, v)) = param.split_once('=') {
                    if k.trim().eq_ignore_ascii_case("q") {
                        q = parse_qvalue(v.trim()).unwrap_or(0);
                    }
                }
            }
            let slot = if range == "*" {
                &mut wildcard
            } else {
                match Locale::of_tag(range) {
                    Some(Locale::Id) => &mut named[0],
                    Some(Locale::En) => &mut named[1],
                    None => continue,
                }
            };
            // The most preferred of several ranges for one language (id, id-ID) counts.
            if slot.is_none_or(|(old, _)| q > old) {
                *slot = Some((q, pos));
            }
        }
        let id = named[0].or(wildcard);
        let en = named[1].or(wildcard);
        match (id, en) {
            (Some((qi, pi)), Some((qe, pe))) if qi > 0 || qe > 0 => {
                if qe > qi || (qe == qi && pe < pi) {
                    Some(Locale::En)
                } else {
                    Some(Locale::Id)
                }
            }
            (Some((qi, _)), None) if qi > 0 => Some(Locale::Id),
            (None, Some((qe, _))) if qe > 0 => Some(Locale::En),
            (Some((0, _)), None) => Some(Locale::En),
            _ => None,
        }
    }

    /// The language of the login pages: `ui_locales` first, then `Accept-Language`, then `id`.
    pub fn negotiate(ui_locales: Option<&str>, accept_language: Option<&str>) -> Locale {
        ui_locales
            .and_then(Locale::first_of_ui_locales)
            .or_else(|| accept_language.and_then(Locale::from_accept_language))
            .unwrap_or(Locale::Id)
    }

    /// Stored and HTML `lang` form.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Id => "id",
            Locale::En => "en",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Locale {
        if s == "en" {
            Locale::En
        } else {
            Locale::Id
        }
    }
}

/// Where a login flow stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowStage {
    /// Waiting for the phone number.
    Phone,
    /// OTP sent; waiting for it.
    Otp,
    /// User known; waiting for Allow / Deny.
    Consent,
    /// Finished (code issued or denied); the flow cannot be used again.
    Done,
}

impl FlowStage {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowStage::Phone => "phone",
            FlowStage::Otp => "otp",
            FlowStage::Consent => "consent",
            FlowStage::Done => "done",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<FlowStage> {
        match s {
            "phone" => Some(FlowStage::Phone),
            "otp" => Some(FlowStage::Otp),
            "consent" => Some(FlowStage::Consent),
            "done" => Some(FlowStage::Done),
            _ => None,
        }
    }
}

/// One browser's way through login and consent, created by `GET /oauth2/auth`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginFlow {
    /// Random id in the page URLs.
    pub id: String,
    /// SHA-256 of the browser-binding cookie.
    pub browser_hash: String,
    /// CSRF token of every form of the flow.
    pub csrf_token: String,
    /// Requesting client.
    pub client_id: String,
    /// The (exactly matched) redirect URI.
    pub redirect_uri: String,
    /// Requested scopes.
    pub scopes: Vec<String>,
    /// The client's `state`.
    pub state: String,
    /// The client's `nonce`.
    pub nonce: Option<String>,
    /// PKCE S256 challenge.
    pub code_challenge: Option<String>,
    /// Page language.
    pub locale: Locale,
    /// Progress.
    pub stage: FlowStage,
    /// Normalised phone once entered.
    pub phone: Option<String>,
    /// Merchant user once the phone is known.
    pub user_id: Option<String>,
    /// SHA-256 of the live OTP.
    pub otp_hash: Option<String>,
    /// Expiry of the live OTP.
    pub otp_expires_at: Option<Millis>,
    /// Wrong tries left for the live OTP.
    pub otp_attempts_left: i64,
    /// When the OTP was verified.
    pub auth_time: Option<Millis>,
    /// Creation.
    pub created_at: Millis,
    /// The flow's end (10 minutes after creation).
    pub expires_at: Millis,
}

/// An issued authorization code (stored by hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthCode {
    /// Family of every token the code leads to.
    pub family_id: String,
    /// Client it was issued to.
    pub client_id: String,
    /// Redirect URI of the request.
    pub redirect_uri: String,
    /// The merchant user.
    pub user_id: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// The request's nonce.
    pub nonce: Option<String>,
    /// PKCE S256 challenge.
    pub code_challenge: Option<String>,
    /// OTP verification time.
    pub auth_time: Millis,
    /// Issue time.
    pub created_at: Millis,
    /// Expiry.
    pub expires_at: Millis,
    /// First redemption, if any.
    pub used_at: Option<Millis>,
}

/// A refresh token record (stored by hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// Family (one per authorization).
    pub family_id: String,
    /// Client it belongs to.
    pub client_id: String,
    /// Partner of that client.
    pub partner_id: String,
    /// The merchant user.
    pub user_id: String,
    /// Scopes of the original grant.
    pub scopes: Vec<String>,
    /// Original authentication time.
    pub auth_time: Millis,
    /// Issue time.
    pub issued_at: Millis,
    /// Expiry.
    pub expires_at: Millis,
    /// When it was exchanged for a successor.
    pub rotated_at: Option<Millis>,
    /// When it was revoked.
    pub revoked_at: Option<Millis>,
}

/// A consent-page line for a scope, in plain words (spec §2.2 meanings).
pub fn scope_words(scope: &str, locale: Locale) -> String {
    let (id, en) = match scope {
        "openid" => (
            "Informasi dasar akun Anda",
            "Basic information about your account",
        ),
        "offline" | "offline_access" => (
            "Tetap terhubung saat Anda tidak sedang masuk",
            "Stay connected while you are signed out",
        ),
        "partner:outlet:read" => (
            "Melihat data outlet dan menghubungkan atau memutus outlet",
            "See outlet data and link or unlink outlets",
        ),
        "partner:outlet:write" => ("Mengubah data outlet", "Edit outlet data"),
        "gofood:catalog:read" => (
            "Melihat menu dan stok GoFood",
            "See the GoFood menu and stock",
        ),
        "gofood:catalog:write" => (
            "Mengubah menu dan stok GoFood",
            "Change the GoFood menu and stock",
        ),
        "gofood:order:read" => ("Melihat pesanan GoFood", "See GoFood orders"),
        "gofood:order:write" => (
            "Menerima, menolak, dan menandai pesanan GoFood siap",
            "Accept, reject and mark GoFood orders ready",
        ),
        "gofood:outlet:write" => (
            "Membuka dan menutup outlet di GoFood",
            "Open and close the outlet on GoFood",
        ),
        "promo:food_promo:read" => ("Melihat promo GoFood", "See GoFood promotions"),
        "promo:food_promo:write" => ("Mengubah promo GoFood", "Change GoFood promotions"),
        "payment:transaction:read" => ("Melihat transaksi pembayaran", "See payment transactions"),
        "payment:transaction:write" => (
            "Membuat transaksi pembayaran",
            "Create payment transactions",
        ),
        "payment:pop:read" => ("Melihat data titik pembayaran", "See point-of-payment data"),
        s if s.starts_with("mokapos:") => ("Melihat data MokaPOS", "See MokaPOS data"),
        _ => ("Akses lain", "Other access"),
    };
    match locale {
        Locale::Id => id.to_string(),
        Locale::En => en.to_string(),
    }
}

/// A q-value (`0`, `0.5`, `1.000`) in thousandths; `None` when malformed.
fn parse_qvalue(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u16 = match int {
        "0" => 0,
        "1" => 1000,
        _ => return None,
    };
    let mut thousandths = 0u16;
    for (i, b) in frac.bytes().enumerate() {
        thousandths += u16::from(b - b'0') * [100, 10, 1][i];
    }
    (whole + thousandths <= 1000).then_some(whole + thousandths)
}

/// True when the OTP can still be tried at `now`.
pub fn otp_live(flow: &LoginFlow, now: Millis) -> bool {
    flow.otp_hash.is_some()
        && flow.otp_attempts_left > 0
        && flow.otp_expires_at.is_some_and(|t| now < t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_picks_first_supported() {
        assert_eq!(Locale::from_ui_locales(None), Locale::Id);
        assert_eq!(Locale::from_ui_locales(Some("fr en-US")), Locale::En);
        assert_eq!(Locale::from_ui_locales(Some("id en")), Locale::Id);
    }

    #[test]
    fn accept_language_by_q_values() {
        let al = Locale::from_accept_language;
        assert_eq!(al("en-US,en;q=0.9"), Some(Locale::En));
        assert_eq!(al("id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7"), Some(Locale::Id));
        assert_eq!(al("fr-FR, en;q=0.5, id;q=0.8"), Some(Locale::Id));
        assert_eq!(al("fr-FR, en;q=0.9, id;q=0.8"), Some(Locale::En));
        assert_eq!(al("en, id"), Some(Locale::En));
        assert_eq!(al("id, en"), Some(Locale::Id));
        assert_eq!(al("EN-gb"), Some(Locale::En));
        assert_eq!(al("in"), Some(Locale::Id));
        assert_eq!(al("en;q=0, *"), Some(Locale::Id));
        assert_eq!(al("id;q=0, *;q=0.1"), Some(Locale::En));
        assert_eq!(al("id;q=0"), Some(Locale::En));
        assert_eq!(al("en;q=0"), None);
        assert_eq!(al("fr, de;q=0.5"), None);
        assert_eq!(al("*"), Some(Locale::Id));
        assert_eq!(al(""), None);
        assert_eq!(al("en;q=abc, id;q=0.1"), Some(Locale::Id));
        assert_eq!(al(";;,,en;q=1.0"), Some(Locale::En));
    }

    #[test]
    fn ui_locales_win_over_accept_language() {
        assert_eq!(Locale::negotiate(None, None), Locale::Id);
        assert_eq!(Locale::negotiate(Some("en"), Some("id")), Locale::En);
        assert_eq!(Locale::negotiate(Some("id"), Some("en")), Locale::Id);
        assert_eq!(Locale::negotiate(None, Some("en-US,en")), Locale::En);
        assert_eq!(Locale::negotiate(Some("fr"), Some("en")), Locale::En);
        assert_eq!(Locale::negotiate(Some("fr"), Some("de")), Locale::Id);
    }

    #[test]
    fn every_scope_has_words() {
        for s in crate::scope::ALL_SCOPES {
            assert_ne!(scope_words(s, Locale::En), "Other access", "{s}");
        }
    }
}
