"""`python -m layerguard`.

For `-m`, Python puts the folder it runs in first on `sys.path`: usually the checked project's
root, whose `blake3.py`, `grimp.py` or `libcst.py` would then be imported instead of the library
(and run). It is taken off before anything else is imported; the `layerguard` script never had it.
"""

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()) and not getattr(sys.flags, "safe_path", False):
    del sys.path[0]

from layerguard.cli import main  # after the path is safe

main()
