#!/usr/bin/env bash
# Build the app with its embedded UI through the Tauri CLI, then run the end-to-end tests
# in a real window: Xvfb for the display, a private D-Bus session for single-instance and
# notifications, WebKitWebDriver for WebDriver. Extra arguments go to the
# test binary (e.g. a test name filter).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

build_app_debug
cargo build -p evergreen-e2e --tests --bins

export EVERGREEN_E2E_APP="$PWD/target/debug/evergreen"
# exec: a signal to this script reaches the tests, the display and the bus.
exec "${virtual_display[@]}" cargo test -p evergreen-e2e --test e2e -- --test-threads=1 "$@"
