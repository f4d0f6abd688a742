"""Observing the cloud and the rebalancer: a Prometheus exporter, recording/alerting rules, a dashboard.

Collectors are snapshot-style: each scrape builds fresh metric families from the latest
:class:`~monitoring.observation.Observation`, so series of zones, tenants or moves that are gone vanish.
"""
