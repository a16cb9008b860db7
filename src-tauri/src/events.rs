//! Every event the shell emits, in one place and one naming scheme (`area://what`). The UI
//! mirrors this list in `ui/src/lib/events.ts`; payloads are camelCase and never hold a token.

use tauri::{Emitter, Runtime};

/// A link was delivered and its outcome buffered: refetch `link_notices`.
pub const LINK_NOTICE: &str = "connect://notice";

/// Emit an event with no payload. A failure to emit only means no page is listening.
pub fn emit<R: Runtime>(app: &impl Emitter<R>, event: &str) {
    if let Err(error) = app.emit(event, ()) {
        tracing::debug!(%error, event, "event not delivered");
    }
}
