"""What the Kubernetes adapters raise for input or environment problems."""

from __future__ import annotations


class KubernetesSourceError(Exception):
    """The cluster could not be read (API error or unusable object); the message says which."""
