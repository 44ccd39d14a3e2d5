//! The partner page's delivery chaos card (issue 19): what is on, and a form that sets or
//! clears it through the same service as `PUT|DELETE /sandbox/v1/partners/{id}/chaos`. Each
//! decision shows up in the delivery log's history ("Chaos: held 4.0 s for reorder").

use crate::console::number_form::{number, see_other, NumberInput};
use crate::console::session::{self};
use crate::console::{csrf_field, fragment, ConsoleUser};
use crate::envelope::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gobiz_domain::chaos::{ChaosConfig, Delay, Duplicate, Fail, Reorder};
use gobiz_domain::goauth::Locale;
use gobiz_domain::validation::Violation;
use gobiz_services::sandbox::ChaosSettings;
use gobiz_services::ServiceError;
use maud::{html, Markup};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(set))
}

/// The words of the card.
struct Words {
    title: &'static str,
    off: &'static str,
    intro: &'static str,
    seed: &'static str,
    duplicate: &'static str,
    gap: &'static str,
    reorder: &'static str,
    delay_min: &'static str,
    delay_max: &'static str,
    fail: &'static str,
    fail_status: &'static str,
    save: &'static str,
    clear: &'static str,
    decisions: &'static str,
    /// How each part reads when on: duplicate, reorder, delay, fail, timeout.
    parts: [&'static str; 5],
}

const EN: Words = Words {
    title: "Delivery chaos",
    off: "Off: every delivery is sent once, in order, at once.",
    intro: "Test the integration against what at-least-once, unordered delivery can do. Empty fields are off; the same seed replays the same decisions.",
    seed: "Seed (empty: random)",
    duplicate: "Duplicate share (0–1)",
    gap: "Duplicate gap (ms)",
    reorder: "Reorder window (ms)",
    delay_min: "Delay before the first attempt, from (ms)",
    delay_max: "to (ms)",
    fail: "Failed-attempt share (0–1)",
    fail_status: "Simulated status (empty: timeout)",
    save: "Apply chaos",
    clear: "Turn off",
    decisions: "deliveries decided on since set",
    parts: [
        "of deliveries sent twice, {gap} ms apart",
        "every delivery held 0 to {ms} ms (out of order)",
        "{min} to {max} ms before the first attempt",
        "of attempts recorded as HTTP {status}, not sent",
        "of attempts recorded as a timeout, not sent",
    ],
};

const ID: Words = Words {
    title: "Kekacauan pengiriman",
    off: "Mati: setiap pengiriman dikirim sekali, berurutan, segera.",
    intro: "Uji integrasi terhadap pengiriman at-least-once tanpa urutan. Kolom kosong berarti mati; seed yang sama mengulang keputusan yang sama.",
    seed: "Seed (kosong: acak)",
    duplicate: "Porsi duplikat (0–1)",
    gap: "Jeda duplikat (ms)",
    reorder: "Jendela acak urutan (ms)",
    delay_min: "Tunda sebelum percobaan pertama, dari (ms)",
    delay_max: "sampai (ms)",
    fail: "Porsi percobaan gagal (0–1)",
    fail_status: "Status simulasi (kosong: timeout)",
    save: "Terapkan",
    clear: "Matikan",
    decisions: "pengiriman diputuskan sejak diatur",
    parts: [
        "pengiriman dikirim dua kali, berjarak {gap} ms",
        "setiap pengiriman ditahan 0 sampai {ms} ms (urutan acak)",
        "{min} sampai {max} ms sebelum percobaan pertama",
        "percobaan dicatat sebagai HTTP {status}, tidak dikirim",
        "percobaan dicatat sebagai timeout, tidak dikirim",
    ],
};

fn words(l: Locale) -> &'static Words {
    match l {
        Locale::Id => &ID,
        _ => &EN,
    }
}

/// The form: every field text, so that a wrong number is the server's message next to it.
#[derive(Debug, Default, Deserialize)]
pub struct ChaosForm {
    csrf: Option<String>,
    action: Option<String>,
    seed: Option<String>,
    duplicate_fraction: Option<String>,
    duplicate_gap_ms: Option<String>,
    reorder_window_ms: Option<String>,
    delay_min_ms: Option<String>,
    delay_max_ms: Option<String>,
    fail_fraction: Option<String>,
    fail_status: Option<String>,
}

/// The form's field of a settings path (`duplicate.fraction` → `duplicate_fraction`).
fn field_of(path: &str) -> String {
    path.replace('.', "_")
}

impl ChaosForm {
    /// The form of the current settings.
    pub fn of(c: Option<&ChaosConfig>) -> ChaosForm {
        let Some(c) = c else {
            return ChaosForm::default();
        };
        ChaosForm {
            seed: Some(c.seed.to_string()),
            duplicate_fraction: c.duplicate.as_ref().map(|d| d.fraction.to_string()),
            duplicate_gap_ms: c.duplicate.as_ref().map(|d| d.gap_ms.to_string()),
            reorder_window_ms: c.reorder.as_ref().map(|r| r.window_ms.to_string()),
            delay_min_ms: c.delay.as_ref().map(|d| d.min_ms.to_string()),
            delay_max_ms: c.delay.as_ref().map(|d| d.max_ms.to_string()),
            fail_fraction: c.fail.as_ref().map(|f| f.fraction.to_string()),
            fail_status: c
                .fail
                .as_ref()
                .and_then(|f| f.status)
                .map(|s| s.to_string()),
            ..ChaosForm::default()
        }
    }

    /// The settings, or what cannot be read as a number (by settings path).
    fn settings(&self) -> Result<ChaosSettings, Vec<Violation>> {
        let mut bad = Vec::new();
        let seed = number::<u64>(&mut bad, "seed", &self.seed);
        let dup = number::<f64>(&mut bad, "duplicate.fraction", &self.duplicate_fraction);
        let gap = number::<i64>(&mut bad, "duplicate.gap_ms", &self.duplicate_gap_ms);
        let window = number::<i64>(&mut bad, "reorder.window_ms", &self.reorder_window_ms);
        let dmin = number::<i64>(&mut bad, "delay.min_ms", &self.delay_min_ms);
        let dmax = number::<i64>(&mut bad, "delay.max_ms", &self.delay_max_ms);
        let fail = number::<f64>(&mut bad, "fail.fraction", &self.fail_fraction);
        let status = number::<u16>(&mut bad, "fail.status", &self.fail_status);
        if !bad.is_empty() {
            return Err(bad);
        }
        Ok(ChaosSettings {
            seed,
            duplicate: dup.map(|fraction| Duplicate {
                fraction,
                gap_ms: gap.unwrap_or(3000),
            }),
            reorder: window.map(|window_ms| Reorder { window_ms }),
            delay: match (dmin, dmax) {
                (None, None) => None,
                (lo, hi) => Some(Delay {
                    min_ms: lo.or(hi).unwrap_or(0),
                    max_ms: hi.or(lo).unwrap_or(0),
                }),
            },
            fail: fail.map(|fraction| Fail { fraction, status }),
        })
    }
}

/// The card: the current state, the form (with `errors` next to their fields).
pub fn card(
    user: &ConsoleUser,
    partner_id: &str,
    current: Option<&ChaosConfig>,
    decisions: i64,
    form: &ChaosForm,
    errors: &[Violation],
) -> Markup {
    let w = words(user.locale);
    let action = format!("/console/partners/{partner_id}/chaos");
    let input = NumberInput {
        prefix: "chaos",
        errors,
        field_of,
        disabled: user.read_only,
    };
    let field =
        |name: &str, label: &str, value: &Option<String>| input.render(name, label, value, "");
    html! {
        section #chaos-card .card aria-labelledby="chaos-title" {
            h2 #chaos-title { (w.title) }
            @match current {
                Some(c) => div #chaos-state role="status" {
                    ul {
                        @for line in describe(w, c) { li { (line) } }
                    }
                    p.muted { "seed " code { (c.seed) } " · " (decisions) " " (w.decisions) }
                },
                None => p #chaos-state .muted role="status" { (w.off) },
            }
            p.muted { (w.intro) }
            @if !user.read_only {
                form method="post" action=(action) hx-post=(action) hx-target="#chaos-card" hx-swap="outerHTML" {
                    (csrf_field(user))
                    (field("seed", w.seed, &form.seed))
                    (field("duplicate_fraction", w.duplicate, &form.duplicate_fraction))
                    (field("duplicate_gap_ms", w.gap, &form.duplicate_gap_ms))
                    (field("reorder_window_ms", w.reorder, &form.reorder_window_ms))
                    (field("delay_min_ms", w.delay_min, &form.delay_min_ms))
                    (field("delay_max_ms", w.delay_max, &form.delay_max_ms))
                    (field("fail_fraction", w.fail, &form.fail_fraction))
                    (field("fail_status", w.fail_status, &form.fail_status))
                    @for v in errors.iter().filter(|v| !KNOWN.contains(&field_of(&v.path).as_str())) {
                        p.field-error role="alert" { (v.message()) }
                    }
                    div.actions {
                        button #chaos-apply type="submit" name="action" value="set" { (w.save) }
                        @if current.is_some() {
                            button.secondary #chaos-off type="submit" name="action" value="off" { (w.clear) }
                        }
                    }
                }
            }
        }
    }
}

/// The parts that are on, in words.
fn describe(w: &Words, c: &ChaosConfig) -> Vec<String> {
    let pct = |f: f64| format!("{}%", (f * 100.0).round());
    let mut out = Vec::new();
    if let Some(d) = &c.duplicate {
        out.push(format!(
            "{} {}",
            pct(d.fraction),
            w.parts[0].replace("{gap}", &d.gap_ms.to_string())
        ));
    }
    if let Some(r) = &c.reorder {
        out.push(w.parts[1].replace("{ms}", &r.window_ms.to_string()));
    }
    if let Some(d) = &c.delay {
        out.push(
            w.parts[2]
                .replace("{min}", &d.min_ms.to_string())
                .replace("{max}", &d.max_ms.to_string()),
        );
    }
    if let Some(f) = &c.fail {
        let text = match f.status {
            Some(st) => w.parts[3].replace("{status}", &st.to_string()),
            None => w.parts[4].to_string(),
        };
        out.push(format!("{} {text}", pct(f.fraction)));
    }
    out
}

const KNOWN: [&str; 8] = [
    "seed",
    "duplicate_fraction",
    "duplicate_gap_ms",
    "reorder_window_ms",
    "delay_min_ms",
    "delay_max_ms",
    "fail_fraction",
    "fail_status",
];

/// Sets or clears a partner's chaos.
#[utoipa::path(post, path = "/console/partners/{partner_id}/chaos", tag = "Console",
    summary = "Set or clear a partner's delivery chaos",
    description = "Same service as `PUT|DELETE /sandbox/v1/partners/{partner_id}/chaos` (`action=off` clears). htmx gets the chaos card (with the server's message next to each wrong field, status 400), a plain form a redirect to the partner page.",
    params(("partner_id" = String, Path, description = "The partner")),
    request_body(content_type = "application/x-www-form-urlencoded", content = String),
    responses(
        (status = 200, description = "The chaos card (htmx)", content_type = "text/html", body = String),
        (status = 303, description = "Done (plain form): to the partner page; or no session: to sign-in"),
        (status = 400, description = "A wrong field: the card with the message next to it", content_type = "text/html", body = String),
        (status = 403, description = "Missing or wrong CSRF token, or a read-only console", content_type = "text/plain", body = String),
        (status = 404, description = "Unknown partner", content_type = "application/json", body = crate::envelope::Failure),
        (status = 503, description = "The database is unavailable", content_type = "application/json", body = crate::envelope::Failure),
    ),
    security(("console_session" = [])))]
async fn set(
    State(s): State<AppState>,
    user: ConsoleUser,
    headers: HeaderMap,
    Path(partner_id): Path<String>,
    body: Bytes,
) -> Response {
    let form: ChaosForm = session::form(&body);
    if let Err(refused) = user.check_action(&headers, form.csrf.as_deref()) {
        return refused.into_response();
    }
    let result = if form.action.as_deref() == Some("off") {
        s.services.clear_chaos(&partner_id).await
    } else {
        match form.settings() {
            Ok(settings) => s.services.set_chaos(&partner_id, settings).await,
            Err(bad) => Err(ServiceError::Invalid(bad)),
        }
    };
    match result {
        Ok(state) if user.htmx => fragment(card(
            &user,
            &partner_id,
            state.config.as_ref(),
            state.decisions,
            &ChaosForm::of(state.config.as_ref()),
            &[],
        )),
        Ok(_) => see_other(&format!("/console/partners/{partner_id}#chaos-card")),
        Err(ServiceError::Invalid(bad)) => {
            let current = s.services.chaos(&partner_id).await.ok();
            let mut resp = fragment(card(
                &user,
                &partner_id,
                current.as_ref().and_then(|c| c.config.as_ref()),
                current.as_ref().map(|c| c.decisions).unwrap_or(0),
                &form,
                &bad,
            ));
            *resp.status_mut() = StatusCode::BAD_REQUEST;
            resp
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
