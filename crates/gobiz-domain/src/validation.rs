//! Collecting every violation of a request at once (spec §1.6 row 13).

/// One broken rule: the JSON path of the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON path, e.g. `roles[0].merchant_id`.
    pub path: String,
    /// What is wrong, e.g. `is required`.
    pub problem: String,
}

impl Violation {
    /// The message form `<path>: <problem>`.
    pub fn message(&self) -> String {
        format!("{}: {}", self.path, self.problem)
    }
}

/// Accumulates violations so a caller sees all of them in one answer.
#[derive(Debug, Default)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one violation.
    pub fn add(&mut self, path: impl Into<String>, problem: impl Into<String>) {
        self.0.push(Violation {
            path: path.into(),
            problem: problem.into(),
        });
    }

    /// Checks a required string's presence and character length.
    pub fn text(&mut self, path: &str, value: Option<&str>, min: usize, max: usize) {
        match value {
            None if min > 0 => self.add(path, "is required"),
            None => {}
            Some(v) => {
                let n = v.chars().count();
                if n < min || n > max {
                    self.add(path, format!("must be {min} to {max} characters"));
                }
            }
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when empty, else every violation.
    pub fn finish(self) -> Result<(), Vec<Violation>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// A required JSON integer in `min..=max`: the value, or the problem to report at its path
/// (`is required`, `expected integer`, `must be <min> to <max>`). One wording for every body
/// checked by hand (catalog, promotions, payments).
pub fn json_integer(v: Option<&serde_json::Value>, min: i64, max: i64) -> Result<i64, String> {
    match v {
        None | Some(serde_json::Value::Null) => Err("is required".into()),
        Some(serde_json::Value::Number(n)) => match n.as_i64() {
            Some(i) if (min..=max).contains(&i) => Ok(i),
            Some(_) => Err(format!("must be {min} to {max}")),
            None => Err("expected integer".into()),
        },
        Some(_) => Err("expected integer".into()),
    }
}

/// A very small e-mail shape check: something@something.something, no spaces.
pub fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_all() {
        let mut v = Violations::new();
        v.text("name", None, 1, 10);
        v.text("address", Some(""), 1, 10);
        v.text("note", None, 0, 10);
        let errs = v.finish().unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].message(), "name: is required");
        assert_eq!(errs[1].message(), "address: must be 1 to 10 characters");
    }

    #[test]
    fn emails() {
        assert!(looks_like_email("outlet@example.com"));
        assert!(!looks_like_email("outlet.example.com"));
        assert!(!looks_like_email("a@b"));
        assert!(!looks_like_email("a b@c.d"));
    }
}
