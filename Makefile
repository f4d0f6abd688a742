# The two commands that matter: `make demo` and `make test`. Both set up everything they need.
PYTHON ?= python3
# Go builds tools/ (the Pulumi engine and the Kubernetes control plane the tests run); where a login shell has not put it on
# PATH, the usual install location is tried too.
export PATH := $(PATH):/usr/local/go/bin
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint venv engine k8s system-deps prometheus openstack-deps report-deps bench bench-peer fuzz clean

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

venv: $(STAMP)

demo: venv
	$(BIN)/govcloud validate stacks/dev.yaml
	$(BIN)/govcloud preview --stack stacks/dev.yaml
	$(BIN)/govcloud rebalance --inventory scheduler/examples/dev-inventory.yaml
	$(BIN)/govcloud drain --inventory scheduler/examples/dev-inventory.yaml --zone sy-az3

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: venv system-deps engine k8s lint
	GOVCLOUD_K8S_BIN="$$(bash tools/k8s/build.sh | tail -n 1)" $(BIN)/pytest

# The real Kubernetes control plane tests/k8s runs (etcd, kube-apiserver, -controller-manager,
# -scheduler, kwok), compiled from Go modules pinned in tools/k8s; builds only when missing
# (about 30 minutes cold), prints the bin dir.
k8s:
	@bash tools/k8s/build.sh

# The Pulumi engine and plugins, built from Go modules (tools/README.md) into a cache outside the
# repository; prints the bin directory. A no-op when built; the first build takes about half an hour.
engine:
	@bash tools/engine.sh

# Services and tools the tests run for real; each installs itself only when missing.
system-deps: prometheus openstack-deps report-deps

# Debian's maintainer scripts start the daemon through invoke-rc.d; a temporary policy-rc.d that
# answers 101 keeps them from leaving a running prometheus behind on machines without systemd.
prometheus:
	@command -v promtool >/dev/null && command -v prometheus >/dev/null || { \
	  set -e; guard=; \
	  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; \
	    chmod +x /usr/sbin/policy-rc.d; guard=1; fi; \
	  trap '[ -z "$$guard" ] || rm -f /usr/sbin/policy-rc.d' EXIT; \
	  apt-get -o DPkg::Lock::Timeout=600 update -qq; \
	  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends prometheus; }

# Headless Chromium renders `govcloud audit --html` and `govcloud report --html` in tests; a CJK font for the stacks' Chinese names.
report-deps:
	@command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi 'WenQuanYi Micro Hei' || { \
	  apt-get -o DPkg::Lock::Timeout=600 update -qq; \
	  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
	    chromium fonts-wqy-microhei; }

# OpenStack Zed from Debian's packages for the OpenStack-in-a-box tests (installs only what is missing).
openstack-deps:
	@bash tests/openstack/install.sh

bench: venv
	$(BIN)/python -m bench

# On demand, not part of `make test`: hypothesis fuzzes the stack, inventory and journal readers
# (no traceback, exit 0/1/2 only, bounded memory). FUZZ_MINUTES=1 make fuzz for a short run.
FUZZ_MINUTES ?= 10
fuzz: venv
	$(BIN)/python tests/fuzz/fuzz_readers.py --minutes $(FUZZ_MINUTES)

# Watcher is a peer to compare against, not a dependency: it gets a virtualenv of its own.
WATCHER_VENV := .bench/watcher-venv
bench-peer: venv
	@test -x $(WATCHER_VENV)/bin/python || { $(PYTHON) -m venv $(WATCHER_VENV) && $(WATCHER_VENV)/bin/pip install -q python-watcher; }
	$(BIN)/python -m bench.peer --watcher-python $(WATCHER_VENV)/bin/python

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .fuzz
