#!/usr/bin/env bash
# Source this to put a Node.js the project runs on first on PATH (22.22.3+, 24.16+ or 26.3+, the
# floor in package.json's `engines`). When the machine's own Node is older, Node 24
# comes from the npm registry's `node` package (the same binaries as nodejs.org), installed once
# into a cache folder, so nothing but npm and the registry is needed.
#   source scripts/use-node24.sh
NODE24_HOME=${NODE24_HOME:-$HOME/.cache/node24}
# zsh has no BASH_SOURCE; there, $0 is the sourced file.
NODE24_GUARD="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)/need-node.mjs"
if ! node "$NODE24_GUARD" 2>/dev/null; then
  # A Node 24 cached by an earlier run may itself be older than the floor: it is replaced then.
  if ! "$NODE24_HOME/node_modules/node/bin/node" "$NODE24_GUARD" 2>/dev/null; then
    echo "Node $(node --version 2>/dev/null || echo 'is missing') is older than this project needs: installing Node 24 from the npm registry into $NODE24_HOME"
    mkdir -p "$NODE24_HOME"
    npm install --prefix "$NODE24_HOME" --no-save --no-audit --no-fund node@24 >/dev/null \
      || { echo "Could not install node@24 from the npm registry." >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$NODE24_HOME/node_modules/node/bin:$PATH"
fi
unset NODE24_GUARD
