#!/usr/bin/env bash
# Install what is missing, build Evergreen with its embedded UI and start it. Without
# EVERGREEN_RELAY_URL it runs in demo mode: a pretend Instagram and a relay inside the app,
# offline, with their own data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/lib.sh
build_app_debug
exec target/debug/evergreen "$@"
