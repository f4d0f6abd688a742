"""Where a command reads the inventory from, and who moves workloads: shared by every subcommand.

``add_source_arguments`` adds ``--inventory FILE | --openstack | --kubernetes`` (with ``--stack FILE``
and ``--os-cloud NAME`` for OpenStack, ``--kubeconfig FILE`` and ``--kube-context NAME`` for
Kubernetes); ``source_from_args`` and ``executor_from_args`` build the matching
:class:`~scheduler.apply.source.InventorySource` and :class:`~scheduler.apply.executor.Executor`. OpenStack
credentials come from the usual ``OS_*`` variables or ``clouds.yaml`` (``--os-cloud``); Kubernetes
ones from the kubeconfig (``--kubeconfig``, else ``$KUBECONFIG`` or ``~/.kube/config``), or the
in-cluster service account when running in a pod.
"""

from __future__ import annotations

import argparse
from typing import Any

from scheduler.apply.executor import Executor
from scheduler.apply.source import FileSource, InventorySource
from stacks import load_stack


class SourceError(Exception):
    """A source or executor cannot be set up (bad credentials, unreachable cloud); says why."""


def add_source_arguments(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """Add the source options: one of ``--inventory FILE``, ``--openstack`` or ``--kubernetes``."""
    group = parser.add_mutually_exclusive_group(required=required)
    group.add_argument("--inventory", metavar="FILE", help="an inventory file (YAML or JSON)")
    group.add_argument(
        "--openstack",
        action="store_true",
        help="read the live OpenStack cloud named by the OS_* variables or --os-cloud",
    )
    parser.add_argument(
        "--stack",
        metavar="FILE",
        help="stack file giving per-zone tenant caps and classification zones (with --openstack)",
    )
    parser.add_argument("--os-cloud", metavar="NAME", help="a cloud of clouds.yaml (with --openstack)")
    group.add_argument(
        "--kubernetes",
        action="store_true",
        help="read the live Kubernetes cluster of the kubeconfig (nodes by topology.kubernetes.io/zone)",
    )
    parser.add_argument("--kubeconfig", metavar="FILE", help="kubeconfig file (with --kubernetes)")
    parser.add_argument("--kube-context", metavar="NAME", help="kubeconfig context (with --kubernetes)")


def openstack_connection(cloud: str | None = None) -> Any:
    """An openstacksdk connection from ``clouds.yaml``/``OS_*``; SourceError when it cannot authenticate."""
    import openstack
    from openstack import exceptions

    try:
        conn = openstack.connect(cloud=cloud)
        conn.authorize()
    except (exceptions.SDKException, OSError) as error:
        where = f"cloud {cloud!r}" if cloud else "the OS_* environment"
        raise SourceError(f"cannot connect to OpenStack ({where}): {error}") from error
    return conn


def openstack_region_connector(cloud: str | None = None) -> Any:
    """region -> an openstacksdk connection for it; SourceError when it cannot authenticate.

    Authenticates once (``clouds.yaml``/``OS_*``); every region then shares that session, because a
    cloud configured by environment variables knows only the one region of ``OS_REGION_NAME``.
    """
    base: list[Any] = []

    def connect(region: str) -> Any:
        import openstack
        from keystoneauth1.exceptions import ClientException
        from openstack import exceptions
        from openstack.connection import Connection

        where = f"cloud {cloud!r}" if cloud else "the OS_* environment"
        try:
            if not base:
                conn = openstack.connect(cloud=cloud)
                conn.authorize()
                base.append(conn)
            if base[0].config.region_name == region:
                return base[0]
            conn = Connection(session=base[0].session, region_name=region)
            conn.object_store.get_endpoint()  # fails here, not later, for a region the catalog lacks
            return conn
        except (exceptions.SDKException, ClientException, OSError) as error:
            raise SourceError(f"cannot connect to OpenStack ({where}, region {region}): {error}") from error

    return connect


def kubernetes_client(kubeconfig: str | None = None, context: str | None = None) -> Any:
    """A kubernetes ApiClient from a kubeconfig (or the in-cluster service account); SourceError if none."""
    import os

    from kubernetes import config

    try:
        if kubeconfig is None and context is None and "KUBERNETES_SERVICE_HOST" in os.environ:
            config.load_incluster_config()
            from kubernetes import client

            return client.ApiClient()
        return config.new_client_from_config(config_file=kubeconfig, context=context)
    except (config.ConfigException, OSError, ValueError, TypeError) as error:
        where = f"kubeconfig {kubeconfig}" if kubeconfig else "the default kubeconfig"
        raise SourceError(f"cannot configure Kubernetes access ({where}): {error}") from error


def source_kind(args: argparse.Namespace) -> str:
    """``"kubernetes"``, ``"openstack"`` or ``"inventory"``: which source the options name."""
    for kind in ("kubernetes", "openstack"):
        if getattr(args, kind, False):
            return kind
    return "inventory"


_OPTIONS_OF = {
    "openstack": (("stack", "--stack"), ("os_cloud", "--os-cloud")),
    "kubernetes": (("kubeconfig", "--kubeconfig"), ("kube_context", "--kube-context")),
}


def check_source_options(args: argparse.Namespace) -> None:
    """SourceError when an option of one source is given with another (it would be ignored)."""
    kind = source_kind(args)
    flag = {"inventory": "--inventory", "openstack": "--openstack", "kubernetes": "--kubernetes"}[kind]
    for owner, options in _OPTIONS_OF.items():
        for attribute, option in options:
            if owner != kind and getattr(args, attribute, None) is not None:
                raise SourceError(f"{option} does not combine with {flag} (it is an option of --{owner})")


def source_from_args(args: argparse.Namespace) -> InventorySource:
    """The inventory source the options name (SourceError for options that do not combine)."""
    check_source_options(args)
    kind = source_kind(args)
    if kind == "kubernetes":
        from scheduler.adapters.kubernetes.source import KubernetesSource

        return KubernetesSource(kubernetes_client(args.kubeconfig, args.kube_context))
    if kind == "openstack":
        from scheduler.adapters.openstack.source import OpenStackSource

        stack = load_stack(args.stack).spec if args.stack else None
        return OpenStackSource(openstack_connection(args.os_cloud), stack=stack)
    return FileSource(args.inventory)


def executor_from_args(args: argparse.Namespace) -> Executor | None:
    """The executor for a live source, or None for a file (nothing to move)."""
    kind = source_kind(args)
    if kind == "kubernetes":
        from scheduler.adapters.kubernetes.executor import KubernetesExecutor

        return KubernetesExecutor(kubernetes_client(args.kubeconfig, args.kube_context))
    if kind == "openstack":
        from scheduler.adapters.openstack.executor import OpenStackExecutor

        return OpenStackExecutor(openstack_connection(args.os_cloud))
    return None
