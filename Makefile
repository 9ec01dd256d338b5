# Two commands on a fresh clone: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PKGS   := bot handlers storage
# The demo runs on a training clock set to a day decision No. 241 was in force.
DEMO_CLOCK_START ?= 2015-06-01

.PHONY: setup demo test run migrate locales extract bench lint merge-driver

setup: $(STAMP) locales migrate

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Compiled catalogs (.mo) are build output, never committed.
locales: $(STAMP)
	$(VENV)/bin/pybabel -q compile -d locales -D messages

# After changing messages in the code: extract from our own packages only, then merge.
extract: $(STAMP)
	$(VENV)/bin/pybabel extract --no-location --sort-output -k _ -k __ -k gettext -k lazy_gettext \
	    -k ngettext:1,2 -k N_ -w 100 -o locales/messages.pot $(PKGS)
	$(VENV)/bin/pybabel update --no-fuzzy-matching --ignore-obsolete -w 100 \
	    -d locales -D messages -i locales/messages.pot

migrate: $(STAMP)
	$(PY) -m bot migrate

demo: setup
	CLOCK_START=$${CLOCK_START:-$(DEMO_CLOCK_START)} $(PY) -m bot console

test: setup
	$(PY) -m pytest -q
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

run: setup
	$(PY) -m bot

bench: setup
	$(PY) bench/rules_bench.py
	$(PY) bench/dispatcher_bench.py
	$(PY) bench/outbox_bench.py

# Parallel branches each add messages: merge the catalogs as a union of messages, not as text.
merge-driver: $(STAMP)
	git config merge.pounion.name "union of gettext catalogs"
	git config merge.pounion.driver "$(abspath $(PY)) tools/po_union.py %O %A %B"
