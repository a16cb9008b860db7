#!/usr/bin/env bash
# Regenerate docs/screenshots/ from the real app in a virtual display.
set -euo pipefail
cd "$(dirname "$0")/.."

ui/node_modules/.bin/tauri build --debug --no-bundle
export EVERGREEN_E2E_APP="$PWD/target/debug/evergreen"
export NO_AT_BRIDGE=1
# WebKitWebDriver's screenshots never return from a tuned webview (its snapshot waits for a
# frame that, with compositing off, does not come); the tuning changes no pixel of the page.
export EVERGREEN_WEBKIT_TUNING=off
exec dbus-run-session -- xvfb-run -a -s "-screen 0 1280x900x24" \
  cargo run -q -p evergreen-e2e --bin screenshots -- "$PWD/docs/screenshots"
