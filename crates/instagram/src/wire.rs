//! Instagram's answers, as we accept them. Where the reference says "seen both ways", both
//! are accepted: flat or `data[]`-wrapped code exchanges, `permissions` as a comma string or
//! an array, ids as JSON numbers or strings.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer};

use crate::AccessToken;

/// An id Instagram sends as a number or a string; kept as a string (they exceed 2^53).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id as a number or a string")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id, E> {
                Ok(Id(v.to_string()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
                if v.is_empty() || v.len() > 64 {
                    return Err(E::custom("id length"));
                }
                Ok(Id(v.to_string()))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Permissions as `"a,b"` or `["a", "b"]`.
fn permissions<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        List(Vec<String>),
    }
    Ok(match Option::<Either>::deserialize(deserializer)? {
        None => Vec::new(),
        Some(Either::Text(s)) => {
            s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(String::from).collect()
        }
        Some(Either::List(v)) => v,
    })
}

#[derive(Deserialize)]
struct RawShortLived {
    #[serde(deserialize_with = "crate::serde_expose::deserialize")]
    access_token: AccessToken,
    user_id: Id,
    #[serde(default, deserialize_with = "permissions")]
    permissions: Vec<String>,
}

/// The answer to the authorization-code exchange: a token valid for an hour.
pub struct ShortLivedToken {
    /// The short-lived token.
    pub token: AccessToken,
    /// The professional account's id.
    pub user_id: String,
    /// What the user granted.
    pub permissions: Vec<String>,
}

impl fmt::Debug for ShortLivedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShortLivedToken")
            .field("token", &self.token)
            .field("user_id", &self.user_id)
            .field("permissions", &self.permissions)
            .finish()
    }
}

impl<'de> Deserialize<'de> for ShortLivedToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            Wrapped { data: Vec<RawShortLived> },
            Flat(RawShortLived),
        }
        let raw = match Shape::deserialize(deserializer)? {
            Shape::Flat(raw) => raw,
            Shape::Wrapped { mut data } if data.len() == 1 => data.remove(0),
            Shape::Wrapped { .. } => return Err(de::Error::custom("expected exactly one token in data")),
        };
        Ok(Self { token: raw.access_token, user_id: raw.user_id.0, permissions: raw.permissions })
    }
}

/// A long-lived token and how long it lives (use this, do not assume 60 days).
#[derive(Debug)]
pub struct LongLivedToken {
    /// The token.
    pub token: AccessToken,
    /// Its lifetime from now.
    pub expires_in: Duration,
}

impl<'de> Deserialize<'de> for LongLivedToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(deserialize_with = "crate::serde_expose::deserialize")]
            access_token: AccessToken,
            expires_in: u64,
        }
        let raw = Raw::deserialize(deserializer)?;
        // A lifetime beyond a year is not Instagram's; refuse rather than trust it.
        if raw.expires_in == 0 || raw.expires_in > 366 * 86_400 {
            return Err(de::Error::custom("expires_in out of range"));
        }
        Ok(Self { token: raw.access_token, expires_in: Duration::from_secs(raw.expires_in) })
    }
}

/// `GET /me`: the professional account behind a token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Me {
    /// The professional account id: key accounts on this.
    pub user_id: Id,
    /// App-scoped id.
    #[serde(default)]
    pub id: Option<Id>,
    /// Handle.
    pub username: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// `BUSINESS` or `MEDIA_CREATOR` (anything else cannot use Instagram Login).
    #[serde(default)]
    pub account_type: Option<String>,
    /// Avatar.
    #[serde(default)]
    pub profile_picture_url: Option<String>,
    /// Followers.
    #[serde(default)]
    pub followers_count: Option<u64>,
    /// Posts.
    #[serde(default)]
    pub media_count: Option<u64>,
}

impl Me {
    /// Whether Instagram Login accepts this account (business or creator).
    pub fn is_professional(&self) -> bool {
        matches!(self.account_type.as_deref(), Some("BUSINESS") | Some("MEDIA_CREATOR"))
    }
}

/// One post.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MediaItem {
    /// Media id.
    pub id: Id,
    /// Caption.
    #[serde(default)]
    pub caption: Option<String>,
    /// `IMAGE`, `VIDEO` or `CAROUSEL_ALBUM`.
    #[serde(default)]
    pub media_type: Option<String>,
    /// The file.
    #[serde(default)]
    pub media_url: Option<String>,
    /// A still for videos.
    #[serde(default)]
    pub thumbnail_url: Option<String>,
    /// The post on instagram.com.
    #[serde(default)]
    pub permalink: Option<String>,
    /// `2026-03-01T12:00:00+0000`.
    #[serde(default)]
    pub timestamp: Option<String>,
}

/// A page of `/me/media`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaPage {
    /// The posts.
    pub items: Vec<MediaItem>,
    /// Pass to get the next page; `None` on the last. (The `next` URL itself carries the
    /// token, so only the cursor is kept.)
    pub after: Option<String>,
}

impl<'de> Deserialize<'de> for MediaPage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            data: Vec<MediaItem>,
            #[serde(default)]
            paging: Option<Paging>,
        }
        #[derive(Deserialize)]
        struct Paging {
            #[serde(default)]
            cursors: Option<Cursors>,
            #[serde(default)]
            next: Option<serde::de::IgnoredAny>,
        }
        #[derive(Deserialize)]
        struct Cursors {
            #[serde(default)]
            after: Option<String>,
        }
        let raw = Raw::deserialize(deserializer)?;
        let after = raw.paging.and_then(|p| p.next.and(p.cursors).and_then(|c| c.after));
        Ok(Self { items: raw.data, after })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_exchange_accepts_flat_and_wrapped_and_both_permission_forms() {
        let flat: ShortLivedToken = serde_json::from_str(
            r#"{"access_token":"IGAAshort","user_id":17841400000000001,"permissions":"instagram_business_basic, instagram_business_manage_comments"}"#,
        )
        .unwrap();
        assert_eq!(flat.user_id, "17841400000000001", "a number beyond 2^53 stays exact");
        assert_eq!(flat.permissions, ["instagram_business_basic", "instagram_business_manage_comments"]);
        let wrapped: ShortLivedToken = serde_json::from_str(
            r#"{"data":[{"access_token":"IGAAshort","user_id":"17841400000000001","permissions":["instagram_business_basic"]}]}"#,
        )
        .unwrap();
        assert_eq!(wrapped.token.expose(), "IGAAshort");
        assert_eq!(wrapped.permissions, ["instagram_business_basic"]);
        assert!(serde_json::from_str::<ShortLivedToken>(r#"{"data":[]}"#).is_err());
        assert!(!format!("{flat:?}").contains("IGAAshort"));
    }

    #[test]
    fn long_lived_uses_expires_in_and_refuses_nonsense() {
        let t: LongLivedToken =
            serde_json::from_str(r#"{"access_token":"IGAAlong","token_type":"bearer","expires_in":5183944}"#)
                .unwrap();
        assert_eq!(t.expires_in, Duration::from_secs(5_183_944));
        assert!(serde_json::from_str::<LongLivedToken>(r#"{"access_token":"x","expires_in":0}"#).is_err());
        assert!(
            serde_json::from_str::<LongLivedToken>(r#"{"access_token":"x","expires_in":99999999999}"#)
                .is_err()
        );
        assert!(
            serde_json::from_str::<LongLivedToken>(r#"{"access_token":"x","expires_in":"soon"}"#).is_err()
        );
    }

    #[test]
    fn media_page_keeps_the_cursor_not_the_next_url() {
        let page: MediaPage = serde_json::from_str(
            r#"{"data":[{"id":"1","caption":"hi","media_type":"IMAGE"}],
                "paging":{"cursors":{"before":"B","after":"A"},"next":"https://graph.instagram.com/v23.0/me/media?access_token=IGAAsecret&after=A"}}"#,
        )
        .unwrap();
        assert_eq!(page.after.as_deref(), Some("A"));
        let last: MediaPage =
            serde_json::from_str(r#"{"data":[],"paging":{"cursors":{"after":"A"}}}"#).unwrap();
        assert_eq!(last.after, None, "no next: the last page");
    }
}
