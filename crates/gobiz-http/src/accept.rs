//! `Accept` negotiation of spec §1.9.

/// True when the `Accept` header value allows our JSON responses.
pub fn acceptable(raw: &str) -> bool {
    let mut any_ok = false;
    for member in raw.split(',') {
        let mut parts = member.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        if media.is_empty() {
            continue;
        }
        let mut q = 1.0f32;
        for p in parts {
            if let Some((k, v)) = p.split_once('=') {
                if k.trim().eq_ignore_ascii_case("q") {
                    q = v.trim().parse().unwrap_or(0.0);
                }
            }
        }
        if media.starts_with("application/vnd.eim.") && media != "application/vnd.eim.v1+json" {
            return false;
        }
        let supported = matches!(
            media.as_str(),
            "*/*" | "application/*" | "application/json" | "application/vnd.eim.v1+json"
        );
        if supported && q > 0.0 {
            any_ok = true;
        }
    }
    any_ok
}

#[cfg(test)]
mod tests {
    use super::acceptable;

    #[test]
    fn table_of_spec_1_9() {
        for ok in [
            "*/*",
            "application/*",
            "application/json",
            "application/json; charset=utf-8",
            "application/vnd.eim.v1+json",
            "text/html, application/json;q=0.5",
        ] {
            assert!(acceptable(ok), "{ok}");
        }
        for bad in [
            "text/html",
            "application/xml",
            "application/json;q=0",
            "application/vnd.eim.v0+json",
            "application/json, application/vnd.eim.v2+json",
        ] {
            assert!(!acceptable(bad), "{bad}");
        }
    }
}
