"""``python -m copro``: the same command line as the ``copro`` script."""

import sys

from copro.cli import main

sys.exit(main())
