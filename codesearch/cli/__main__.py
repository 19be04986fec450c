"""``python -m codesearch.cli``: the same as the ``codesearch`` console script."""

import sys

from codesearch.cli import main

sys.exit(main())
