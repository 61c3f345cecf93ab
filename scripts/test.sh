#!/usr/bin/env bash
# Set up .venv (if needed), lint (ruff, import contracts), build the documentation site strictly, and run
# the whole test suite, slow tests included. Tests that need ../shared/data skip
# with a reason when it is absent.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo_root/scripts/setup.sh"
bash "$repo_root/scripts/system_packages.sh" --tests
cd "$repo_root"
"$repo_root/.venv/bin/ruff" check "$repo_root"
# the rooms' layers (pyproject.toml's import contracts): a wrong-way import fails here, naming the import
"$repo_root/.venv/bin/lint-imports" --no-logo --cache-dir "$repo_root/.cache/import-linter"
# the documentation site (docs/, mkdocs.yml) must build without a warning; into a temporary folder, never the repo
site_dir="$(mktemp -d)"
trap 'rm -rf "$site_dir"' EXIT
NO_MKDOCS_2_WARNING=1 "$repo_root/.venv/bin/mkdocs" build --strict --quiet --site-dir "$site_dir"
rm -rf "$site_dir"
trap - EXIT
# one worker per core, each taking whole test files (their module fixtures are built once); -n 0 runs in one process
exec "$repo_root/.venv/bin/python" -m pytest -n auto --dist loadfile "$@"
