# `make run`: install into .venv, build the bundled data, serve it on http://127.0.0.1:8000
# `make test`: install into .venv and run the test suite (what .ci/run calls)

PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: run build test install clean messages yasgui france

run: install
	-$(BIN)/datatheque build
	$(BIN)/datatheque serve

build: install
	$(BIN)/datatheque build

# Download the national files and build the territories of all of France (graph `geo`).
france: install
	$(BIN)/datatheque fetch
	$(BIN)/datatheque build --config datatheque-france.toml

test: install
	$(BIN)/python -m pytest

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

clean:
	rm -rf var $(VENV)

# Extract msgids into locale/messages.pot and merge them into each language's messages.po.
# pybabel's default keywords (_, gettext, ngettext for plural forms…) apply besides the -k ones;
# tests/test_i18n.py extracts with the same keywords.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k console -k translate -k QueryFailed --no-location --sort-output --no-wrap -o locale/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --no-wrap -i locale/messages.pot -d locale -D messages

# Vendor the YASGUI query editor of /sparql from the npm registry into api/static/yasgui/.
YASGUI_VERSION = 4.6.2
yasgui:
	rm -rf var/yasgui && mkdir -p var/yasgui
	cd var/yasgui && npm pack --silent @zazuko/yasgui@$(YASGUI_VERSION) && tar xzf zazuko-yasgui-$(YASGUI_VERSION).tgz
	cp var/yasgui/package/build/yasgui.min.js var/yasgui/package/build/yasgui.min.css api/static/yasgui/
