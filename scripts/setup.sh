#!/usr/bin/env bash
# Sets up a fresh machine for bookpipe, idempotently:
#  - Node.js 22 and pnpm 10 into ./.tools/node (from the npm registry; the machine's own Node may be older),
#  - with --test, the Debian packages the test suite needs (native tesseract, chromium for the view tests,
#    redis-server for the distributed runner's tests),
#  - the workspace dependencies (frozen lockfile) and a build of every package.
# Put ./.tools/node/bin first on PATH afterwards (the README's commands do).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
tools="$root/.tools/node"
# The machine's npm config (a CA bundle, a registry), read before the project's Node comes first on PATH.
machine_npmrc=$(npm config get globalconfig 2>/dev/null || true)
export PATH="$tools/bin:$PATH"
export TURBO_TELEMETRY_DISABLED=1

with_test_deps=0
for arg in "$@"; do
  case "$arg" in
    --test) with_test_deps=1 ;;
    *) echo "setup.sh: unknown option $arg (known: --test)" >&2; exit 2 ;;
  esac
done

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# How the machine reaches the registry (CA bundle, registry, proxy), copied into another npm global config.
# Only those settings: the machine's `nodedir` points at its own Node's headers, wrong for Node 22 builds.
carry_npmrc() {
  if [ -n "$machine_npmrc" ] && [ -f "$machine_npmrc" ] && [ -n "$1" ] && [ "$machine_npmrc" != "$1" ]; then
    mkdir -p "$(dirname "$1")"
    grep -E '^[[:space:]]*(cafile|ca|registry|strict-ssl|proxy|https-proxy|noproxy)[[:space:]]*=' "$machine_npmrc" > "$1" || true
  fi
}

if [ ! -x "$tools/bin/node" ] || [ "$(node_major "$tools/bin/node")" -lt 22 ]; then
  echo "setup: installing Node.js 22 into .tools/node"
  # The `node` package's install step runs npm again to fetch its platform package, with the prefix's own
  # global config (.tools/node/etc/npmrc): without the machine's CA bundle there, a registry reached
  # through a TLS-inspecting proxy fails with SELF_SIGNED_CERT_IN_CHAIN (seen with `env -i`, where no
  # NODE_EXTRA_CA_CERTS comes from the environment).
  carry_npmrc "$tools/etc/npmrc"
  npm install --global --prefix "$tools" --no-fund --no-audit node@22 >/dev/null
fi
# npm run by the project's Node reads its global config from that Node's own prefix (its real folder under
# .tools/node/lib), not the machine's: carry over how the machine reaches the registry, so that
# `npm install` (pnpm's own install below, the standalone-examples test, a user's) works the same under
# both; without the CA bundle it hung on TLS.
carry_npmrc "$(npm config get globalconfig 2>/dev/null || true)"
if [ ! -x "$tools/bin/pnpm" ]; then
  echo "setup: installing pnpm 10 into .tools/node"
  npm install --global --prefix "$tools" --no-fund --no-audit pnpm@10 >/dev/null
fi
echo "setup: node $(node --version), pnpm $(pnpm --version)"

if [ "$with_test_deps" = 1 ]; then
  missing=()
  command -v tesseract >/dev/null || missing+=(tesseract-ocr)
  # headless browser for @bookpipe/view's tests (driven by playwright-core with executablePath)
  command -v chromium >/dev/null || missing+=(chromium)
  # Redis for the distributed runner's tests (@bookpipe/runner-bullmq), started by them on loopback
  command -v redis-server >/dev/null || missing+=(redis-server)
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "setup: installing Debian packages: ${missing[*]}"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "setup: please install these Debian packages (needs root): ${missing[*]}" >&2
      exit 1
    fi
  fi
fi

pnpm install --frozen-lockfile
pnpm build --output-logs=errors-only
echo "setup: done"
