#!/usr/bin/env bash
# Measures how soon `leaklint server` publishes diagnostics after a change, as an editor sees
# it: the time from `textDocument/didChange` to the `publishDiagnostics` of that version,
# debounce included, over real stdio.
#
#   scripts/bench_server.sh [FILE.go]
#
# Without a file, a generated 2,000-line Go file is used. $RUNS changes (default 50) are
# measured one at a time; the target is within 200 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin leaklint --example bench_server
exec target/release/examples/bench_server target/release/leaklint "$@"
