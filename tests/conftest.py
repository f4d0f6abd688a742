"""Fixtures shared across test directories, registered once per run (so there is one OpenStack box)."""

from tests.openstack.box_fixtures import box_log_dir, openstack_box, os_conn

__all__ = ["box_log_dir", "openstack_box", "os_conn"]
