//! Indonesian phone numbers as merchants type them (spec §2.5).

/// Normalises `08…`, `628…` and `+628…` to `+628…`; `None` when it is not such a number.
/// Spaces and dashes are ignored. The national part after `8` must have 7–12 digits.
pub fn normalize(input: &str) -> Option<String> {
    let cleaned: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let rest = if let Some(r) = cleaned.strip_prefix("+62") {
        r
    } else if let Some(r) = cleaned.strip_prefix("62") {
        r
    } else {
        cleaned.strip_prefix('0')?
    };
    let ok = rest.starts_with('8')
        && (8..=13).contains(&rest.len())
        && rest.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| format!("+62{rest}"))
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn all_three_forms_normalise_alike() {
        for input in [
            "081234567890",
            "6281234567890",
            "+6281234567890",
            "0812-3456-7890",
        ] {
            assert_eq!(
                normalize(input).as_deref(),
                Some("+6281234567890"),
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_other_numbers() {
        for input in [
            "",
            "12345",
            "+6512345678",
            "0712345678",
            "08123abc567",
            "081",
        ] {
            assert_eq!(normalize(input), None, "{input}");
        }
    }
}
