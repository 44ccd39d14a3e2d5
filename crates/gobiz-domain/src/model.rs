//! Enumerations of the partner/outlet model (spec §3.1, §5.2).

use std::fmt;

macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire (and stored) name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Parses the wire name.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }

            /// The wire names joined by `, `, for error messages.
            pub fn choices() -> String {
                [$($wire),+].join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// Integration model of a partner (spec §2.1).
    PartnerType { Facilitator = "facilitator", Direct = "direct" }
);

wire_enum!(
    /// A merchant user's role in one merchant (spec §3.1), strongest first.
    Role { Owner = "owner", Admin = "admin", Manager = "manager" }
);

wire_enum!(
    /// What a link covers (spec §3.5).
    Product { Gofood = "gofood", Payment = "payment" }
);

wire_enum!(
    /// How an outlet accepts GoFood orders (spec §5.2).
    AcceptanceMode {
        AutoAccept = "auto_accept",
        AutoAcceptOnTimeout = "auto_accept_on_timeout",
        Manual = "manual",
    }
);

wire_enum!(
    /// Whether an outlet trades (spec §3.4).
    OutletStatus { Active = "active", Inactive = "inactive" }
);

wire_enum!(
    /// Server mode: only changes webhook URL rules and whether the clock may move.
    Mode { Sandbox = "sandbox", Production = "production" }
);

impl Role {
    /// Roles that may link and unlink outlets (spec §3.1).
    pub const LINKERS: &'static [Role] = &[Role::Owner, Role::Admin, Role::Manager];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for p in Product::ALL {
            assert_eq!(Product::parse(p.as_str()), Some(*p));
        }
        assert_eq!(Product::choices(), "gofood, payment");
        assert_eq!(
            AcceptanceMode::parse("manual"),
            Some(AcceptanceMode::Manual)
        );
        assert_eq!(Role::parse("cashier"), None);
    }
}
