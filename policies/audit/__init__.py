"""The live cloud against its stack file: pure rules over an observed-cloud model, and its reader.

``model`` holds what was observed (plain dataclasses), ``rules`` compares it with the stack and returns
:class:`~policies.audit.findings.Finding` records, ``openstack_reader`` builds the model through
openstacksdk (the only module here that does I/O). Nothing here imports Pulumi.
"""
