#!/usr/bin/env bash
# The footprint benchmark: release builds of Evergreen (through the Tauri CLI, as shipped) and
# of a bare Tauri app with the same plugins (bench/bare-tauri), measured one after the other
# in the same virtual display and D-Bus session, as an ordinary user (scripts/desktop-session.sh).
# Figures go to target/footprint/.
# Extra arguments go to the benchmark, e.g. --idle-secs 60 for a quick look.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ui/node_modules/.bin/tauri build --no-bundle
cargo build --release -p bare-tauri
cargo build --release -p evergreen-e2e --bin footprint

exec scripts/desktop-session.sh --writable target/footprint \
  target/release/footprint --evergreen target/release/evergreen --bare target/release/bare-tauri \
  --out target/footprint "$@"
