//! Durations as people type them: `90s`, `3m`, `1h`, `2d`, `1h30m`, or plain seconds.

/// The seconds of `text`, or why it is not a duration (for clap's `value_parser`).
pub fn parse_seconds(text: &str) -> Result<i64, String> {
    let t = text.trim().to_ascii_lowercase();
    let wrong = || {
        format!("{text:?} is not a duration; use e.g. 90s, 3m, 1h, 2d or 1h30m (at least 1 second)")
    };
    if t.is_empty() {
        return Err(wrong());
    }
    if let Ok(n) = t.parse::<i64>() {
        return if n >= 1 { Ok(n) } else { Err(wrong()) };
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(wrong()),
        };
        let n: i64 = number.parse().map_err(|_| wrong())?;
        number.clear();
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(wrong)?;
    }
    if !number.is_empty() || total < 1 {
        return Err(wrong());
    }
    Ok(total)
}

/// Seconds as `1h30m`, `3m`, `45s`, `2d3h`.
pub fn human(seconds: i64) -> String {
    if seconds == 0 {
        return "0s".into();
    }
    let sign = if seconds < 0 { "-" } else { "" };
    let mut left = seconds.unsigned_abs();
    let mut out = String::from(sign);
    for (unit, name) in [(86_400, 'd'), (3_600, 'h'), (60, 'm'), (1, 's')] {
        if left >= unit {
            out.push_str(&format!("{}{name}", left / unit));
            left %= unit;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_forms() {
        assert_eq!(parse_seconds("90s"), Ok(90));
        assert_eq!(parse_seconds("3m"), Ok(180));
        assert_eq!(parse_seconds("1h"), Ok(3600));
        assert_eq!(parse_seconds("2d"), Ok(172_800));
        assert_eq!(parse_seconds("1h30m"), Ok(5400));
        assert_eq!(parse_seconds("1H30M10S"), Ok(5410));
        assert_eq!(parse_seconds("45"), Ok(45));
    }

    #[test]
    fn refuses_what_is_not_a_duration() {
        for bad in [
            "",
            "0",
            "-5",
            "3x",
            "m",
            "1h30",
            "0s",
            "99999999999999999999d",
        ] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn prints_compactly() {
        assert_eq!(human(0), "0s");
        assert_eq!(human(180), "3m");
        assert_eq!(human(5410), "1h30m10s");
        assert_eq!(human(-90), "-1m30s");
    }
}
