#!/usr/bin/env bash
# Fuzzes the decoders for a given time: bash tools/fuzz.sh [seconds, default 60] [target].
# Mutation fuzzing with fast-check on Node 24, seeded from tests/vectors (see tools/fuzz.ts).
# Jazzer.js (@jazzer.js/core) was the plan for coverage guidance, but its native addon needs
# glibc 2.38 and these machines have 2.36, and older releases download their addon at install.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh >/dev/null
exec node_modules/.bin/node tools/fuzz.ts "${1:-60}" ${2:+"$2"}
