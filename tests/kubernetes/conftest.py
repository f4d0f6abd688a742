"""Lets the test modules here import their helper module under any ``--import-mode`` (importlib
mode does not put a test's directory on ``sys.path``)."""

import sys
from pathlib import Path

HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
