//! Asia/Jakarta civil time, the one place that does its arithmetic.
//!
//! Jakarta is UTC+7 all year (no daylight saving), so local time is the instant shifted by
//! seven hours. Days are numbered from 1970-01-01 (day 0, a Thursday) in the proleptic
//! Gregorian calendar; weekdays are numbered from Sunday = 0, the order of [`WEEKDAYS`].
//! Operational hours (catalog, orders), promotion dates and windows and the Moka generator
//! all read the clock through here, as do the black-box tests.

use crate::clock::Millis;
use time::{Date, Month};

/// Jakarta's offset from UTC.
pub const OFFSET_MS: Millis = 7 * 3_600_000;
/// A civil day.
pub const DAY_MS: Millis = 86_400_000;
/// Julian day number of 1970-01-01 (day 0).
const JULIAN_DAY_0: i64 = 2_440_588;

/// Weekday keys, Sunday first (index = weekday number, as `time::Weekday` numbers them from
/// Sunday = 0).
pub const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

/// An instant as a Jakarta wall clock reads it: the day number and the time of that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct JakartaTime {
    /// Days since 1970-01-01 in Jakarta.
    pub day: i64,
    /// Milliseconds since Jakarta midnight, `0..DAY_MS`.
    pub ms_of_day: i64,
}

impl JakartaTime {
    /// The Jakarta date and time of an instant (total: no overflow for any `Millis`).
    pub const fn at(instant: Millis) -> JakartaTime {
        let mut day = instant.div_euclid(DAY_MS);
        let mut ms_of_day = instant.rem_euclid(DAY_MS) + OFFSET_MS;
        if ms_of_day >= DAY_MS {
            day += 1;
            ms_of_day -= DAY_MS;
        }
        JakartaTime { day, ms_of_day }
    }

    /// Day of the week, 0 = Sunday (an index into [`WEEKDAYS`]).
    pub const fn weekday(self) -> usize {
        weekday_of(self.day)
    }

    /// Hour of the day, 0..=23.
    pub const fn hour(self) -> usize {
        (self.ms_of_day / 3_600_000) as usize
    }

    /// Minute of the day, 0..=1439.
    pub const fn minute_of_day(self) -> u16 {
        (self.ms_of_day / 60_000) as u16
    }

    /// Second of the day, 0..=86399.
    pub const fn second_of_day(self) -> u32 {
        (self.ms_of_day / 1000) as u32
    }

    /// `(year, month, day)`.
    pub const fn civil(self) -> (i64, u8, u8) {
        civil_from_days(self.day)
    }

    /// The date; `Date::MIN` beyond the `time` crate's range (±9999 years).
    pub fn date(self) -> Date {
        let julian = i32::try_from(self.day + JULIAN_DAY_0).unwrap_or(JULIAN_DAY_0 as i32);
        Date::from_julian_day(julian).unwrap_or(Date::MIN)
    }
}

/// Day of the week of a day number, 0 = Sunday (1970-01-01 was a Thursday).
pub const fn weekday_of(day: i64) -> usize {
    (day.rem_euclid(7) + 4) as usize % 7
}

/// `(year, month 1..=12, day 1..=31)` of a day number, proleptic Gregorian (Howard Hinnant's
/// `civil_from_days`). Exact for every day number a `Millis` instant reaches.
pub const fn civil_from_days(day: i64) -> (i64, u8, u8) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m as u8, d as u8)
}

/// Day number of `(year, month, day)`, proleptic Gregorian (Hinnant's `days_from_civil`); the
/// inverse of [`civil_from_days`] for valid dates.
pub const fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let (m, d) = (month as i64, day as i64);
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number, if the `time` crate can hold it (±9999 years).
pub fn date_of_day(day: i64) -> Option<Date> {
    let julian = i32::try_from(day.checked_add(JULIAN_DAY_0)?).ok()?;
    Date::from_julian_day(julian).ok()
}

/// The day number of a date.
pub fn day_of_date(date: Date) -> i64 {
    i64::from(date.to_julian_day()) - JULIAN_DAY_0
}

/// First instant of a Jakarta day (its midnight, 17:00 UTC the day before).
pub const fn day_start(day: i64) -> Millis {
    day * DAY_MS - OFFSET_MS
}

/// Instants of a Jakarta day: `[start, end)`.
pub const fn day_bounds(day: i64) -> (Millis, Millis) {
    (day_start(day), day_start(day + 1))
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i32 = s.get(0..4)?.parse().ok()?;
    let m: u8 = s.get(5..7)?.parse().ok()?;
    let d: u8 = s.get(8..10)?.parse().ok()?;
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

/// `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    format_civil(i64::from(date.year()), u8::from(date.month()), date.day())
}

/// `YYYY-MM-DD` of a year, month and day.
pub fn format_civil(year: i64, month: u8, day: u8) -> String {
    format!("{year:04}-{month:02}-{day:02}")
}

/// Parses `HH:mm` to the minute of the day.
pub fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// `HH:mm` of a minute of the day.
pub fn format_hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Parses `HH:mm:ss` to the second of the day.
pub fn parse_hhmmss(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let (h, m, sec): (u32, u32, u32) = (
        parts[0].parse().ok()?,
        parts[1].parse().ok()?,
        parts[2].parse().ok()?,
    );
    (h < 24 && m < 60 && sec < 60).then_some(h * 3600 + m * 60 + sec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::{OffsetDateTime, UtcOffset};

    /// Instants the `time` crate can represent (years -9999..=9999), in milliseconds.
    const MIN_MS: Millis = -377_705_116_800_000;
    const MAX_MS: Millis = 253_402_300_799_999 - OFFSET_MS;

    fn reference(instant: Millis) -> OffsetDateTime {
        let jakarta = UtcOffset::from_hms(7, 0, 0).unwrap();
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(instant) * 1_000_000)
            .unwrap()
            .to_offset(jakarta)
    }

    proptest! {
        #[test]
        fn agrees_with_the_time_crate(instant in MIN_MS..=MAX_MS) {
            let t = JakartaTime::at(instant);
            let r = reference(instant);
            prop_assert_eq!(t.date(), r.date());
            prop_assert_eq!(
                t.civil(),
                (i64::from(r.year()), u8::from(r.month()), r.day())
            );
            prop_assert_eq!(t.weekday(), usize::from(r.weekday().number_days_from_sunday()));
            prop_assert_eq!(t.hour(), usize::from(r.hour()));
            prop_assert_eq!(
                t.minute_of_day(),
                u16::from(r.hour()) * 60 + u16::from(r.minute())
            );
            prop_assert_eq!(
                t.second_of_day(),
                u32::from(r.hour()) * 3600 + u32::from(r.minute()) * 60 + u32::from(r.second())
            );
            let (start, end) = day_bounds(t.day);
            prop_assert!(start <= instant && instant < end);
            prop_assert_eq!(end - start, DAY_MS);
            prop_assert_eq!(JakartaTime::at(start), JakartaTime { day: t.day, ms_of_day: 0 });
            let midnight = r.replace_time(time::Time::MIDNIGHT);
            prop_assert_eq!(i128::from(start) * 1_000_000, midnight.unix_timestamp_nanos());
        }

        #[test]
        fn civil_round_trips(day in -3_652_424i64..=2_932_896) {
            let (y, m, d) = civil_from_days(day);
            prop_assert_eq!(days_from_civil(y, m, d), day);
            let date = date_of_day(day).unwrap();
            prop_assert_eq!((i64::from(date.year()), u8::from(date.month()), date.day()), (y, m, d));
            prop_assert_eq!(day_of_date(date), day);
            if (0..=9999).contains(&y) {
                prop_assert_eq!(parse_date(&format_date(date)), Some(date));
                prop_assert_eq!(format_date(date), format_civil(y, m, d));
            }
        }

        #[test]
        fn total_far_from_the_calendar(instant in any::<i64>()) {
            let t = JakartaTime::at(instant);
            prop_assert!((0..DAY_MS).contains(&t.ms_of_day));
            prop_assert!(t.weekday() < 7);
            let _ = t.date();
        }

        #[test]
        fn clock_texts_round_trip(minute in 0u16..1440, second in 0u32..86_400) {
            prop_assert_eq!(parse_hhmm(&format_hhmm(minute)), Some(minute));
            let s = format!("{:02}:{:02}:{:02}", second / 3600, second / 60 % 60, second % 60);
            prop_assert_eq!(parse_hhmmss(&s), Some(second));
        }
    }

    #[test]
    fn every_day_of_four_centuries() {
        // Exhaustive over 1900..2300 against the `time` crate's calendar.
        let first = days_from_civil(1900, 1, 1);
        let last = days_from_civil(2300, 1, 1);
        let mut date = Date::from_calendar_date(1900, Month::January, 1).unwrap();
        for day in first..last {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(
                (y, m, d),
                (i64::from(date.year()), u8::from(date.month()), date.day())
            );
            assert_eq!(
                weekday_of(day),
                usize::from(date.weekday().number_days_from_sunday())
            );
            assert_eq!(date_of_day(day), Some(date));
            date = date.next_day().unwrap();
        }
    }

    #[test]
    fn known_instants() {
        // 2024-05-05 (a Sunday) 17:30 UTC = Monday 2024-05-06 00:30 in Jakarta.
        let t = JakartaTime::at(1_714_930_200_000);
        assert_eq!(
            (t.civil(), t.weekday(), t.minute_of_day()),
            ((2024, 5, 6), 1, 30)
        );
        assert_eq!(WEEKDAYS[t.weekday()], "monday");
        assert_eq!(day_start(t.day), 1_714_928_400_000);
        assert_eq!(JakartaTime::at(-1).civil(), (1970, 1, 1));
        assert_eq!(JakartaTime::at(-OFFSET_MS - 1).civil(), (1969, 12, 31));
        assert_eq!(format_hhmm(23 * 60 + 59), "23:59");
        assert_eq!(parse_hhmm("24:00"), None);
        assert_eq!(parse_hhmm("7:00"), None);
        assert_eq!(parse_hhmmss("14:00:60"), None);
        assert_eq!(parse_hhmmss("14:00:00"), Some(14 * 3600));
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(
            parse_date("2024-02-29").map(format_date).as_deref(),
            Some("2024-02-29")
        );
    }
}
