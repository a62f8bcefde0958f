//! The client's address, for the per-address login limit (SPEC §7).
//!
//! Behind a load balancer every connection comes from the balancer, so the TCP peer
//! names the balancer, not the client. When the peer is one of the operator's trusted
//! proxies (`AGIR_TRUSTED_PROXIES`), the address comes from `X-Forwarded-For`, read from
//! the right: the first entry that is not itself a trusted proxy is the client (entries
//! further left were written by the client and prove nothing). An untrusted peer's
//! header is ignored, so clients cannot pick their own address.

use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

/// The address a request counts against.
pub fn client_ip(req: &HttpRequest, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip());
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok());
    resolve(peer, forwarded, trusted)
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    let ip = canonical(ip);
    trusted.iter().any(|net| net.contains(&ip))
}

/// IPv4 addresses mapped into IPv6 (`::ffff:10.0.0.1`) compare as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

fn resolve<'a>(
    peer: Option<IpAddr>,
    forwarded: impl Iterator<Item = &'a str>,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let peer = peer.map(canonical)?;
    if !is_trusted(peer, trusted) {
        return Some(peer);
    }
    // Several headers count as one list, in order.
    let hops: Vec<&str> = forwarded
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            // Not an address (garbage, or `unknown`): nothing further left can be trusted.
            break;
        };
        client = canonical(ip);
        if !is_trusted(client, trusted) {
            break;
        }
    }
    Some(client)
}

/// Parses `AGIR_TRUSTED_PROXIES`: comma-separated addresses or CIDR ranges.
pub fn parse_trusted(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("AGIR_TRUSTED_PROXIES: `{s}` is not an address or a range such as 10.0.0.0/8")
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(s: &str) -> Vec<IpNet> {
        parse_trusted(s).unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let trusted = nets("10.0.0.0/8");
        assert_eq!(
            resolve(
                Some(ip("203.0.113.9")),
                ["198.51.100.1"].into_iter(),
                &trusted
            ),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            resolve(Some(ip("203.0.113.9")), ["1.2.3.4"].into_iter(), &[]),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = nets("10.0.0.0/8, 192.168.1.7");
        // The client forged the first entry; the balancer appended the real address.
        assert_eq!(
            resolve(
                Some(ip("10.1.2.3")),
                ["6.6.6.6, 203.0.113.9", "192.168.1.7"].into_iter(),
                &trusted
            ),
            Some(ip("203.0.113.9"))
        );
        // Only proxies: the leftmost one stands for the client.
        assert_eq!(
            resolve(Some(ip("10.1.2.3")), ["10.9.9.9"].into_iter(), &trusted),
            Some(ip("10.9.9.9"))
        );
        // No header: the proxy itself.
        assert_eq!(
            resolve(Some(ip("10.1.2.3")), std::iter::empty(), &trusted),
            Some(ip("10.1.2.3"))
        );
        // Garbage stops the walk at the last good hop.
        assert_eq!(
            resolve(
                Some(ip("10.1.2.3")),
                ["203.0.113.5, unknown, 10.0.0.4"].into_iter(),
                &trusted
            ),
            Some(ip("10.0.0.4"))
        );
    }

    #[test]
    fn mapped_ipv4_addresses_match_ipv4_ranges() {
        let trusted = nets("127.0.0.1");
        assert_eq!(
            resolve(
                Some(ip("::ffff:127.0.0.1")),
                ["2001:db8::1"].into_iter(),
                &trusted
            ),
            Some(ip("2001:db8::1"))
        );
    }

    #[test]
    fn the_setting_names_what_it_cannot_read() {
        assert_eq!(nets("").len(), 0);
        assert_eq!(nets("10.0.0.0/8,::1").len(), 2);
        let err = parse_trusted("10.0.0.0/8, proxy.local").unwrap_err();
        assert!(err.contains("`proxy.local`"), "{err}");
    }
}
