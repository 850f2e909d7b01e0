# Peerless: `make up` runs a local instance, `make test` runs every test.
# Both bootstrap what they need on a fresh Debian machine, and skip what is done already.

VENV      := .venv
PYTHON    := $(VENV)/bin/python
SITE      := static_site
SITE_SRC  := $(shell find $(SITE)/src -type f 2>/dev/null) $(SITE)/build.mjs
SYSTEM_TOOLS := ffmpeg ffprobe chromium
APT_PACKAGES := ffmpeg chromium

# Never reach for real AWS credentials or the instance metadata service.
export AWS_EC2_METADATA_DISABLED := true

.PHONY: up test bootstrap system site openapi clean deploy destroy synth cost

up: bootstrap
	$(PYTHON) -m peerless_local

test: bootstrap
	$(PYTHON) -m pytest

bootstrap: system $(VENV)/.installed site

# ffmpeg for transcoding, Debian's Chromium for the browser tests.
system:
	@missing=""; for tool in $(SYSTEM_TOOLS); do \
	  command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing$$missing from Debian's packages..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	  else \
	    echo "Missing:$$missing. Install them, then run make again:"; \
	    echo "  sudo apt-get install $(APT_PACKAGES)"; exit 1; \
	  fi; \
	fi

# Chalice refuses pip 26.3 and newer: the venv keeps an older one.
$(VENV)/.installed: pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q 'pip>=23,<26.3'
	$(PYTHON) -m pip install -q -e '.[dev]'
	touch $@

# --ignore-scripts: a dependency of webtorrent (the P2P tests' browser bundle) runs pnpm in
# its install script; no package here needs its install script (esbuild finds its binary).
$(SITE)/node_modules/.package-lock.json: $(SITE)/package-lock.json
	cd $(SITE) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

$(SITE)/dist/index.html: $(SITE)/node_modules/.package-lock.json $(SITE_SRC)
	cd $(SITE) && npm run --silent build

site: $(SITE)/dist/index.html

# After changing routes: the OpenAPI document is generated from them (a test checks it).
openapi: $(VENV)/.installed
	$(PYTHON) functions/api/openapi_build.py

# AWS (README, "Deploying to AWS"). deploy and destroy check the credentials and
# PEERLESS_DOMAIN before anything else, so they fail in a moment when one is missing.
deploy destroy: PREFLIGHT = python3 -c 'import sys; sys.path.insert(0, "infra"); \
	from peerless_infra.deploy import preflight; p = preflight(); \
	p and sys.exit("make $@: cannot start.\n  " + "\n  ".join(p))'
deploy:
	@$(PREFLIGHT)
	@$(MAKE) -s $(VENV)/.installed site
	cd infra && ../$(PYTHON) -m peerless_infra.deploy deploy

destroy:
	@$(PREFLIGHT)
	@$(MAKE) -s $(VENV)/.installed
	cd infra && ../$(PYTHON) -m peerless_infra.deploy destroy

# The CloudFormation templates, offline (no AWS account, no Docker): infra/cdk.out/.
synth: $(VENV)/.installed site
	$(PYTHON) infra/app.py

cost: $(VENV)/.installed
	$(PYTHON) -m peerless_infra.cost $(COST_ARGS)

clean:
	rm -rf $(VENV) $(SITE)/node_modules $(SITE)/dist .infra-build infra/cdk.out infra/node_modules
