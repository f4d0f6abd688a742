"""Zone rebalancing for the government cloud: inventory in, a safe, near-optimal plan of moves out.

Planning is pure (no I/O, no Pulumi); sources and executors are small adapters at the edges.
"""
