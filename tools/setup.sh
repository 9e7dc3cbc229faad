#!/usr/bin/env bash
# Installs what the tests need, from the npm registry, PyPI and Debian only:
# Deno, Bun, Node 24, TypeScript and puppeteer-core as npm dev dependencies (tools/toolchain),
# Python Pyro5 (with msgpack) in a local virtual environment, and Debian's chromium for the
# browser tests. Does nothing when all are current.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

# The toolchain has a package.json of its own (tools/toolchain): in the root one, Deno's task
# runner would download it and run the npm deno in place of the user's. node_modules at the root
# is a link to it, so node_modules/.bin/{deno,bun,node,tsc} are where they always were.
toolchain=tools/toolchain
if ! [ -L node_modules ]; then
  rm -rf node_modules
  ln -s "$toolchain/node_modules" node_modules
fi
npm_key=$(cat "$toolchain/package.json" "$toolchain/package-lock.json" | sha256sum | cut -c1-16)
if ! stamp_ok "$toolchain/node_modules/.pyro5-stamp" "$npm_key" || ! [ -x node_modules/.bin/deno ]; then
  echo "setup: installing Deno, Bun, Node 24 and TypeScript from npm"
  npm ci --prefix "$toolchain" --no-audit --no-fund --loglevel=error
  echo "$npm_key" > "$toolchain/node_modules/.pyro5-stamp"
fi

py_key=$(sha256sum tests/requirements.txt | cut -c1-16)
if ! stamp_ok .venv/.pyro5-stamp "$py_key" || ! [ -x .venv/bin/python ]; then
  echo "setup: creating .venv with Python Pyro5 from PyPI"
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
  echo "$py_key" > .venv/.pyro5-stamp
fi

bash tools/install_chromium.sh

node_modules/.bin/deno --version | head -1
echo "bun $(node_modules/.bin/bun --version)"
echo "node $(node_modules/.bin/node --version)"
.venv/bin/python -c "import sys, Pyro5, serpent, msgpack; print('python', sys.version.split()[0], 'Pyro5', Pyro5.__version__, 'serpent', serpent.__version__, 'msgpack', msgpack.version)"
