#!/usr/bin/env bash
# Coverage-guided fuzzing of the decoders with Jazzer.js (libFuzzer) on Node 24, for a given time:
#   bash tools/fuzz.sh [seconds per target, default 60] [target ...]
# Targets (tools/fuzz_targets.ts): serpent json marshal msgpack frame-decoder message-reader
# handshake; seeded from tests/vectors, the corpus kept in tmp/fuzz/corpus/<target> between runs.
# Prints one line per target (inputs run, crashes); a crash's input is in tmp/fuzz/crashes/, and
# the command exits 1. Without a coverage-guided engine: node tools/fuzz.ts [seconds] (fast-check).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh >/dev/null
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(serpent json marshal msgpack frame-decoder message-reader handshake)
work=tmp/fuzz
mkdir -p "$work/crashes"

# Jazzer instruments JavaScript, so it fuzzes the npm build of the same sources.
node_modules/.bin/node tools/build.ts >/dev/null

# Jazzer.js 4's prebuilt addon wants glibc 2.38 and GCC 13's libstdc++; Debian 12 has 2.36 and
# GCC 12. The three symbols it needs from them come from a shim, preloaded (tools/jazzer/).
preload=
if [ "$(uname -s)" = Linux ]; then
  python3 tools/jazzer/patch_addon.py node_modules/@jazzer.js/fuzzer/prebuilds/fuzzer-linux-x64.node
  shim=$work/libglibc_shim.so
  [ "$shim" -nt tools/jazzer/glibc_shim.cc ] || g++ -shared -fPIC -O2 -o "$shim" tools/jazzer/glibc_shim.cc
  preload=$PWD/$shim
fi

failed=0
for target in "${targets[@]}"; do
  corpus=$work/corpus/$target
  node_modules/.bin/node tools/jazzer/seed_corpus.ts "$corpus" "$target"
  sync=--sync
  case $target in message-reader | handshake) sync= ;; esac # these return promises
  log=$work/$target.log
  status=0
  PYRO5_FUZZ_TARGET=$target LD_PRELOAD=$preload node_modules/.bin/node \
    node_modules/@jazzer.js/core/dist/cli.js tools/jazzer/entry.mjs "$corpus" $sync \
    -i dist/ --timeout 1000 -- -max_total_time="$seconds" -artifact_prefix="$work/crashes/$target-" \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  runs=$(grep -Eo '^stat::number_of_executed_units: [0-9]+' "$log" | grep -Eo '[0-9]+$' || echo 0)
  coverage=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+$' || echo 0)
  if [ "$status" -eq 0 ]; then
    echo "$target: $runs inputs, 0 crashes (coverage: $coverage edges)"
  else
    failed=1
    echo "$target: $runs inputs, a crash (exit $status); see $log and $work/crashes/"
    grep -E -m3 'Error|Exception' "$log" | sed 's/^/  /' || true
  fi
done
exit $failed
