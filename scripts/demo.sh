#!/usr/bin/env bash
# Runs the demo: the demo app (shop and checkout) behind Traefik with the
# plugin loaded from this checkout. Ctrl-C stops both and cleans up.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
app_addr="${DEMO_APP_ADDR:-127.0.0.1:8081}" # must match the service URL in demo/traefik/dynamic.yml
module="github.com/session-injector/sessioninjector"

traefik="${TRAEFIK_BIN:-$(bash "$root/scripts/traefik.sh" | tail -n 1)}"
work=$(mktemp -d)
pids=()

cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "stopping..."; exit 0' INT TERM

# in_nested_module reports whether a file below the root belongs to another
# module (a folder between it and the root has its own go.mod).
in_nested_module() {
  local d
  d=$(dirname "$1")
  while [ "$d" != "." ]; do
    [ -f "$root/$d/go.mod" ] && return 0
    d=$(dirname "$d")
  done
  return 1
}

# Lay out the plugin as Traefik reads local plugins: go.mod, go.sum,
# .traefik.yml, vendor/ and the non-test Go files of the module.
plugin="$work/plugins-local/src/$module"
mkdir -p "$plugin"
for f in go.mod go.sum .traefik.yml; do
  if [ -f "$root/$f" ]; then cp "$root/$f" "$plugin/"; fi
done
if [ -d "$root/vendor" ]; then cp -R "$root/vendor" "$plugin/"; fi
(cd "$root" && find . -type f -name '*.go' ! -name '*_test.go' ! -path './vendor/*' ! -path '*/testdata/*' ! -path '*/.*') |
  while read -r f; do
    if in_nested_module "$f"; then continue; fi
    mkdir -p "$plugin/$(dirname "$f")"
    cp "$root/$f" "$plugin/$f"
  done
cp "$root/demo/traefik/traefik.yml" "$root/demo/traefik/dynamic.yml" "$work/"

echo "building the demo app..." >&2
(cd "$root/demo/app" && go build -o "$work/demo-app" .)

"$work/demo-app" -listen "$app_addr" \
  -shop-url http://shop.localhost:8080 -checkout-url http://checkout.localhost:8080 &
pids+=($!)
(cd "$work" && exec "$traefik" --configFile=traefik.yml) &
pids+=($!)

# Wait for Traefik's entry point, at most 30 s.
for _ in $(seq 300); do
  if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then break; fi
  if ! kill -0 "${pids[1]}" 2>/dev/null; then echo "traefik exited; see its log above" >&2; exit 1; fi
  sleep 0.1
done

cat <<MSG

  Demo running. Open:
    http://shop.localhost:8080      sign in, then follow a link or press Pay
    http://checkout.localhost:8080  shows who is signed in there

  Ctrl-C stops both.

MSG
wait -n "${pids[@]}"
echo "a demo process exited; stopping" >&2
exit 1
