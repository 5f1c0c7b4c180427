"""Makes the suite's shared helpers importable from every test folder (`import markers`)."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = str(Path(__file__).resolve().parent)
# pytest's default import mode already prepends this folder; `--import-mode=importlib` does not.
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)
