"""Facts about files every stage needs: their SHA-256."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file, read in 1 MiB chunks.

    Raises
    ------
    OSError
        As :func:`open` does (missing file, a folder, no permission).
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
