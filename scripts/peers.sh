#!/usr/bin/env bash
# Installs the real test peers from Debian's packages when they are missing:
# openssl, curl, Java 17 with OkHttp, xmllint, python3, mitmproxy, Chromium (the dashboard's
# browser tests, driven by playwright-core). Sourced by scripts/test.sh and .ci/run.

QRPIN_PEER_PACKAGES=(openssl curl openjdk-17-jdk-headless libokhttp-java libxml2-utils python3 mitmproxy chromium)

qrpin_ensure_peers() {
  local missing=() p
  for p in "${QRPIN_PEER_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo); else
      echo "qrpin: the tests need these Debian packages: ${missing[*]}" >&2
      echo "       install them with: sudo apt-get install -y ${missing[*]}" >&2
      return 1
    fi
  fi
  echo "== apt-get install ${missing[*]}" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# PostgreSQL for the storage contract tests: this machine kind runs one; start it if it is down,
# install it from Debian if it is missing.
qrpin_ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "== apt-get install postgresql" >&2
    env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  local version
  version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$version" ] || { echo "qrpin: PostgreSQL is not installed" >&2; return 1; }
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 1; done
  echo "qrpin: PostgreSQL did not start" >&2
  return 1
}
