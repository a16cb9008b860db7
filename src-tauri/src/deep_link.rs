//! Where `app.evergreen:` links enter the app, cold (in our own argv) or warm (a second
//! launch forwarded by the single-instance plugin). Both go through [`deliver`].
//!
//! We read argv ourselves rather than the deep-link plugin's parsed URLs: the plugin silently
//! drops arguments that do not parse as URLs, and a person who clicked a broken link deserves
//! to be told it was refused. The URL is never logged: it may carry a handoff id.

use tauri::{AppHandle, Runtime};

use crate::events;
use crate::models::{LinkNotice, NoticeKind};
use crate::state::EvergreenExt;
use crate::window;

/// At most this many arguments of one launch are treated as links.
const MAX_LINKS_PER_LAUNCH: usize = 4;

/// The arguments of a launch that are link attempts: everything after the program name
/// that is not a `--flag`.
pub fn links_in(argv: impl IntoIterator<Item = String>) -> Vec<String> {
    argv.into_iter().skip(1).filter(|arg| !arg.starts_with("--")).take(MAX_LINKS_PER_LAUNCH).collect()
}

/// Check one link and buffer its outcome for the UI; bring the window forward so the user
/// sees it. Never panics, whatever the input.
pub fn deliver<R: Runtime>(app: &AppHandle<R>, raw: &str) {
    let state = app.evergreen();
    match state.core.connector().receive_link(raw) {
        Ok(accepted) => {
            tracing::info!(state = accepted.link.state().as_str(), "link accepted");
            state.push_notice(|id| LinkNotice {
                id,
                kind: NoticeKind::Accepted,
                code: None,
                message: "Evergreen received the answer from Instagram.".into(),
            });
        }
        Err(error) => {
            let code = error.code().as_str();
            tracing::info!(code, "link refused");
            state.push_notice(|id| LinkNotice {
                id,
                kind: NoticeKind::Refused,
                code: Some(code),
                message: error.to_string(),
            });
        }
    }
    events::emit(app, events::LINK_NOTICE);
    window::show(app);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_name_and_flags_are_not_links() {
        let argv = ["/usr/bin/evergreen", "--hidden", "app.evergreen:/x", "junk"].map(String::from);
        assert_eq!(links_in(argv), vec!["app.evergreen:/x".to_string(), "junk".to_string()]);
    }

    #[test]
    fn a_launch_with_many_arguments_is_bounded() {
        let argv = std::iter::once("evergreen".to_string()).chain((0..1000).map(|i| i.to_string()));
        assert_eq!(links_in(argv).len(), MAX_LINKS_PER_LAUNCH);
    }
}
