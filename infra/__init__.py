"""The Pulumi program: components for regions, tenants, quotas, networks, replicas and encryption."""
