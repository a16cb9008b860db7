//! Our own extractors: JSON whose rejections answer in our error shape, and the client
//! address rate limits are keyed on.

use std::net::{IpAddr, SocketAddr};

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::error::Error;
use crate::state::AppState;

/// `axum::Json`, but a malformed body is our `bad_request` (or `too_large`).
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(Error))]
pub struct AppJson<T>(pub T);

impl From<JsonRejection> for Error {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Error::TooLarge;
        }
        // axum's text names what was wrong (missing field, wrong type) and never echoes values.
        Error::BadRequest(rejection.body_text())
    }
}

/// The client, as rate limits and per-client caps key it: the peer's address, or — when the
/// peer is one of `trusted_proxies` proxies in `proxy_networks` — the address the outermost
/// trusted proxy saw (counted from the right of `X-Forwarded-For`: what a client writes there
/// itself comes first and is ignored). A client that reaches the relay around its proxy
/// cannot choose its key by writing the header.
/// An IPv6 client is keyed by its /64, which one household or office usually holds whole.
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let peer = peer.unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let client = if state.config.is_trusted_proxy(peer) {
            forwarded_client(&parts.headers, state.config.trusted_proxies).unwrap_or(peer)
        } else {
            peer
        };
        Ok(Self(client_key(client)))
    }
}

/// The address `hops` trusted proxies say the request came from, if all their entries are
/// there and the one that names the client is readable (fewer entries than proxies: the header
/// did not come through them all). Split as bytes: what the client wrote before them, readable
/// or not, is never looked at, so unreadable bytes cannot move it to the proxy's own key.
fn forwarded_client(headers: &axum::http::HeaderMap, hops: usize) -> Option<IpAddr> {
    let entries: Vec<&[u8]> = headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|value| value.as_bytes().split(|b| *b == b','))
        .map(<[u8]>::trim_ascii)
        .collect();
    // The last `hops` entries were written by our proxies; the one they name first is the
    // client as the outermost proxy saw it.
    let at = entries.len().checked_sub(hops)?;
    std::str::from_utf8(entries.get(at)?).ok()?.parse().ok()
}

/// IPv4 as it is; IPv6 by its /64 (and an IPv4-mapped IPv6 address as the IPv4 one).
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> axum::http::HeaderMap {
        let mut h = axum::http::HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_client_is_counted_from_the_right() {
        let forged = headers(&["1.1.1.1, 2.2.2.2, 203.0.113.7"]);
        assert_eq!(
            forwarded_client(&forged, 1),
            Some("203.0.113.7".parse().unwrap()),
            "what our proxy added"
        );
        assert_eq!(forwarded_client(&forged, 2), Some("2.2.2.2".parse().unwrap()));
        let two_headers = headers(&["9.9.9.9", "203.0.113.7"]);
        assert_eq!(forwarded_client(&two_headers, 1), Some("203.0.113.7".parse().unwrap()));
        assert_eq!(forwarded_client(&headers(&["not an address"]), 1), None);
        assert_eq!(forwarded_client(&headers(&[]), 1), None);
        assert_eq!(forwarded_client(&headers(&["203.0.113.7"]), 2), None, "fewer entries than proxies");
        let mut unreadable = axum::http::HeaderMap::new();
        unreadable.append(
            "x-forwarded-for",
            axum::http::HeaderValue::from_bytes(b"\xff\xfe, 203.0.113.7").unwrap(),
        );
        assert_eq!(
            forwarded_client(&unreadable, 1),
            Some("203.0.113.7".parse().unwrap()),
            "what the client wrote before is never read, readable or not"
        );
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        assert_eq!(client_key("::ffff:192.0.2.1".parse().unwrap()), "192.0.2.1".parse::<IpAddr>().unwrap());
    }
}
