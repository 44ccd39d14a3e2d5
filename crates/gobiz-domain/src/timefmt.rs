//! Timestamp formats of spec §1.12.

use crate::clock::Millis;
use time::{format_description::well_known::Rfc3339, OffsetDateTime};

/// RFC 3339 in UTC with whole seconds and `Z`, as REST responses carry them.
pub fn rfc3339_seconds(ms: Millis) -> String {
    let secs = ms.div_euclid(1000);
    match OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => {
            let d = t.date();
            let tm = t.time();
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                d.year(),
                u8::from(d.month()),
                d.day(),
                tm.hour(),
                tm.minute(),
                tm.second()
            )
        }
        Err(_) => String::from("1970-01-01T00:00:00Z"),
    }
}

/// Parses any RFC 3339 timestamp (any offset) to milliseconds since the epoch.
pub fn parse_rfc3339(s: &str) -> Option<Millis> {
    let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_whole_seconds_in_utc() {
        assert_eq!(rfc3339_seconds(1_566_656_122_557), "2019-08-24T14:15:22Z");
        assert_eq!(
            parse_rfc3339("2019-08-24T21:15:22+07:00"),
            Some(1_566_656_122_000)
        );
    }
}

fn parts(ms: Millis, offset_hours: i64) -> String {
    let shifted = ms + offset_hours * 3_600_000;
    let secs = shifted.div_euclid(1000);
    let millis = shifted.rem_euclid(1000);
    match OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            millis
        ),
        Err(_) => String::from("1970-01-01T00:00:00.000"),
    }
}

/// UTC with milliseconds and `Z`, as troubleshooting and delivery records carry them.
pub fn rfc3339_millis(ms: Millis) -> String {
    format!("{}Z", parts(ms, 0))
}

/// Asia/Jakarta (`+07:00`) with milliseconds, as webhook payloads carry them.
pub fn jakarta_millis(ms: Millis) -> String {
    format!("{}+07:00", parts(ms, 7))
}

#[cfg(test)]
mod millis_tests {
    use super::*;

    #[test]
    fn webhook_and_log_formats() {
        assert_eq!(
            rfc3339_millis(1_566_656_122_557),
            "2019-08-24T14:15:22.557Z"
        );
        assert_eq!(
            jakarta_millis(1_566_656_122_557),
            "2019-08-24T21:15:22.557+07:00"
        );
    }
}
