#!/usr/bin/env bash
# Create .venv in the repository root, install circle with its pinned
# dependencies, and compile its walking kernels (numba) once, so that no run
# waits for them. Idempotent: a second run with unchanged requirements and
# kernels only checks a stamp file and loads the compiled kernels, in a second
# or two; the kernels are compiled again (and it says so) when their cache is
# missing, stale or unreadable (a fresh clone, a changed kernel, a new numba).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo_root/.venv"
stamp="$venv/.circle-setup-stamp"

python_bin="${CIRCLE_PYTHON:-}"
if [[ -z "$python_bin" ]]; then
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1; then python_bin="$candidate"; break; fi
    done
fi
if [[ -z "$python_bin" ]]; then
    echo "circle setup: no python3 found; install Python 3.11 and run this again." >&2
    exit 1
fi

if [[ ! -x "$venv/bin/python" ]]; then
    echo "circle setup: creating $venv with $("$python_bin" --version)"
    "$python_bin" -m venv "$venv"
fi

wanted="$(cat "$repo_root/requirements.txt" "$repo_root/pyproject.toml" "$repo_root/scripts/setup.sh" | sha256sum | cut -d' ' -f1)"
bash "$repo_root/scripts/vendor.sh"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
    echo "circle setup: installing pinned packages into .venv (first run takes about a minute)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$repo_root/requirements.txt"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e "$repo_root"
    echo "$wanted" > "$stamp"
    echo "circle setup: done"
fi

# every time, packages current or not: a fresh clone or a changed kernel needs its cache built, and every
# test worker and first `circle analyze` then loads it instead of compiling (prints a line only when compiling)
(cd "$repo_root" && "$venv/bin/python" -m circle.warm_up)
