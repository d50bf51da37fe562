# `make run`: install into .venv, build the bundled data, serve it on http://127.0.0.1:8000
# `make test`: install into .venv and run the test suite (what .ci/run calls)

PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: run build test install clean messages

run: install
	-$(BIN)/datatheque build
	$(BIN)/datatheque serve

build: install
	$(BIN)/datatheque build

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
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k console -k translate -k QueryFailed --no-location --sort-output --no-wrap -o locale/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --no-wrap -i locale/messages.pot -d locale -D messages
