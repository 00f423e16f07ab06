#!/usr/bin/env bash
# The whole test suite: types, lint, formatting, and every test (with the real peers:
# openssl, curl, OkHttp via javac/java, xmllint, python3), installed from Debian when missing.
set -euo pipefail
# shellcheck source=scripts/runtime.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/runtime.sh"
# shellcheck source=scripts/peers.sh
. "$QRPIN_ROOT/scripts/peers.sh"
qrpin_ensure_peers
qrpin_ensure_node
qrpin_ensure_deps
cd "$QRPIN_ROOT"
echo "== node $(node --version)"
echo "== typecheck"
npx --no-install tsc -p tsconfig.json --noEmit
echo "== lint"
npx --no-install eslint .
echo "== format"
npx --no-install prettier --check . >/dev/null || { npx --no-install prettier --check .; exit 1; }
echo "== build"
npx --no-install tsc -b packages/core packages/client packages/server packages/cli
echo "== tests"
node --conditions=qrpin-source --disable-warning=ExperimentalWarning --test --test-reporter=spec \
  --test-concurrency=2 "packages/*/test/**/*.test.ts"
