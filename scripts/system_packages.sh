#!/usr/bin/env bash
# Debian packages the browser tests need: Chromium (driven by Playwright, never a
# downloaded browser) and a CJK font so Chinese renders. Installed only when
# missing, and only where apt-get can run (root); otherwise the browser tests skip
# with a reason.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || missing+=(fonts-wqy-microhei)
fc-list 2>/dev/null | grep -qi "emoji" || missing+=(fonts-noto-color-emoji)
if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi
if [[ "$(id -u)" != "0" ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "circle setup: cannot install ${missing[*]} (needs root and apt-get); browser tests will skip." >&2
    exit 0
fi
echo "circle setup: installing ${missing[*]} with apt-get"
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
