//! Identifier formats of spec §1.11.

use rand::Rng;

/// True when `s` has the shape of a generated outlet id: `G` followed by nine digits.
pub fn is_outlet_id_pattern(s: &str) -> bool {
    s.len() == 10 && s.starts_with('G') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// A fresh random outlet id (`G` + 9 digits). Callers retry on the rare collision.
pub fn new_outlet_id<R: Rng>(rng: &mut R) -> String {
    format!("G{:09}", rng.gen_range(0..1_000_000_000u32))
}

/// True when `s` is a valid `client_id`: 1–64 of `[A-Za-z0-9._-]`.
pub fn is_client_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

/// True when `s` is a valid `X-Request-ID`: 1–128 printable ASCII characters.
pub fn is_request_id(s: &str) -> bool {
    (1..=128).contains(&s.len()) && s.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn generated_outlet_ids_match_the_pattern(seed in any::<u64>()) {
            use rand::SeedableRng;
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            prop_assert!(is_outlet_id_pattern(&new_outlet_id(&mut rng)));
        }

        #[test]
        fn request_ids_longer_than_128_are_invalid(s in "[ -~]{129,200}") {
            prop_assert!(!is_request_id(&s));
        }
    }

    #[test]
    fn outlet_pattern_rejects_near_misses() {
        assert!(is_outlet_id_pattern("G000012345"));
        assert!(!is_outlet_id_pattern("G00001234"));
        assert!(!is_outlet_id_pattern("g000012345"));
        assert!(!is_outlet_id_pattern("G1898453S0"));
    }

    #[test]
    fn client_id_rules() {
        assert!(is_client_id("demo-pos.client_1"));
        assert!(!is_client_id(""));
        assert!(!is_client_id("has space"));
        assert!(!is_client_id(&"a".repeat(65)));
    }
}
