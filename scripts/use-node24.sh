#!/usr/bin/env bash
# Source this to put Node.js >= 22.12 first on PATH. When the machine's own Node is older, Node 24
# comes from the npm registry's `node` package (the same binaries as nodejs.org), installed once
# into a cache folder, so nothing but npm and the registry is needed.
#   source scripts/use-node24.sh
NODE24_HOME=${NODE24_HOME:-$HOME/.cache/node24}
node_is_recent() {
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)' 2>/dev/null
}
if ! node_is_recent; then
  if [ ! -x "$NODE24_HOME/node_modules/node/bin/node" ]; then
    echo "Node $(node --version 2>/dev/null || echo 'is missing') is older than 22.12: installing Node 24 from the npm registry into $NODE24_HOME"
    mkdir -p "$NODE24_HOME"
    npm install --prefix "$NODE24_HOME" --no-save --no-audit --no-fund node@24 >/dev/null \
      || { echo "Could not install node@24 from the npm registry." >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$NODE24_HOME/node_modules/node/bin:$PATH"
fi
unset -f node_is_recent
