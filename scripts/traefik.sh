#!/usr/bin/env bash
# Builds the pinned Traefik from the Go module proxy's source, once, and prints
# the binary's path. The binary is cached outside the repository, keyed by version.
set -euo pipefail
version="${TRAEFIK_VERSION:-v3.6.12}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/sessioninjector/traefik-${version}"
bin="$cache/traefik"
if [ -x "$bin" ] && "$bin" version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache"
echo "building Traefik ${version} from source (first time only, several minutes)..." >&2
src=$(mktemp -d)
trap 'chmod -R u+w "$src" 2>/dev/null; rm -rf "$src"' EXIT
# Download outside any module, so no go.mod is touched.
dir=$(cd "$src" && GOFLAGS=-mod=mod go mod download -json "github.com/traefik/traefik/v3@${version}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] || { echo "could not download traefik ${version}" >&2; exit 1; }
cp -R "$dir/." "$src/"
chmod -R u+w "$src"
# A temporary name of this build's own, so that two builds at once (two
# test runs on a new machine) each rename a whole binary into place.
(cd "$src" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$bin.tmp.$$" ./cmd/traefik) >&2
mv -f "$bin.tmp.$$" "$bin"
echo "$bin"
