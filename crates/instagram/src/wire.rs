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

/// Permissions as `"a,b"` or `["a", "b"]`; `None` when the answer does not list them.
fn permissions<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        List(Vec<String>),
    }
    Ok(Option::<Either>::deserialize(deserializer)?.map(|either| match either {
        Either::Text(s) => s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(String::from).collect(),
        Either::List(v) => v,
    }))
}

#[derive(Deserialize)]
struct RawShortLived {
    #[serde(deserialize_with = "crate::serde_expose::deserialize")]
    access_token: AccessToken,
    user_id: Id,
    #[serde(default, deserialize_with = "permissions")]
    permissions: Option<Vec<String>>,
}

/// The answer to the authorization-code exchange: a token valid for an hour.
pub struct ShortLivedToken {
    /// The short-lived token.
    pub token: AccessToken,
    /// The id Meta calls app-scoped (`/me`'s `id`; compare with care, see the relay).
    pub user_id: String,
    /// What the user granted, when the answer lists it (Meta's reference page shows an answer
    /// without it).
    pub permissions: Option<Vec<String>>,
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

/// `GET /me`: the professional account behind a token. Read flat, or wrapped in a one-entry
/// `data` array as Meta's Get Started guide shows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "MeShape")]
pub struct Me {
    /// The professional account id: key accounts on this.
    pub user_id: Id,
    /// App-scoped id.
    pub id: Option<Id>,
    /// Handle.
    pub username: String,
    /// Display name.
    pub name: Option<String>,
    /// `BUSINESS` or `MEDIA_CREATOR` (anything else cannot use Instagram Login).
    pub account_type: Option<String>,
    /// Avatar.
    pub profile_picture_url: Option<String>,
    /// Followers.
    pub followers_count: Option<u64>,
    /// Posts.
    pub media_count: Option<u64>,
}

/// The two shapes `/me` may come in.
#[derive(Deserialize)]
#[serde(untagged)]
enum MeShape {
    Wrapped { data: [MeFields; 1] },
    Flat(MeFields),
}

/// `Me`'s fields, as Meta names them.
#[derive(Deserialize)]
struct MeFields {
    user_id: Id,
    #[serde(default)]
    id: Option<Id>,
    username: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    account_type: Option<String>,
    #[serde(default)]
    profile_picture_url: Option<String>,
    #[serde(default)]
    followers_count: Option<u64>,
    #[serde(default)]
    media_count: Option<u64>,
}

impl From<MeShape> for Me {
    fn from(shape: MeShape) -> Self {
        let MeFields {
            user_id,
            id,
            username,
            name,
            account_type,
            profile_picture_url,
            followers_count,
            media_count,
        } = match shape {
            MeShape::Wrapped { data: [fields] } | MeShape::Flat(fields) => fields,
        };
        Self { user_id, id, username, name, account_type, profile_picture_url, followers_count, media_count }
    }
}

impl Me {
    /// Whether Instagram Login accepts this account (business or creator). Meta's pages write
    /// `Business` / `Media_Creator`, the wire has been seen upper case: either is read.
    pub fn is_professional(&self) -> bool {
        self.account_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("BUSINESS") || t.eq_ignore_ascii_case("MEDIA_CREATOR"))
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
        assert_eq!(
            flat.permissions.as_deref(),
            Some(
                &["instagram_business_basic".to_string(), "instagram_business_manage_comments".to_string()][..]
            )
        );
        let wrapped: ShortLivedToken = serde_json::from_str(
            r#"{"data":[{"access_token":"IGAAshort","user_id":"17841400000000001","permissions":["instagram_business_basic"]}]}"#,
        )
        .unwrap();
        assert_eq!(wrapped.token.expose(), "IGAAshort");
        assert_eq!(wrapped.permissions.as_deref(), Some(&["instagram_business_basic".to_string()][..]));
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
