#!/usr/bin/env bash
# Install what is missing and run every test: the UI's lint, types and unit tests, the Rust
# workspace's tests, and the end-to-end tests in a real window.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
. scripts/lib.sh

step "UI: lint, types, unit tests"
npm --prefix ui run lint
npm --prefix ui run typecheck
npm --prefix ui test

step "Rust: workspace tests"
# The UI must exist for the app crate to compile its embedded assets.
[[ -f ui/dist/index.html ]] || npm --prefix ui run build
cargo test --workspace --exclude evergreen-e2e

step "End to end: the real app in a virtual display"
scripts/e2e.sh
