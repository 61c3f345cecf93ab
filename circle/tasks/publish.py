"""The residents' static site of a study: a page per block, search, share links, QR posters (``circle publish``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from circle.deploy.config import load_deployment
from circle.publish.site import PublishOptions, PublishResult, publish_site

__all__ = ["PublishOptions", "PublishResult", "default_site_folder", "publish"]


def default_site_folder(study_path: str | Path) -> Path:
    """Return where the deployment serves a study's site: its sites folder / the study's name."""
    return load_deployment().sites_folder() / Path(study_path).resolve().name


def publish(
    study_path: str | Path,
    out: str | Path | None = None,
    options: PublishOptions | None = None,
    progress: Callable[[str], None] | None = None,
) -> PublishResult:
    """Write the resident site of the study at ``study_path`` into ``out`` (default: :func:`default_site_folder`).

    The folder is replaced atomically; the study is scored as ``circle score`` does if it was not.
    """
    target = Path(out) if out is not None else default_site_folder(study_path)
    return publish_site(Path(study_path), target, options or PublishOptions(), progress=progress)
