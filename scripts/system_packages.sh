#!/usr/bin/env bash
# Debian packages circle needs beyond Python: a CJK TrueType font so Chinese
# renders in the app and is embedded in the PDF reports (fonts-wqy-microhei),
# and, with --tests, poppler-utils (the report tests read PDFs back), Chromium
# (driven by Playwright, never a downloaded browser), an emoji font,
# LibreOffice Calc without its GUI (a test opens the indicator spreadsheet in it),
# PostgreSQL's server binaries (tests/test_deploy_db.py starts a throw-away
# cluster on 127.0.0.1; the service itself is not started) and wrk, the HTTP
# load tool of benchmarks/public_load.py and tests/test_public_load.py.
# Installed only when missing, and only where apt-get can run (root);
# otherwise the tests that need them skip with a reason.
set -euo pipefail
missing=()
lean=()  # installed without their recommended packages (LibreOffice's pull in hundreds of MB)
fc-list 2>/dev/null | grep -qi "wenquanyi" || missing+=(fonts-wqy-microhei)
if [[ "${1:-}" == "--tests" ]]; then
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
    fc-list 2>/dev/null | grep -qi "emoji" || missing+=(fonts-noto-color-emoji)
    command -v soffice >/dev/null 2>&1 || lean+=(libreoffice-calc-nogui)
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || lean+=(postgresql)
    command -v wrk >/dev/null 2>&1 || missing+=(wrk)
fi
if [[ ${#missing[@]} -eq 0 && ${#lean[@]} -eq 0 ]]; then
    exit 0
fi
if [[ "$(id -u)" != "0" ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "circle setup: cannot install ${missing[*]} ${lean[*]} (needs root and apt-get); Chinese reports and some tests will not work." >&2
    exit 0
fi
echo "circle setup: installing ${missing[*]} ${lean[*]} with apt-get"
apt-get update -qq >/dev/null
if [[ ${#missing[@]} -gt 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [[ ${#lean[@]} -gt 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${lean[@]}" >/dev/null
fi
