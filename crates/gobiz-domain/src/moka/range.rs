//! The time range of the MokaPOS report bodies (spec §8.2): both bounds RFC 3339 with an
//! offset, inclusive, `gte ≤ lte`, at most 366 days apart.

use crate::clock::Millis;
use crate::validation::{Violation, Violations};
use serde::Deserialize;

/// Longest range a report may cover.
pub const MAX_SPAN_MS: Millis = 366 * 24 * 3_600_000;

/// The body of the three MokaPOS reports (spec §8.2):
/// `{"query":{"range":{"transaction_time":{"gte":…,"lte":…}}}}`. The report covers the sales
/// whose `transaction_time` lies between both bounds, inclusive.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = MokaReportBody, example = json!({"query": {"range": {"transaction_time": {"gte": "2020-01-01T00:00:00+07:00", "lte": "2020-01-30T23:59:59+07:00"}}}}))]
pub struct ReportBody {
    /// What the report covers.
    pub query: ReportQuery,
}

/// `query` of a report body.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = MokaReportQuery)]
pub struct ReportQuery {
    /// The range of the report.
    pub range: RangeField,
}

/// `query.range` of a report body.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = MokaReportRange)]
pub struct RangeField {
    /// The bounds on the sales' transaction time.
    pub transaction_time: Bounds,
}

/// `query.range.transaction_time`: inclusive bounds, `gte` ≤ `lte`, at most 366 days apart.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = MokaTimeBounds)]
pub struct Bounds {
    /// Inclusive lower bound, RFC 3339 with an offset (`Z` or `±hh:mm`).
    #[schema(format = DateTime, example = "2020-01-01T00:00:00+07:00")]
    pub gte: String,
    /// Inclusive upper bound, RFC 3339 with an offset; not before `gte`, at most 366 days
    /// after it.
    #[schema(format = DateTime, example = "2020-01-30T23:59:59+07:00")]
    pub lte: String,
}

/// A validated, inclusive range of instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportRange {
    /// Inclusive lower bound.
    pub gte: Millis,
    /// Inclusive upper bound.
    pub lte: Millis,
}

impl ReportRange {
    /// True when `t` lies in the range.
    pub fn contains(&self, t: Millis) -> bool {
        (self.gte..=self.lte).contains(&t)
    }
}

/// Parses an RFC 3339 timestamp that carries an offset (`Z` or `±hh:mm`).
pub fn parse_with_offset(s: &str) -> Option<Millis> {
    crate::timefmt::parse_rfc3339(s)
}

impl ReportBody {
    /// Applies the rules of spec §8.2; every violation is reported.
    pub fn range(&self) -> Result<ReportRange, Vec<Violation>> {
        checked_range(
            &self.query.range.transaction_time.gte,
            &self.query.range.transaction_time.lte,
            "query.range.transaction_time",
            "gte",
            "lte",
        )
    }
}

/// Checks a pair of bounds named `<path>.<low>` / `<path>.<high>` (the path may be empty).
pub fn checked_range(
    low: &str,
    high: &str,
    path: &str,
    low_name: &str,
    high_name: &str,
) -> Result<ReportRange, Vec<Violation>> {
    let mut v = Violations::new();
    let field = |name: &str| {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    let bad = "must be an RFC 3339 timestamp with an offset, e.g. 2020-01-01T00:00:00+07:00";
    let gte = parse_with_offset(low);
    let lte = parse_with_offset(high);
    if gte.is_none() {
        v.add(field(low_name), bad);
    }
    if lte.is_none() {
        v.add(field(high_name), bad);
    }
    if let (Some(g), Some(l)) = (gte, lte) {
        // A body with a range object names it; bare fields name the upper bound.
        let (whole, before, span) = if path.is_empty() {
            (
                high_name.to_string(),
                format!("must not be before {low_name}"),
                format!("must not be more than 366 days after {low_name}"),
            )
        } else {
            (
                path.to_string(),
                format!("{low_name} must not be after {high_name}"),
                "must not span more than 366 days".to_string(),
            )
        };
        if g > l {
            v.add(whole, before);
        } else if l - g > MAX_SPAN_MS {
            v.add(whole, span);
        }
    }
    v.finish()?;
    Ok(ReportRange {
        gte: gte.unwrap_or(0),
        lte: lte.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(gte: &str, lte: &str) -> Result<ReportRange, Vec<String>> {
        checked_range(gte, lte, "query.range.transaction_time", "gte", "lte")
            .map_err(|v| v.iter().map(Violation::message).collect())
    }

    #[test]
    fn rules() {
        let r = range("2020-01-01T00:00:00+07:00", "2020-01-01T00:00:00Z").unwrap();
        assert_eq!(r.lte - r.gte, 7 * 3_600_000);
        assert!(r.contains(r.lte) && r.contains(r.gte) && !r.contains(r.lte + 1));
        assert!(
            range("2020-01-01T00:00:00", "2020-01-02T00:00:00Z").unwrap_err()[0]
                .starts_with("query.range.transaction_time.gte: must be an RFC 3339")
        );
        assert_eq!(
            range("2020-01-02T00:00:00Z", "2020-01-01T00:00:00Z").unwrap_err(),
            vec!["query.range.transaction_time: gte must not be after lte"]
        );
        assert!(range("2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z").is_ok());
        assert!(range("2020-01-01T00:00:00Z", "2021-01-01T00:00:01Z").is_err());
        assert_eq!(range("x", "y").unwrap_err().len(), 2);
        let bare = checked_range(
            "2020-01-02T00:00:00Z",
            "2020-01-01T00:00:00Z",
            "",
            "from",
            "to",
        )
        .unwrap_err();
        assert_eq!(bare[0].message(), "to: must not be before from");
    }
}
