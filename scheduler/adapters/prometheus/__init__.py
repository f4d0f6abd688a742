"""Prometheus as a usage source: measured load of workloads and hosts over a window (HTTP query API)."""
