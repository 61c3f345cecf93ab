#!/usr/bin/env bash
# Fetch the browser libraries the app's maps need into static/vendor/ (git-ignored),
# from the npm registry, so maps draw without reaching any CDN. Idempotent.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vendor="$repo_root/static/vendor"
LEAFLET_VERSION="1.9.4"
JQUERY_VERSION="3.7.1"
LEAFLET_DRAW_VERSION="1.0.4"  # the closures' drawing tools
if [[ -f "$vendor/leaflet-$LEAFLET_VERSION/leaflet.js" && -f "$vendor/jquery-$JQUERY_VERSION/jquery.min.js" \
    && -f "$vendor/leaflet-draw-$LEAFLET_DRAW_VERSION/leaflet.draw.js" ]]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "circle setup: npm not found; maps will load Leaflet from its CDN (needs the internet)." >&2
    exit 0
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for package in "leaflet@$LEAFLET_VERSION" "jquery@$JQUERY_VERSION" "leaflet-draw@$LEAFLET_DRAW_VERSION"; do
    name="${package%@*}"
    version="${package#*@}"
    mkdir -p "$scratch/$name"
    (cd "$scratch/$name" && npm pack --silent "$package" >/dev/null && tar -xzf "$name-$version.tgz")
    mkdir -p "$vendor/$name-$version"
    cp -r "$scratch/$name/package/dist/." "$vendor/$name-$version/"
done
echo "circle setup: Leaflet $LEAFLET_VERSION, jQuery $JQUERY_VERSION and Leaflet.draw $LEAFLET_DRAW_VERSION vendored into static/vendor/"
