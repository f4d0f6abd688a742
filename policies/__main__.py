"""Serves the govcloud policy pack to the Pulumi engine: ``pulumi preview --policy-pack policies``.

The engine runs this file as a script from the ``policies/`` directory. That directory must not stay
on ``sys.path`` (its modules would shadow others by name); ``policies`` and ``stacks`` then import as
packages of the installed govcloud distribution the pack requires (``requirements.txt``), never from
the folder around it. Constructing ``PolicyPack`` starts the analyzer server and blocks, which is why
the policies live in ``policies.pack`` and nothing else is here.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

from pulumi_policy import PolicyPack  # noqa: E402

from policies.pack import DEFAULT_ENFORCEMENT, PACK_NAME, POLICIES  # noqa: E402

PolicyPack(name=PACK_NAME, enforcement_level=DEFAULT_ENFORCEMENT, policies=list(POLICIES))
