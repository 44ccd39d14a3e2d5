//! Receiver URL rules of spec §9.3. Production: https, port 443 or 80, and no host that
//! resolves to a loopback, private, link-local, unique-local, shared or metadata address —
//! checked at subscription time and again before every request (DNS rebinding). Sandbox:
//! http too, any port, loopback allowed.
//!
//! An IPv6 address that carries an IPv4 address (IPv4-compatible, IPv4-mapped, NAT64, 6to4,
//! Teredo) is judged by the IPv4 address it carries, so no IPv6 spelling reaches a forbidden
//! IPv4 host.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why a URL is refused, phrased for `url: <reason>`.
pub type Refusal = String;

/// True for addresses a production server must never call.
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (18..20).contains(&o[1]))
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            // NAT64 local-use prefix (RFC 8215): not globally reachable (IANA), and where the
            // IPv4 address sits depends on the prefix length each network picks, so no single
            // reading of it is safe.
            if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2] == 1 {
                return true;
            }
            if embedded_ipv4(v6)
                .into_iter()
                .any(|v4| is_forbidden_ip(IpAddr::V4(v4)))
            {
                return true;
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00
                || (seg[0] & 0xffc0) == 0xfe80
                || (seg[0] == 0xfd00 && seg[1] == 0x0ec2)
        }
    }
}

/// The IPv4 addresses an IPv6 address carries: IPv4-compatible `::a.b.c.d` (::/96),
/// IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d` (RFC 6052), 6to4 `2002:AABB:CCDD::/48`
/// (RFC 3056) and Teredo `2001:0:SSSS:SSSS:…:CCCC:CCCC` (RFC 4380: the server's address in
/// bits 32..64, the client's in the last 32 bits, inverted). Empty for other addresses.
pub fn embedded_ipv4(v6: Ipv6Addr) -> Vec<Ipv4Addr> {
    fn v4(hi: u16, lo: u16) -> Ipv4Addr {
        Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo))
    }
    let s = v6.segments();
    let low = v4(s[6], s[7]);
    match s {
        // IPv4-compatible (deprecated, also `::` and `::1`) and IPv4-mapped.
        [0, 0, 0, 0, 0, 0, _, _] | [0, 0, 0, 0, 0, 0xffff, _, _] => vec![low],
        // NAT64 well-known prefix.
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => vec![low],
        // 6to4.
        [0x2002, hi, lo, ..] => vec![v4(hi, lo)],
        // Teredo: server, and client (obfuscated by inverting every bit).
        [0x2001, 0, sh, sl, _, _, ch, cl] => vec![v4(sh, sl), v4(!ch, !cl)],
        _ => Vec::new(),
    }
}

/// Checks the URL's shape (both modes) and scheme/port (production).
pub fn check_shape(raw: &str, production: bool) -> Result<url::Url, Refusal> {
    let url = url::Url::parse(raw).map_err(|_| "must be an absolute http(s) URL".to_string())?;
    if raw.len() > 2000 {
        return Err("must be at most 2000 characters".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("must have a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials".into());
    }
    if url.fragment().is_some() {
        return Err("must not have a fragment".into());
    }
    match (url.scheme(), production) {
        ("https", true) => {}
        ("http" | "https", false) => {}
        _ if production => return Err("must be an https URL on port 80 or 443".into()),
        _ => return Err("must be an http or https URL".into()),
    }
    if production && !matches!(url.port_or_known_default(), Some(80 | 443)) {
        return Err("must be an https URL on port 80 or 443".into());
    }
    Ok(url)
}

/// Full check in production: shape, then every resolved address.
pub async fn check(raw: &str, production: bool) -> Result<url::Url, Refusal> {
    let url = check_shape(raw, production)?;
    if production {
        let host = url
            .host_str()
            .unwrap_or_default()
            .trim_matches(['[', ']'])
            .to_string();
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|_| "host does not resolve".to_string())?
                .map(|a| a.ip())
                .collect(),
        };
        if addrs.is_empty() || addrs.into_iter().any(is_forbidden_ip) {
            return Err(
                "must not point at a loopback, private, link-local or metadata address".into(),
            );
        }
    }
    Ok(url)
}

/// The error of a refused resolution; [`is_forbidden_resolution`] finds it in a request error.
#[derive(Debug)]
pub struct ForbiddenAddress(pub String);

impl std::fmt::Display for ForbiddenAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} resolves to a forbidden address", self.0)
    }
}

impl std::error::Error for ForbiddenAddress {}

/// The production HTTP client's resolver: it resolves a receiver's host and refuses it when
/// any address is forbidden, so the address a request connects to is always one that passed
/// the guard. [`check`] resolves too, before the request, for a clear refusal; without this
/// resolver a DNS answer that changed between that check and the connection (DNS rebinding)
/// would slip through.
#[derive(Debug, Clone, Copy, Default)]
pub struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let addrs: reqwest::dns::Addrs = Box::new(guard_resolved(&host, addrs)?.into_iter());
            Ok(addrs)
        })
    }
}

/// The resolver's rule: the addresses of `host` when there are some and none is forbidden.
pub fn guard_resolved(
    host: &str,
    addrs: Vec<std::net::SocketAddr>,
) -> Result<Vec<std::net::SocketAddr>, ForbiddenAddress> {
    if addrs.is_empty() || addrs.iter().any(|a| is_forbidden_ip(a.ip())) {
        return Err(ForbiddenAddress(host.to_string()));
    }
    Ok(addrs)
}

/// True when `e` (or an error it wraps) is a refusal of [`GuardedResolver`].
pub fn is_forbidden_resolution(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<ForbiddenAddress>() {
            return true;
        }
        source = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_forbidden_ip(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(!is_forbidden_ip(ip.parse().unwrap()), "{ip}");
        }
    }

    /// Every IPv6 spelling that carries a forbidden IPv4 address, and one that carries a
    /// public one, per family.
    const EMBEDDING: &[(&str, bool)] = &[
        // IPv4-compatible (::/96).
        ("::127.0.0.1", true),
        ("::10.0.0.1", true),
        ("::169.254.169.254", true),
        ("::8.8.8.8", false),
        // IPv4-mapped (::ffff:0:0/96).
        ("::ffff:127.0.0.1", true),
        ("::ffff:192.168.0.1", true),
        ("::ffff:8.8.8.8", false),
        // NAT64 well-known prefix (64:ff9b::/96).
        ("64:ff9b::127.0.0.1", true),
        ("64:ff9b::10.1.2.3", true),
        ("64:ff9b::169.254.169.254", true),
        ("64:ff9b::8.8.8.8", false),
        // NAT64 local-use prefix (64:ff9b:1::/48): refused whatever it carries.
        ("64:ff9b:1::127.0.0.1", true),
        ("64:ff9b:1:7f00:1::", true),
        ("64:ff9b:1::8.8.8.8", true),
        // 6to4 (2002::/16, IPv4 in bits 16..48).
        ("2002:7f00:1::", true),
        ("2002:a00:1::1", true),
        ("2002:a9fe:a9fe::1", true),
        ("2002:808:808::1", false),
        // Teredo (2001::/32): server in bits 32..64, client inverted in the last 32 bits.
        ("2001:0:7f00:1::", true),
        ("2001:0:808:808::80ff:fffe", true),
        ("2001:0:808:808::f5ff:fffe", true),
        ("2001:0:808:808::f7f7:f7f7", false),
    ];

    #[test]
    fn ipv6_spellings_of_forbidden_ipv4_addresses() {
        for (ip, forbidden) in EMBEDDING {
            let parsed: IpAddr = ip.parse().unwrap();
            assert_eq!(is_forbidden_ip(parsed), *forbidden, "{ip}");
        }
        assert_eq!(
            embedded_ipv4("2001:0:4136:e378:8000:63bf:3fff:fdd2".parse().unwrap()),
            vec![
                Ipv4Addr::new(65, 54, 227, 120),
                Ipv4Addr::new(192, 0, 2, 45)
            ],
            "RFC 4380's example"
        );
        assert!(embedded_ipv4("2606:4700:4700::1111".parse().unwrap()).is_empty());
    }

    #[tokio::test]
    async fn production_refuses_ipv6_spellings_at_registration_and_connection() {
        for (ip, forbidden) in EMBEDDING {
            let url = format!("https://[{ip}]/x");
            assert_eq!(check(&url, true).await.is_err(), *forbidden, "{url}");
            assert!(check(&url, false).await.is_ok(), "sandbox allows {url}");
            let resolved = vec![std::net::SocketAddr::new(ip.parse().unwrap(), 443)];
            assert_eq!(
                guard_resolved("receiver.example", resolved).is_err(),
                *forbidden,
                "resolver, {ip}"
            );
        }
        // One bad address among good ones is enough to refuse the host.
        let mixed = vec![
            "8.8.8.8:443".parse().unwrap(),
            "[64:ff9b::7f00:1]:443".parse().unwrap(),
        ];
        assert!(guard_resolved("receiver.example", mixed).is_err());
    }

    #[test]
    fn shapes_by_mode() {
        assert!(check_shape("http://127.0.0.1:9000/hook", false).is_ok());
        assert!(check_shape("http://example.com/hook", true).is_err());
        assert!(check_shape("https://example.com:8443/hook", true).is_err());
        assert!(check_shape("https://example.com/hook", true).is_ok());
        assert!(check_shape("ftp://example.com/", false).is_err());
        assert!(check_shape("not a url", false).is_err());
        assert!(check_shape("https://u:p@example.com/", false).is_err());
    }

    #[tokio::test]
    async fn the_resolver_refuses_hosts_with_forbidden_addresses() {
        use reqwest::dns::Resolve;
        use std::str::FromStr;
        let name = reqwest::dns::Name::from_str("localhost").unwrap();
        let err = match GuardedResolver.resolve(name).await {
            Ok(_) => panic!("localhost must be refused"),
            Err(e) => e,
        };
        assert!(is_forbidden_resolution(err.as_ref()), "{err}");

        // Through a real client: the connection is never made.
        let client = reqwest::Client::builder()
            .dns_resolver(std::sync::Arc::new(GuardedResolver))
            .build()
            .unwrap();
        let err = client
            .get("http://localhost:9/")
            .send()
            .await
            .expect_err("refused");
        assert!(is_forbidden_resolution(&err), "{err:?}");
    }

    #[tokio::test]
    async fn production_refuses_loopback_literals() {
        assert!(check("https://127.0.0.1/hook", true).await.is_err());
        assert!(check("https://[::1]/hook", true).await.is_err());
        assert!(check("https://169.254.169.254/latest", true).await.is_err());
        assert!(check("https://8.8.8.8/hook", true).await.is_ok());
    }
}
