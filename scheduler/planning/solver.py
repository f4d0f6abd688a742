"""A silent, single-threaded HiGHS instance.

Silent: the solver prints a banner on stdout when created, which would spoil ``--json`` output.
Single-threaded: by default HiGHS sizes its thread pool by the machine (half its cores) and runs
the MIP solver's symmetry detection on it, so the same solve did different work on different
machines and took a second core from whatever shares the planner's host. With one thread the work
up to a node limit is the same everywhere (goal 8 of issue 13).
"""

from __future__ import annotations

import os
import sys

import highspy

# HiGHS keeps one thread pool per process, sized by the first solve; every instance asks for this.
THREADS = 1


def quiet_highs(time_limit: float | None = None) -> highspy.Highs:
    """A new :class:`highspy.Highs` with all output off (and ``time_limit`` seconds, when given)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
            highs = highspy.Highs()
            highs.setOptionValue("output_flag", False)
            highs.setOptionValue("threads", THREADS)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    if time_limit is not None:
        highs.setOptionValue("time_limit", max(0.01, float(time_limit)))
    return highs
