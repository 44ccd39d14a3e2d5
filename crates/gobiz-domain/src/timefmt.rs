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
