#!/usr/bin/env bash
# Measures leaklint on real source trees against the cost of only parsing them.
#
#   scripts/bench.sh DIR [DIR...]
#
# For each run it reports wall time, throughput and peak memory (from --statistics), best of
# $RUNS (default 3):
#   parse-only      every file parsed with tree-sitter / syn, nothing else: the baseline
#   full            what `leaklint DIR` does: literal pre-check, parse, lower, check
#   full, no skip   the same with --no-prefilter: every file parsed, lowered and checked
# and the ratio of each full run to the baseline (the target is at most 1.2).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: scripts/bench.sh DIR [DIR...]" >&2; exit 2; }
cargo build --release --quiet
bin=target/release/leaklint
runs=${RUNS:-3}

# Prints "seconds peak_mib bytes" for the best of $runs runs of leaklint with the given flags.
measure() {
  local best="" line
  for _ in $(seq "$runs"); do
    # Exit status 1 only means findings; the statistics are what count here. Without the
    # result cache, or every run after the first would only replay it.
    line=$( ("$bin" --no-cache --statistics --format json "$@" 2>&1 >/dev/null || true) |
      awk '/^total/ {bytes=$4} /^wall time/ {print $3, $7, bytes}')
    if [ -z "$best" ] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN{exit !(a<b)}'; then
      best=$line
    fi
  done
  echo "$best"
}

printf '%-16s %10s %12s %12s %8s\n' run seconds "MiB/s" "peak MiB" ratio
read -r base_s base_mem bytes < <(measure --parse-only "$@")
row() {
  awk -v n="$1" -v s="$2" -v m="$3" -v b="$bytes" -v base="$base_s" \
    'BEGIN { printf "%-16s %10.3f %12.1f %12.1f %8.2f\n", n, s, b/1048576/s, m, s/base }'
}
row parse-only "$base_s" "$base_mem"
read -r s mem _ < <(measure "$@"); row full "$s" "$mem"
read -r s mem _ < <(measure --no-prefilter "$@"); row "full, no skip" "$s" "$mem"

# Peak memory on one 20 MB file per language (the fixtures repeated; the target is at most 20
# times the file's size): a large file is analyzed in pieces, so memory follows the piece.
big=$(mktemp -d)
trap 'rm -rf "$big"' EXIT
printf '\n%-16s %10s %12s %12s %8s\n' "20 MB file" seconds "MiB/s" "peak MiB" "× size"
for ext in c go java py rs; do
  # What may appear only once, or only at the top, of a file is left out of the copies.
  cat fixtures/*/*."$ext" | grep -v -e '^package ' -e '^import ' -e '^//!' -e '^#!\[' \
    > "$big/one.$ext" || true
  case "$ext" in go) echo "package p" > "$big/big.$ext" ;; *) : > "$big/big.$ext" ;; esac
  while [ "$(wc -c < "$big/big.$ext")" -lt 20000000 ]; do cat "$big/one.$ext" >> "$big/big.$ext"; done
  read -r s mem b < <(measure --max-file-size 30M "$big/big.$ext")
  awk -v n="$ext" -v s="$s" -v m="$mem" -v b="$b" \
    'BEGIN { printf "%-16s %10.3f %12.1f %12.1f %8.1f\n", n, s, b/1048576/s, m, m*1048576/b }'
done
