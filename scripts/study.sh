#!/usr/bin/env bash
# Set up .venv, the compiled walking kernels and the CJK font (if needed), build the default study — the
# central-Chengdu extract (OSM 2018) shipped in circle/data, walked at the standard profile
# against the GB 50180-2018 preset — score it, and write its PDF gap reports
# in English and Chinese to reports/, and publish its resident site to
# data/sites/default (`circle serve --public` serves it). Extra arguments go to `circle analyze`.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo_root/scripts/setup.sh"
bash "$repo_root/scripts/system_packages.sh"
cd "$repo_root"
circle="$repo_root/.venv/bin/circle"
"$circle" analyze --out data/studies/default --overwrite "$@"
"$circle" score --study data/studies/default
"$circle" report --study data/studies/default --lang en --out reports/default-en.pdf
"$circle" report --study data/studies/default --lang zh --out reports/default-zh.pdf \
    || echo "circle: the Chinese report needs a CJK font (see the message above); the English one is written." >&2
"$circle" publish --study data/studies/default --out data/sites/default --place 成都市中心城区 --place-en "Central Chengdu" --data-date 2018
