#!/usr/bin/env bash
# The test command (README): installs everything it needs, then runs the whole
# suite, the interop tests against real Python Pyro5 included, on Deno, Bun and
# Node 24, and ends with one line "N passed, M failed" over all three.
# Usage: bash tools/test.sh [test files or folders; default tests/]
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

BIN=node_modules/.bin
OUT=.test-results
rm -rf "$OUT" && mkdir -p "$OUT"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(tests/)

node_targets=()
for t in "${targets[@]}"; do
  if [ -d "$t" ]; then node_targets+=("${t%/}/**/*_test.ts"); else node_targets+=("$t"); fi
done

echo "=== deno"
NO_COLOR=1 $BIN/deno test -A --junit-path="$OUT/deno.xml" "${targets[@]}"
echo "=== bun"
$BIN/bun test --timeout 60000 --reporter=junit --reporter-outfile="$OUT/bun.xml" "${targets[@]}"
echo "=== node"
$BIN/node --test --test-timeout=60000 --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=junit --test-reporter-destination="$OUT/node.xml" "${node_targets[@]}"

$BIN/node tools/count_results.ts "$OUT/deno.xml" "$OUT/bun.xml" "$OUT/node.xml"
