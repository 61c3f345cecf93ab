"""``python -m circle.cli``: the same as the ``circle`` command."""

import sys

from circle.cli import main

sys.exit(main())
