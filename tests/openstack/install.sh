#!/usr/bin/env bash
# Installs what the OpenStack-in-a-box needs from Debian 12's own packages (OpenStack Zed).
# Libraries only: the *-api service packages want debconf/dbconfig-common and systemd, so their
# api-paste.ini and policy files are taken from the *-common packages, unpacked without installing.
# Usage: install.sh [PASTE_DIR]   (PASTE_DIR defaults to /var/lib/govcloud-openstack/common)
set -euo pipefail

COMMON_DIR="${1:-/var/lib/govcloud-openstack/common}"
PACKAGES=(
  python3-keystone python3-neutron python3-cinder python3-nova python3-placement python3-glance
  python3-swift python3-keystonemiddleware rabbitmq-server uwsgi-core uwsgi-plugin-python3 sqlite3
  mariadb-server python3-pymysql
)
COMMON_PACKAGES=(nova-common neutron-common cinder-common glance-common)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  # policy-rc.d keeps rabbitmq-server's maintainer script from starting a broker of its own;
  # one the machine already has is left in place.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
fi

if [[ ! -f "$COMMON_DIR/.unpacked" ]]; then
  mkdir -p "$COMMON_DIR"
  work="$(mktemp -d)"
  (cd "$work" && apt-get download -qq "${COMMON_PACKAGES[@]}")
  for deb in "$work"/*.deb; do
    dpkg-deb -x "$deb" "$COMMON_DIR"
  done
  rm -rf "$work"
  touch "$COMMON_DIR/.unpacked"
fi
echo "openstack packages ready; service config files in $COMMON_DIR/etc"
