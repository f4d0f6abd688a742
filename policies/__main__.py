"""Serves the govcloud policy pack to the Pulumi engine: ``pulumi preview --policy-pack policies``.

The engine runs this file as a script from the ``policies/`` directory, so the repository root is put
on ``sys.path`` first; the policies themselves live in importable modules (see ``policies.pack``).
Constructing ``PolicyPack`` starts the analyzer server and blocks, which is why nothing else is here.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import PolicyPack

from policies.pack import DEFAULT_ENFORCEMENT, PACK_NAME, POLICIES

PolicyPack(name=PACK_NAME, enforcement_level=DEFAULT_ENFORCEMENT, policies=list(POLICIES))
