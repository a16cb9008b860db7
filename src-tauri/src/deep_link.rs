//! Where `app.evergreen:` links enter the app, cold (in our own argv), warm (a second launch
//! forwarded by the single-instance plugin) or pasted into the waiting dialog. All go through
//! [`handle_link`].
//!
//! We read argv ourselves rather than the deep-link plugin's parsed URLs: the plugin silently
//! drops arguments that do not parse as URLs, and a person who clicked a broken link deserves
//! to be told it was refused. The URL is never logged: it may carry a handoff id.

use evergreen_core::Code;
use evergreen_core::deep_link::DeepLink;
use tauri::{AppHandle, Runtime};

use crate::error::IpcError;
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

/// Whether this binary was installed by a package, whose desktop entry already registers the
/// scheme (with an unquoted `Exec=… %u` that every opener understands). Development builds and
/// AppImages register themselves at run time instead; doing that for an installed binary would
/// shadow the package's entry with the plugin's quoted one, which `xdg-open` without a desktop
/// environment cannot run.
pub fn installed_by_package(exe: &std::path::Path) -> bool {
    exe.starts_with("/usr/") || exe.starts_with("/opt/")
}

/// Handle a link from the OS without blocking the caller (the single-instance callback runs
/// on a D-Bus thread), and bring the window forward so the user sees the outcome.
pub fn deliver<R: Runtime>(app: &AppHandle<R>, raw: &str) {
    let (handle, raw) = (app.clone(), raw.to_string());
    tauri::async_runtime::spawn(async move {
        let _ = handle_link(&handle, &raw, Origin::Os).await;
    });
    window::show(app);
}

/// Refusals of a link that answers no flow we are waiting for. From the OS they are logged,
/// not shown: the `state` is public, so any local program can send such links, and a banner per
/// link would let it cover the window. A pasted link's refusal goes back to the dialog.
fn answers_no_pending_flow(code: Code) -> bool {
    matches!(code, Code::InvalidLink | Code::LinkNotOurs | Code::LinkAlreadyUsed)
}

/// Where a link came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The OS delivered it (cold or warm start).
    Os,
    /// The person pasted it into the waiting dialog.
    Pasted,
}

/// Check a link, finish the flow it answers, and buffer the outcome for the UI. Never panics,
/// whatever the input. A pasted link that answers no pending flow is refused to the caller.
pub async fn handle_link<R: Runtime>(app: &AppHandle<R>, raw: &str, origin: Origin) -> Result<(), IpcError> {
    let state = app.evergreen();
    let link = DeepLink::parse(raw).ok();
    let flow = link.as_ref().map(|l| l.state().as_str().to_string());
    // A sign-in begun with the real accounts finishes there, also when the person has moved
    // to the pretend Instagram meanwhile (the real profile is kept open behind it).
    // Chosen while no move is under way (a move has the real profile in neither place for a
    // moment); once chosen, a profile finishes what it began.
    let (core, behind) = {
        let _no_move_meanwhile = state.switching.lock().await;
        let shown = state.core();
        let pending_behind = link.as_ref().and_then(|link| {
            state.behind().filter(|behind| {
                behind.core.connector().is_pending(link.state())
                    && !shown.connector().is_pending(link.state())
            })
        });
        match pending_behind {
            Some(behind) => (behind.core.clone(), true),
            None => (shown, false),
        }
    };
    let elsewhere = if behind {
        " It is with your real accounts: switch back to them in Settings to see it."
    } else {
        ""
    };
    let notice = match core.finish_connect(raw).await {
        Ok(connection) => {
            tracing::info!(reconnected = connection.reconnected, "account connected");
            let username = connection.account.username.clone();
            let message = match (&connection.wrong_account, connection.reconnected) {
                (Some(wanted), _) => format!(
                    "You signed in as @{username}, so @{wanted} still needs Reconnect. Log out of Instagram in your browser, then choose Reconnect on @{wanted} again."
                ),
                (None, true) => {
                    format!("@{username} is reconnected. Evergreen will keep it renewed.{elsewhere}")
                }
                (None, false) => {
                    format!("@{username} is connected. Evergreen will keep it renewed.{elsewhere}")
                }
            };
            (NoticeKind::Connected, None, message, Some(connection.account.id.to_string()), Some(username))
        }
        Err(error) if answers_no_pending_flow(error.code()) => {
            tracing::info!(code = error.code().as_str(), ?origin, "link answers no pending sign-in");
            return match origin {
                Origin::Os => Ok(()),
                Origin::Pasted => Err(error.into()),
            };
        }
        Err(error) => {
            let code = error.code();
            tracing::info!(code = code.as_str(), "link did not connect");
            let kind = if code == Code::LinkExpired { NoticeKind::Refused } else { NoticeKind::Failed };
            (kind, Some(code.as_str()), error.to_string(), None, None)
        }
    };
    let (kind, code, message, account_id, username) = notice;
    state.push_notice(|id| LinkNotice { id, kind, code, message, state: flow, account_id, username });
    events::emit(app, events::LINK_NOTICE);
    Ok(())
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
    fn only_packaged_binaries_leave_registration_to_their_package() {
        use std::path::Path;
        assert!(installed_by_package(Path::new("/usr/bin/evergreen")));
        assert!(installed_by_package(Path::new("/opt/Evergreen/evergreen")));
        assert!(!installed_by_package(Path::new("/home/me/evergreen/target/debug/evergreen")));
        assert!(!installed_by_package(Path::new("/tmp/.mount_EvergrXYZ/usr/bin/evergreen")));
    }

    #[test]
    fn a_launch_with_many_arguments_is_bounded() {
        let argv = std::iter::once("evergreen".to_string()).chain((0..1000).map(|i| i.to_string()));
        assert_eq!(links_in(argv).len(), MAX_LINKS_PER_LAUNCH);
    }
}
