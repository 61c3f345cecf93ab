#!/usr/bin/env bash
# Set up .venv (if needed), lint, and run the whole test suite, slow tests
# included. Tests that need ../shared/data skip with a reason when it is absent.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo_root/scripts/setup.sh"
bash "$repo_root/scripts/system_packages.sh" --tests
cd "$repo_root"
"$repo_root/.venv/bin/ruff" check "$repo_root"
# one worker per core, each taking whole test files (their module fixtures are built once); -n 0 runs in one process
exec "$repo_root/.venv/bin/python" -m pytest -n auto --dist loadfile "$@"
