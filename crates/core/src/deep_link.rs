//! The `app.evergreen:` links the operating system hands to Evergreen.
//!
//! Any local program can open a URL with our scheme, so every link is hostile input. This
//! module is the one place that reads them: it accepts exactly the two forms the relay
//! produces and rejects everything else with a typed [`Error`]. It never panics and never
//! allocates more than a bounded multiple of [`MAX_LEN`].
//!
//! ```text
//! app.evergreen:/oauth/instagram?handoff=H&state=S
//! app.evergreen:/oauth/instagram?error=access_denied&error_description=…&state=S
//! app.evergreen:/oauth/threads?handoff=H&state=S
//! ```
//!
//! The path names the network the sign-in was for (`/oauth/<network>`, the network's stored
//! word); the flow it answers must be for the same one.
//!
//! A trailing empty fragment or `#_` is tolerated: Instagram appends `#_` to its redirect and
//! browsers carry a fragment across the relay's 302 when the new location has none.

use std::fmt;

use crate::account::Network;

/// The URL scheme Evergreen registers (reverse-domain, as RFC 8252 §7.1 asks of native apps).
pub const SCHEME: &str = "app.evergreen";
/// The path of a link for `network`: `/oauth/instagram`, `/oauth/threads`.
pub fn path_of(network: Network) -> String {
    format!("/oauth/{}", network.as_str())
}
/// Longest link accepted, in bytes. Real links are under 400 bytes.
pub const MAX_LEN: usize = 2048;
/// Longest `handoff` or `state` value.
const MAX_ID_LEN: usize = 128;
/// Longest `error` code.
const MAX_ERROR_LEN: usize = 64;
/// Longest decoded `error_description`, in characters.
const MAX_DESCRIPTION_LEN: usize = 500;

/// Why a link was refused. The `Display` text completes "This link can't be used: …".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Longer than [`MAX_LEN`].
    #[error("it is {len} bytes long, far longer than any link Evergreen makes")]
    TooLong {
        /// Length of the refused input in bytes.
        len: usize,
    },
    /// A control character, a space or a non-ASCII byte in the raw link.
    #[error("it contains a character that links cannot contain")]
    InvalidCharacter,
    /// Not `app.evergreen:`.
    #[error("it is not an Evergreen link")]
    WrongScheme,
    /// `app.evergreen://something/…`: our links have no host.
    #[error("it names a host, and Evergreen's links never do")]
    UnexpectedHost,
    /// A path other than a network's ([`path_of`]).
    #[error("it points to a place in Evergreen that does not exist")]
    WrongPath,
    /// A fragment other than empty or `_`.
    #[error("it has an unexpected ending after '#'")]
    UnexpectedFragment,
    /// Empty parameters, or a parameter without `=`.
    #[error("its parameters are malformed")]
    MalformedQuery,
    /// A `%` not followed by two hex digits, or text that is not UTF-8.
    #[error("it contains badly encoded text")]
    BadEncoding,
    /// A required parameter is absent.
    #[error("it is missing its `{0}` parameter")]
    MissingParameter(&'static str),
    /// A parameter appears twice.
    #[error("it repeats its `{0}` parameter")]
    DuplicateParameter(&'static str),
    /// A parameter Evergreen never sends.
    #[error("it carries a parameter Evergreen never sends")]
    UnknownParameter,
    /// A parameter's value is outside its allowed characters or length.
    #[error("its `{0}` parameter is not valid")]
    InvalidValue(&'static str),
    /// Both a `handoff` and an `error`, or an error description without an error.
    #[error("it mixes a result with an error")]
    Conflicting,
}

/// One-time id of a token handoff waiting at the relay. Useless without the PKCE verifier
/// that never left the app, but still not printed in full.
#[derive(Clone, PartialEq, Eq)]
pub struct HandoffId(String);

impl HandoffId {
    /// The id as sent to the relay.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for HandoffId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HandoffId([redacted])")
    }
}

/// The `state` of a connect flow: the key under which the app keeps the flow pending.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FlowState(String);

impl FlowState {
    /// Wrap a state the app generated itself.
    pub fn new(state: String) -> Result<Self, Error> {
        if is_id(&state) { Ok(Self(state)) } else { Err(Error::InvalidValue("state")) }
    }

    /// The state as it appears in URLs.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A link that passed every check. Whether its `state` is one of ours is decided elsewhere
/// (`connect`): this type only says the link is well formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeepLink {
    /// The relay holds a token for us under `handoff`.
    Handoff {
        /// The network the sign-in was for.
        network: Network,
        /// Redeemable once, with the flow's verifier.
        handoff: HandoffId,
        /// The flow this answers.
        state: FlowState,
    },
    /// The flow ended in an error at the relay or at the network.
    Failure {
        /// The network the sign-in was for.
        network: Network,
        /// The flow this answers.
        state: FlowState,
        /// A machine code such as `access_denied`: lowercase letters, digits and `_`.
        error: String,
        /// Free text from the relay, already decoded; never shown without our own wording.
        description: Option<String>,
    },
}

impl DeepLink {
    /// The `state` the link answers.
    pub fn state(&self) -> &FlowState {
        match self {
            Self::Handoff { state, .. } | Self::Failure { state, .. } => state,
        }
    }

    /// The network the link's sign-in was for.
    pub fn network(&self) -> Network {
        match self {
            Self::Handoff { network, .. } | Self::Failure { network, .. } => *network,
        }
    }

    /// Parse a link. See the module docs for what is accepted.
    pub fn parse(input: &str) -> Result<Self, Error> {
        if input.len() > MAX_LEN {
            return Err(Error::TooLong { len: input.len() });
        }
        if !input.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::InvalidCharacter);
        }
        let (scheme, rest) = input.split_once(':').ok_or(Error::WrongScheme)?;
        if !scheme.eq_ignore_ascii_case(SCHEME) {
            return Err(Error::WrongScheme);
        }
        let rest = match rest.split_once('#') {
            None => rest,
            Some((before, "" | "_")) => before,
            Some(_) => return Err(Error::UnexpectedFragment),
        };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        if path.starts_with("//") {
            return Err(Error::UnexpectedHost);
        }
        let network = Network::ALL.into_iter().find(|n| path == path_of(*n)).ok_or(Error::WrongPath)?;
        Self::from_params(network, parse_query(query)?)
    }

    fn from_params(network: Network, params: Params) -> Result<Self, Error> {
        let state = params.state.ok_or(Error::MissingParameter("state"))?;
        if !is_id(&state) {
            return Err(Error::InvalidValue("state"));
        }
        let state = FlowState(state);
        match (params.handoff, params.error) {
            (Some(_), Some(_)) => Err(Error::Conflicting),
            (Some(handoff), None) => {
                if params.error_description.is_some() {
                    return Err(Error::Conflicting);
                }
                if !is_id(&handoff) {
                    return Err(Error::InvalidValue("handoff"));
                }
                Ok(Self::Handoff { network, handoff: HandoffId(handoff), state })
            }
            (None, Some(error)) => {
                if !is_error_code(&error) {
                    return Err(Error::InvalidValue("error"));
                }
                if let Some(d) = &params.error_description
                    && (d.chars().count() > MAX_DESCRIPTION_LEN || d.chars().any(char::is_control))
                {
                    return Err(Error::InvalidValue("error_description"));
                }
                Ok(Self::Failure { network, state, error, description: params.error_description })
            }
            (None, None) => Err(Error::MissingParameter("handoff")),
        }
    }

    /// The canonical URL of this link: what the relay sends and what [`parse`](Self::parse)
    /// reads back to an equal value.
    pub fn to_url(&self) -> String {
        let mut url = format!("{SCHEME}:{}?", path_of(self.network()));
        match self {
            Self::Handoff { handoff, state, .. } => {
                url.push_str(&format!("handoff={}&state={}", handoff.0, state.0));
            }
            Self::Failure { state, error, description, .. } => {
                url.push_str(&format!("error={error}"));
                if let Some(d) = description {
                    url.push_str("&error_description=");
                    percent_encode_into(d, &mut url);
                }
                url.push_str(&format!("&state={}", state.0));
            }
        }
        url
    }
}

/// The parameters a link may carry, each at most once.
#[derive(Default)]
struct Params {
    handoff: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn parse_query(query: &str) -> Result<Params, Error> {
    let mut params = Params::default();
    if query.is_empty() {
        return Ok(params);
    }
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').ok_or(Error::MalformedQuery)?;
        if key.is_empty() {
            return Err(Error::MalformedQuery);
        }
        let (name, slot) = match percent_decode(key)?.as_str() {
            "handoff" => ("handoff", &mut params.handoff),
            "state" => ("state", &mut params.state),
            "error" => ("error", &mut params.error),
            "error_description" => ("error_description", &mut params.error_description),
            _ => return Err(Error::UnknownParameter),
        };
        if slot.is_some() {
            return Err(Error::DuplicateParameter(name));
        }
        *slot = Some(percent_decode(value)?);
    }
    Ok(params)
}

/// Strict `application/x-www-form-urlencoded` decoding: `+` is a space, every `%` must be
/// followed by two hex digits, and the result must be UTF-8.
fn percent_decode(s: &str) -> Result<String, Error> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|b| hex_value(*b));
                let lo = bytes.get(i + 2).and_then(|b| hex_value(*b));
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err(Error::BadEncoding),
                }
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| Error::BadEncoding)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Encode everything but RFC 3986's unreserved characters.
fn percent_encode_into(s: &str, out: &mut String) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// Ids (`handoff`, `state`) are URL-safe base64 alphabets, so they never need encoding.
fn is_id(s: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_error_code(s: &str) -> bool {
    (1..=MAX_ERROR_LEN).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn refused(input: &str, expected: Error) {
        assert_eq!(DeepLink::parse(input), Err(expected), "input: {input:.80}");
    }

    #[test]
    fn handoff_link_is_accepted() {
        let link = DeepLink::parse("app.evergreen:/oauth/instagram?handoff=abc_DEF-1&state=xyz")
            .expect("well-formed link");
        assert_eq!(link.state().as_str(), "xyz");
        let DeepLink::Handoff { handoff, .. } = link else { panic!("not a handoff") };
        assert_eq!(handoff.as_str(), "abc_DEF-1");
    }

    #[test]
    fn error_link_is_accepted_and_decoded() {
        let link = DeepLink::parse(
            "app.evergreen:/oauth/instagram?error=access_denied&error_description=The+user%20said%20no&state=s1",
        )
        .expect("well-formed error link");
        assert_eq!(
            link,
            DeepLink::Failure {
                network: Network::Instagram,
                state: FlowState("s1".into()),
                error: "access_denied".into(),
                description: Some("The user said no".into()),
            }
        );
    }

    #[test]
    fn parameter_order_and_scheme_case_do_not_matter() {
        let a = DeepLink::parse("APP.Evergreen:/oauth/instagram?state=s&handoff=h").unwrap();
        let b = DeepLink::parse("app.evergreen:/oauth/instagram?handoff=h&state=s").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn instagram_fragment_is_tolerated() {
        assert!(DeepLink::parse("app.evergreen:/oauth/instagram?handoff=h&state=s#_").is_ok());
        assert!(DeepLink::parse("app.evergreen:/oauth/instagram?handoff=h&state=s#").is_ok());
        refused("app.evergreen:/oauth/instagram?handoff=h&state=s#x", Error::UnexpectedFragment);
    }

    #[test]
    fn malformed_links_are_refused_with_the_reason() {
        let long = format!("app.evergreen:/oauth/instagram?handoff={}&state=s", "a".repeat(100_000));
        refused(&long, Error::TooLong { len: long.len() });
        refused("evergreen:/oauth/instagram?handoff=h&state=s", Error::WrongScheme);
        refused("https://example.com/oauth/instagram?handoff=h&state=s", Error::WrongScheme);
        refused("no colon at all", Error::InvalidCharacter);
        refused("nocolon", Error::WrongScheme);
        refused("app.evergreen://evil/oauth/instagram?handoff=h&state=s", Error::UnexpectedHost);
        refused("app.evergreen:/oauth/facebook?handoff=h&state=s", Error::WrongPath);
        refused("app.evergreen:/oauth/instagram/?handoff=h&state=s", Error::WrongPath);
        refused("app.evergreen:/oauth/instagram", Error::MissingParameter("state"));
        refused("app.evergreen:/oauth/instagram?state=s", Error::MissingParameter("handoff"));
        refused("app.evergreen:/oauth/instagram?handoff=h", Error::MissingParameter("state"));
        refused(
            "app.evergreen:/oauth/instagram?handoff=h&state=s&state=t",
            Error::DuplicateParameter("state"),
        );
        refused(
            "app.evergreen:/oauth/instagram?handoff=h&handoff=h&state=s",
            Error::DuplicateParameter("handoff"),
        );
        refused("app.evergreen:/oauth/instagram?handoff=h&state=s&x=1", Error::UnknownParameter);
        refused("app.evergreen:/oauth/instagram?handoff=h&&state=s", Error::MalformedQuery);
        refused("app.evergreen:/oauth/instagram?handoff&state=s", Error::MalformedQuery);
        refused("app.evergreen:/oauth/instagram?handoff=%4&state=s", Error::BadEncoding);
        refused("app.evergreen:/oauth/instagram?handoff=%zz&state=s", Error::BadEncoding);
        refused("app.evergreen:/oauth/instagram?handoff=%FF&state=s", Error::BadEncoding);
        refused("app.evergreen:/oauth/instagram?handoff=h%0A&state=s", Error::InvalidValue("handoff"));
        refused("app.evergreen:/oauth/instagram?handoff=h&state=s\n", Error::InvalidCharacter);
        refused("app.evergreen:/oauth/instagram?handoff=h&state=s\u{0}", Error::InvalidCharacter);
        refused("app.evergreen:/oauth/instagram?handoff=hé&state=s", Error::InvalidCharacter);
        refused("app.evergreen:/oauth/instagram?handoff=h&state=a.b", Error::InvalidValue("state"));
        refused("app.evergreen:/oauth/instagram?handoff=&state=s", Error::InvalidValue("handoff"));
        refused("app.evergreen:/oauth/instagram?handoff=h&error=x&state=s", Error::Conflicting);
        refused("app.evergreen:/oauth/instagram?handoff=h&error_description=x&state=s", Error::Conflicting);
        refused("app.evergreen:/oauth/instagram?error=Bad-Code&state=s", Error::InvalidValue("error"));
        refused(
            "app.evergreen:/oauth/instagram?error=x&error_description=a%07b&state=s",
            Error::InvalidValue("error_description"),
        );
        refused(
            &format!(
                "app.evergreen:/oauth/instagram?error=x&error_description={}&state=s",
                "a".repeat(MAX_DESCRIPTION_LEN + 1)
            ),
            Error::InvalidValue("error_description"),
        );
        refused(
            &format!("app.evergreen:/oauth/instagram?handoff=h&state={}", "s".repeat(MAX_ID_LEN + 1)),
            Error::InvalidValue("state"),
        );
    }

    #[test]
    fn handoff_ids_do_not_print() {
        let link = DeepLink::parse("app.evergreen:/oauth/instagram?handoff=SECRETID&state=s").unwrap();
        assert!(!format!("{link:?}").contains("SECRETID"), "Debug must redact the handoff id");
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn id() -> impl Strategy<Value = String> {
            "[A-Za-z0-9_-]{1,128}"
        }

        fn network() -> impl Strategy<Value = Network> {
            proptest::sample::select(Network::ALL.to_vec())
        }

        fn link() -> impl Strategy<Value = DeepLink> {
            prop_oneof![
                (network(), id(), id()).prop_map(|(network, h, s)| DeepLink::Handoff {
                    network,
                    handoff: HandoffId(h),
                    state: FlowState(s)
                }),
                (network(), id(), "[a-z0-9_]{1,64}", proptest::option::of("[^\\p{Cc}]{0,200}")).prop_map(
                    |(network, s, error, description)| DeepLink::Failure {
                        network,
                        state: FlowState(s),
                        error,
                        description
                    }
                ),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            #[test]
            fn accepted_links_round_trip(link in link()) {
                let url = link.to_url();
                prop_assert!(url.len() <= MAX_LEN);
                prop_assert_eq!(DeepLink::parse(&url), Ok(link));
            }

            #[test]
            fn arbitrary_text_never_panics(input in "\\PC{0,300}") {
                let _ = DeepLink::parse(&input);
            }

            #[test]
            fn mutated_links_never_panic(link in link(), at in 0usize..400, byte in any::<u8>()) {
                let mut bytes = link.to_url().into_bytes();
                let at = at % bytes.len();
                bytes[at] = byte;
                if let Ok(s) = String::from_utf8(bytes) {
                    let _ = DeepLink::parse(&s);
                }
            }

            #[test]
            fn prefixed_garbage_after_scheme_never_panics(rest in "[ -~]{0,300}") {
                let _ = DeepLink::parse(&format!("app.evergreen:{rest}"));
            }
        }
    }
}
