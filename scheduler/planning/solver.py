"""A silent HiGHS instance (the solver prints a banner on stdout when created, which would spoil
``--json`` output)."""

from __future__ import annotations

import os
import sys

import highspy


def quiet_highs(time_limit: float | None = None) -> highspy.Highs:
    """A new :class:`highspy.Highs` with all output off (and ``time_limit`` seconds, when given)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
            highs = highspy.Highs()
            highs.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    if time_limit is not None:
        highs.setOptionValue("time_limit", max(0.01, float(time_limit)))
    return highs
