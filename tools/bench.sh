#!/usr/bin/env bash
# The benchmark command: installs what it needs (as the test command does), then runs
# bench/run.ts on one runtime against Python Pyro5. Usage:
#   bash tools/bench.sh [deno|bun|node] [--runs 3] [--seconds 1]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh >&2
runtime="${1:-deno}"
[ $# -gt 0 ] && shift
case "$runtime" in
  deno) exec node_modules/.bin/deno run -A bench/run.ts "$@" ;;
  bun) exec node_modules/.bin/bun bench/run.ts "$@" ;;
  node) exec node_modules/.bin/node bench/run.ts "$@" ;;
  *) echo "bench.sh: unknown runtime '$runtime' (deno, bun or node)" >&2; exit 2 ;;
esac
