# Browser test dependencies: Debian's Chromium (+ a Japanese font for readable screenshots) and axe-core from npm.
# Include from the Makefile (`include mk/browser.mk`) and make `test` depend on `browser-deps`.
# Installs only what is missing, so it is quick on a machine that already has them.

CHROMIUM ?= /usr/bin/chromium
AXE_CORE := node_modules/axe-core/axe.min.js

.PHONY: browser-deps

browser-deps: $(AXE_CORE)
	@if [ ! -x "$(CHROMIUM)" ] || ! fc-list :lang=ja 2>/dev/null | grep -q .; then \
		echo "Installing Debian's chromium and a Japanese font for the browser tests"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
			chromium fonts-noto-cjk fontconfig; \
	fi
	@test -x "$(CHROMIUM)" || { echo "ERROR: $(CHROMIUM) is missing and could not be installed (apt-get install chromium)"; exit 1; }

$(AXE_CORE): package.json package-lock.json
	npm ci --no-audit --no-fund || npm install --no-audit --no-fund
	@test -f $@ && touch $@

# The widget (connectors/static/widget.js, widget.css) is plain JavaScript and CSS written by hand:
# there is nothing to build, at run time or before.
.PHONY: assets
assets:
	@echo "connectors/static/widget.js and widget.css are served as written; nothing to build."
