"""Compares the property names of the pulumi_openstack SDK's resources with the names the provider
build derives (pulumi-resource-openstack -dump-names). Usage:
    pulumi-resource-openstack -dump-names > names.json
    .venv/bin/python tools/openstack/sdk-names-check.py names.json
Prints the resources whose names differ; exits 1 if any does."""

import importlib
import inspect
import json
import pkgutil
import re
import sys

import pulumi
import pulumi_openstack

with open(sys.argv[1]) as handle:
    bridge = json.load(handle)
token_re = re.compile(r"__init__\(\s*'(openstack:[^']+)'")
bad = 0
checked = 0
for mod in pkgutil.walk_packages(pulumi_openstack.__path__, "pulumi_openstack."):
    if mod.name.endswith("config") or ".config." in mod.name:
        continue
    m = importlib.import_module(mod.name)
    for _, cls in inspect.getmembers(m, inspect.isclass):
        if cls.__module__ != m.__name__ or not issubclass(cls, pulumi.CustomResource):
            continue
        found = token_re.search(
            inspect.getsource(cls.__init__ if "_internal_init" not in vars(cls) else cls._internal_init)
        )
        if not found:
            continue
        token = found.group(1)
        names = sorted(
            getattr(v.fget, "_pulumi_name", None) or k
            for k, v in vars(cls).items()
            if isinstance(v, property)
        )
        names = [n for n in names if n not in ("id", "urn")]
        checked += 1
        want = bridge.get(token)
        if want is None:
            print("not served:", token)
            bad += 1
        elif sorted(want) != names:
            bad += 1
            print(
                token,
                "sdk-only:",
                sorted(set(names) - set(want)),
                "bridge-only:",
                sorted(set(want) - set(names)),
            )
print(f"{checked} resources checked, {bad} differ")
sys.exit(1 if bad else 0)
