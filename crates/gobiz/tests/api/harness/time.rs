//! Calendar and timestamp arithmetic for checking server times.

/// `(year, month, day)` of a day number (days since 1970-01-01), proleptic Gregorian.
pub fn civil_date(days: i64) -> (i64, i64, i64) {
    let (y, m, d) = gobiz_domain::local_time::civil_from_days(days);
    (y, i64::from(m), i64::from(d))
}

/// Epoch milliseconds of an RFC 3339 timestamp with `Z` or a `±HH:MM` offset.
pub fn epoch_ms(s: &str) -> i64 {
    let (date, rest) = s
        .split_once('T')
        .unwrap_or_else(|| panic!("T in timestamp {s}"));
    let (clock, offset_min) = if let Some(c) = rest.strip_suffix('Z') {
        (c, 0)
    } else {
        let i = rest
            .rfind(['+', '-'])
            .unwrap_or_else(|| panic!("offset in timestamp {s}"));
        let (c, off) = rest.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let (oh, om) = off[1..]
            .split_once(':')
            .unwrap_or_else(|| panic!("offset in timestamp {s}"));
        (
            c,
            sign * (oh.parse::<i64>().unwrap() * 60 + om.parse::<i64>().unwrap()),
        )
    };
    let mut d = date.split('-').map(|x| x.parse::<i64>().unwrap());
    let (y, m, day) = (d.next().unwrap(), d.next().unwrap(), d.next().unwrap());
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, "0"));
    let mut t = hms.split(':').map(|x| x.parse::<i64>().unwrap());
    let (h, mi, sec) = (t.next().unwrap(), t.next().unwrap(), t.next().unwrap());
    let ms: i64 = format!("{frac:0<3}")[..3].parse().unwrap();
    let days = gobiz_domain::local_time::days_from_civil(
        y,
        u8::try_from(m).unwrap_or_else(|_| panic!("month in timestamp {s}")),
        u8::try_from(day).unwrap_or_else(|_| panic!("day in timestamp {s}")),
    );
    (days * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60) * 1000 + ms
}
