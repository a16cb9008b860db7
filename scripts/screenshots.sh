#!/usr/bin/env bash
# Regenerate docs/screenshots/ from the real app in a virtual display.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

build_app_debug
export EVERGREEN_E2E_APP="$PWD/target/debug/evergreen"
# WebKitWebDriver's screenshots never return from a tuned webview (its snapshot waits for a
# frame that, with compositing off, does not come); the tuning changes no pixel of the page.
export EVERGREEN_WEBKIT_TUNING=off
exec "${virtual_display[@]}" cargo run -q -p evergreen-e2e --bin screenshots -- "$PWD/docs/screenshots"
