"""The map files this process drew: the names it handed out, for the public guard to let through.

The planner's app writes server-made map data (images, point lists) under
``static/drawn/`` and hands the browser their URLs (:mod:`circle.ui.served`).
That folder is shared by the servers of one repository, so the public server
(``circle serve --public``) serves only the files it drew itself:
:func:`remember_drawn` notes a name when the app hands it out, and
:mod:`circle.deploy.guard` asks :func:`was_drawn` before a file is served. The
record lives here, below both, so the guard needs nothing of the app.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

#: the folder of the app's static folder the drawn files are written to
DRAWN = "drawn"
#: the URL path the drawn files are served under
DRAWN_PATH = f"/app/static/{DRAWN}/"
#: the folder keeps at most this many files, and a process remembers as many names (the oldest go first)
KEEP_AT_MOST = 4000

_drawn: OrderedDict[str, None] = OrderedDict()  # the names this process handed out, newest last
_drawn_lock = threading.Lock()


def was_drawn(name: str) -> bool:
    """Whether this process handed out the drawn file ``name`` (one of the last :data:`KEEP_AT_MOST`)."""
    with _drawn_lock:
        return name in _drawn


def remember_drawn(name: str) -> None:
    """Note that this process handed out the drawn file ``name`` (forgetting the oldest past :data:`KEEP_AT_MOST`)."""
    with _drawn_lock:
        _drawn[name] = None
        _drawn.move_to_end(name)
        while len(_drawn) > KEEP_AT_MOST:
            _drawn.popitem(last=False)
