//! Remove secrets from text before it goes anywhere a person or a log can see it.
//!
//! Instagram's URLs carry `access_token` and `client_secret` in the query, and error messages
//! can echo what was sent. Everything this crate turns into an error message passes here.

/// Replace every secret-looking part of `text` with `[redacted]`: the values in `known`,
/// `access_token=`/`client_secret=`/`code=` query values, and anything shaped like an
/// Instagram or Facebook token (`IGAA…`, `IGQV…`, `EAA…`).
pub fn scrub(text: &str, known: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in known.iter().filter(|s| s.len() >= 8) {
        out = out.replace(secret, "[redacted]");
    }
    for key in ["access_token=", "client_secret=", "code=", "verifier=", "handoff="] {
        out = redact_after(&out, key, |c| c == '&' || c == '#' || c == '"' || c == '\'' || c.is_whitespace());
    }
    for prefix in ["IGAA", "IGQV", "EAA"] {
        out = redact_prefixed(&out, prefix);
    }
    out
}

fn redact_after(text: &str, key: &str, ends: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(key) {
        out.push_str(&rest[..at + key.len()]);
        rest = &rest[at + key.len()..];
        let end = rest.find(&ends).unwrap_or(rest.len());
        if end > 0 {
            out.push_str("[redacted]");
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Redact a token-shaped run: the prefix followed by at least 12 URL-safe characters, with
/// whatever token characters are glued before it. A word that merely contains the prefix is
/// redacted too: a server (or a mangled answer) can put anything in front of a token, and an
/// error message losing a word costs nothing next to a token shown in the clear.
fn redact_prefixed(text: &str, prefix: &str) -> String {
    let token_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        let run = after.find(|c| !token_char(c)).unwrap_or(after.len());
        if run >= 12 {
            let start = rest[..at].trim_end_matches(token_char).len();
            out.push_str(&rest[..start]);
            out.push_str("[redacted]");
        } else {
            out.push_str(&rest[..at + prefix.len() + run]);
        }
        rest = &after[run..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[track_caller]
    fn check(input: &str, expected: &str) {
        assert_eq!(scrub(input, &["s3cr3t-value"]), expected);
    }

    #[test]
    fn secrets_are_redacted() {
        check(
            "GET https://graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token&access_token=abc123",
            "GET https://graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token&access_token=[redacted]",
        );
        check("client_secret=xyz&code=AQB#_", "client_secret=[redacted]&code=[redacted]#_");
        check("token IGAAx7Yz0123456789abcdef was bad", "token [redacted] was bad");
        check("EAAGm0PX4ZCpsBAKZC0123456789", "[redacted]");
        check("the value s3cr3t-value leaked", "the value [redacted] leaked");
        check("IGAA is short", "IGAA is short");
        check("tokenFIGAAx7Yz0123456789abcdef glued", "[redacted] glued");
        check("été:IGAAx7Yz0123456789abcdef", "été:[redacted]");
        check("BIGAA is a word", "BIGAA is a word");
        check("Session has expired on Sunday", "Session has expired on Sunday");
    }
}
