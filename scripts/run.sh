#!/usr/bin/env bash
# Install what is missing, build Evergreen with its embedded UI and start it. Without
# EVERGREEN_RELAY_URL it runs in demo mode: a pretend Instagram and a relay inside the app,
# offline, with their own data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
ui/node_modules/.bin/tauri build --debug --no-bundle
exec target/debug/evergreen "$@"
