"""`python -m tests.fuzz`: see tests/fuzz/batch.py."""
import sys

from tests.fuzz.batch import main

sys.exit(main(sys.argv[1:]))
