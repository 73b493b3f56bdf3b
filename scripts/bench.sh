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

# Generated code: one long function or class, at two sizes. The time should about double with
# the size; a ratio near 4 is a check that grows with the square of the function's length.
gen() { # gen SHAPE N: prints a file of N repetitions of the shape
  case "$1" in
    opens.go) printf 'package x\n\nimport "os"\n\nfunc many() error {\n'
      for ((i = 0; i < $2; i++)); do
        printf '\tf%d, err := os.Open("x")\n\tif err != nil {\n\t\treturn err\n\t}\n\tuse(f%d)\n' "$i" "$i"
      done
      printf '\treturn nil\n}\n\nfunc use(f *os.File) {}\n' ;;
    defers.go) printf 'package x\n\nimport "os"\n\nfunc many() error {\n'
      for ((i = 0; i < $2; i++)); do
        printf '\tf%d, err := os.Open("x")\n\tif err != nil {\n\t\treturn err\n\t}\n\tdefer f%d.Close()\n' "$i" "$i"
      done
      printf '\treturn nil\n}\n' ;;
    cache.py) printf 'class C:\n'
      for ((i = 0; i < $2; i++)); do
        printf '    def f%d(self, p):\n        self._cache[p.lower()] = %d\n        return self._cache.get(p)\n' "$i" "$i"
      done ;;
    streams.java) printf 'import java.io.*;\nclass X {\n  int many(String p) throws IOException {\n'
      for ((i = 0; i < $2; i++)); do
        printf '    FileInputStream f%d = new FileInputStream(p);\n    if (f%d.read() < 0) { return -1; }\n    f%d.close();\n' "$i" "$i" "$i"
      done
      printf '    return 0;\n  }\n}\n' ;;
  esac
}
printf '\n%-16s %10s %10s %8s\n' "generated" "n=1000 s" "n=2000 s" growth
for shape in opens.go defers.go cache.py streams.java; do
  gen "$shape" 1000 > "$big/a-$shape"
  gen "$shape" 2000 > "$big/b-$shape"
  read -r s1 _ < <(measure "$big/a-$shape")
  read -r s2 _ < <(measure "$big/b-$shape")
  awk -v n="$shape" -v a="$s1" -v b="$s2" \
    'BEGIN { printf "%-16s %10.3f %10.3f %8.1f\n", n, a, b, (a > 0 ? b/a : 0) }'
done
