//! Identifier formats of spec §1.11.

use rand::Rng;
use serde::{Deserialize, Serialize};

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

/// Declares a string identifier newtype: where an id crosses layers (HTTP path → service →
/// store), its type says which id it is, so two ids cannot be swapped silently. Serialized as
/// the bare string (`#[serde(transparent)]`), so stored documents and bodies keep their bytes;
/// it dereferences to `str` for the store's queries and for formatting.
macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id as received (its format is checked where the spec asks for it).
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned `String`.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.to_string())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

string_id!(
    /// An outlet's id (`G` + 9 digits when generated; spec §1.11).
    OutletId
);
string_id!(
    /// A merchant's id (a UUID).
    MerchantId
);
string_id!(
    /// A partner's id (a UUID).
    PartnerId
);
string_id!(
    /// A GoFood order number (`F-` + digits).
    OrderNumber
);
string_id!(
    /// A QRIS transaction's id (a UUID).
    TransactionId
);
string_id!(
    /// A SKU promotion's id (a UUID).
    PromotionId
);
string_id!(
    /// A notification subscription's id (a UUID).
    SubscriptionId
);
string_id!(
    /// The id a facilitator gave the outlet when linking it (spec §3.5).
    ExternalOutletId
);

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
    fn ids_keep_their_bytes_and_compare_with_text() {
        let id = OutletId::new("G000012345");
        assert_eq!(
            serde_json::to_string(&id).unwrap_or_default(),
            "\"G000012345\""
        );
        let back: OutletId = serde_json::from_str("\"G000012345\"").unwrap_or_default();
        assert_eq!(back, id);
        assert_eq!(id, "G000012345");
        assert_eq!(id.len(), 10, "derefs to str");
        assert_eq!(format!("{id}"), "G000012345");
        assert_eq!(OrderNumber::from("F-1").into_string(), "F-1");
    }

    #[test]
    fn client_id_rules() {
        assert!(is_client_id("demo-pos.client_1"));
        assert!(!is_client_id(""));
        assert!(!is_client_id("has space"));
        assert!(!is_client_id(&"a".repeat(65)));
    }
}
