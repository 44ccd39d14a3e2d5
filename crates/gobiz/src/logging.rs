//! Logging on stderr: text lines (the default) or one JSON object per line
//! (`--log-format json`), filtered by `RUST_LOG` (default `info`).
//!
//! Timestamps are real time. While the sandbox clock is moved (offset ≠ 0), every line also
//! carries the sandbox clock's time, `sandbox_time=2026-…Z` (text) or `"sandbox_time":"…"`
//! (JSON), so log lines can be matched with the times the API shows.

use gobiz_domain::clock::Clock;
use gobiz_services::runtime::clock::AppClock;
use std::fmt;
use std::sync::{Arc, OnceLock};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{FormatEvent, FormatFields, Writer};
use tracing_subscriber::fmt::FmtContext;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

/// The log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    /// `text` or `json` (any case).
    pub fn parse(raw: &str) -> Option<LogFormat> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "text" => Some(LogFormat::Text),
            "json" => Some(LogFormat::Json),
            _ => None,
        }
    }
}

/// The clock of this process's services, once they exist.
static CLOCK: OnceLock<Arc<AppClock>> = OnceLock::new();

/// Makes log lines carry `clock`'s time whenever it is moved (called once the services, and
/// so the clock, exist).
pub fn follow_clock(clock: &Arc<AppClock>) {
    let _ = CLOCK.set(clock.clone());
}

/// The sandbox clock's time while it is moved.
fn sandbox_time() -> Option<String> {
    let clock = CLOCK.get()?;
    (clock.offset_ms() != 0).then(|| gobiz_domain::timefmt::rfc3339_millis(clock.now_ms()))
}

/// Sets up the global subscriber.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    match format {
        LogFormat::Text => {
            let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr)
                .with_ansi(ansi)
                .event_format(WithSandboxTime {
                    inner: tracing_subscriber::fmt::format().with_ansi(ansi),
                    json: false,
                })
                .init();
        }
        LogFormat::Json => {
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr)
                .with_ansi(false)
                .fmt_fields(tracing_subscriber::fmt::format::JsonFields::new())
                .event_format(WithSandboxTime {
                    inner: tracing_subscriber::fmt::format()
                        .json()
                        .flatten_event(true)
                        .with_current_span(true)
                        .with_span_list(true),
                    json: true,
                })
                .init();
        }
    }
}

/// An event format that adds the sandbox time to the line `inner` makes, while the clock is
/// moved: before the line's end (text) or as the object's last member (JSON).
struct WithSandboxTime<F> {
    inner: F,
    json: bool,
}

impl<S, N, F> FormatEvent<S, N> for WithSandboxTime<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let Some(at) = sandbox_time() else {
            return self.inner.format_event(ctx, writer, event);
        };
        let mut line = String::new();
        self.inner
            .format_event(ctx, Writer::new(&mut line), event)?;
        writer.write_str(&with_field(&line, &at, self.json))
    }
}

/// `line` with the sandbox time added.
fn with_field(line: &str, at: &str, json: bool) -> String {
    let body = line.trim_end_matches('\n');
    let end = &line[body.len()..];
    if json {
        match body.strip_suffix('}') {
            Some(open) if open.ends_with('{') => format!("{open}\"sandbox_time\":\"{at}\"}}{end}"),
            Some(open) => format!("{open},\"sandbox_time\":\"{at}\"}}{end}"),
            None => line.to_string(),
        }
    } else {
        format!("{body} sandbox_time={at}{end}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_time_goes_at_the_end() {
        let at = "2026-12-05T10:00:00.000Z";
        assert_eq!(
            with_field("2026-12-04T10:00:00Z  INFO x: hello a=1\n", at, false),
            "2026-12-04T10:00:00Z  INFO x: hello a=1 sandbox_time=2026-12-05T10:00:00.000Z\n"
        );
        assert_eq!(
            with_field("{\"a\":1}\n", at, true),
            "{\"a\":1,\"sandbox_time\":\"2026-12-05T10:00:00.000Z\"}\n"
        );
        assert_eq!(
            with_field("{}\n", at, true),
            "{\"sandbox_time\":\"2026-12-05T10:00:00.000Z\"}\n"
        );
    }

    #[test]
    fn formats_parse() {
        assert_eq!(LogFormat::parse("JSON"), Some(LogFormat::Json));
        assert_eq!(LogFormat::parse("text"), Some(LogFormat::Text));
        assert_eq!(LogFormat::parse("xml"), None);
    }
}
