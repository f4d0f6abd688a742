#!/usr/bin/env bash
# Regenerates openstack/sdk-{resource,function}-tokens.txt from an installed pulumi_openstack Python
# SDK: the Pulumi tokens its classes and functions use, which the openstack provider build maps
# Terraform types onto. Run after changing the pulumi_openstack version:
#   bash tools/sdk-tokens.sh [VENV]          (default: .venv of the repository)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=${1:-$here/../.venv}
sdk=$("$venv/bin/python" -c 'import os, pulumi_openstack; print(os.path.dirname(pulumi_openstack.__file__))')
grep -rh -A1 --include='*.py' "super(.*__self__).__init__($" "$sdk" | grep -oE "'openstack:[^']+'" | tr -d "'" \
  | LC_ALL=C sort -u >"$here/openstack/sdk-resource-tokens.txt"
grep -rhoE --include='*.py' "invoke(_output)?\('openstack:[^']+'" "$sdk" | grep -oE "openstack:[^']+" \
  | LC_ALL=C sort -u >"$here/openstack/sdk-function-tokens.txt"
wc -l "$here"/openstack/sdk-*-tokens.txt
