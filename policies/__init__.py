"""The government cloud's rules as a Pulumi CrossGuard policy pack.

The policies live in importable modules (one rule each) and are listed in :mod:`policies.pack`;
``__main__.py`` only serves them to the Pulumi engine. :func:`policies.evaluate.evaluate` runs the very
same policy objects offline on recorded resources. The pack reads nothing but what the engine passes
(type tokens, camelCase props, parents, dependencies, config): it never imports ``infra``.
"""
