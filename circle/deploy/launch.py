"""``python -m circle.deploy.launch MODE SCRIPT [--section.option value ...]``: Streamlit, guarded.

What ``circle serve`` runs: installs :mod:`circle.deploy.guard` (``MODE`` is
``full`` or ``public``) and then runs ``streamlit run SCRIPT`` with the given
settings, in this same process, so the guard sits in front of every request.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from circle.deploy.guard import install


def main(argv: Sequence[str] | None = None) -> None:
    """Install the guard for the mode named first, then run Streamlit with the rest of the arguments."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("full", "public"):
        raise SystemExit("usage: python -m circle.deploy.launch {full,public} SCRIPT [--section.option VALUE ...]")
    install(args[0])
    from streamlit.web import cli  # after install: Streamlit's server must find the guarded app factory

    sys.argv = ["streamlit", "run", *args[1:]]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
