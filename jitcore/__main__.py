"""`python -m jitcore ...`: see jitcore.cli."""
from __future__ import annotations

import sys

from jitcore.cli import main

sys.exit(main())
