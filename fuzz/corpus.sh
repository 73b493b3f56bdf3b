#!/usr/bin/env bash
# Seeds fuzz/corpus/analyze with the fixtures: the first byte of each input picks its language
# (0 C, 1 Go, 2 Java, 3 Python, 4 Rust), as fuzz_targets/analyze.rs reads it.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/analyze
for f in ../fixtures/*/*; do
  case "$f" in
    *.c) b='\x00' ;; *.go) b='\x01' ;; *.java) b='\x02' ;; *.py) b='\x03' ;; *.rs) b='\x04' ;;
    *) continue ;;
  esac
  out="corpus/analyze/$(basename "$(dirname "$f")")-$(basename "$f")"
  { printf "$b"; cat "$f"; } > "$out"
done
ls corpus/analyze | wc -l
