"""`jitcore.config` is the front end's settings module itself (`jitcore.frontend.config`).

One module object under both names, so that a setting changed through either is seen by
the compiler.
"""
from __future__ import annotations

import sys

from jitcore.frontend import config

sys.modules[__name__] = config
