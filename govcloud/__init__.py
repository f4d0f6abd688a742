"""The govcloud command: the composition root that wires stacks, infra, policies, scheduler and monitoring."""

__version__ = "0.1.0"
