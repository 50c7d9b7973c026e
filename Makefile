# The two commands a new user needs:  `make run`  (chat with the assistant)  and  `make test`.
# Both set up what is missing first; nothing is retrained unless data, domain or config changed.
SHELL := /bin/bash
PY := .venv/bin/python
RASA := .venv/bin/rasa
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false

TRAINING_INPUTS := config.yml domain.yml bot/language/embedding_model.yml $(shell find data -name '*.yml' 2>/dev/null)
MODEL := models/current.tar.gz
SAFETY_OPINION := models/safety_opinion.npz
SAFETY_OPINION_INPUTS := bot/safety/learned.yml bot/language/embedding_model.yml $(shell find data/nlu tests/safety tests/real_text -name '*.yml' 2>/dev/null)

.PHONY: run shell test test-unpatched test-fast lint audit bench bench-text bench-cv bench-encoder bench-opinion bench-repeat bench-load bench-inbox setup model lock clean

run: model           ## chat: action server + Rasa server (REST, socket.io) on loopback
	$(PY) -m bot run

shell: model         ## staff: rasa shell with the same model and actions (KEEP=1: store the chat like a patient's)
	$(PY) -m bot shell $(if $(KEEP),--keep)

test: model          ## everything: unit, action, data validation, test stories, NLU floor, integration; then test-unpatched
	$(PY) -m pytest
	$(MAKE) --no-print-directory test-unpatched

test-unpatched: model  ## the server layer again on Rasa's own code paths (CLINIC_SPEEDUPS=off, rasa_ext/PATCHES.md), ~10 min
	CLINIC_SPEEDUPS=off $(PY) -m pytest -m servers

test-fast: model     ## the unit and action layers only, under a minute (make test runs them too)
	$(PY) -m pytest -m "(unit or actions) and not audit"

lint: setup          ## ruff and mypy, as make test checks them (tests/test_code_quality.py)
	$(PY) -m ruff check .
	$(PY) -m mypy

audit: setup         ## known vulnerabilities in requirements.lock vs tools/audit/accepted.yml (pip-audit, own venv)
	$(PY) -m pytest -m audit tests/audit

bench: model         ## benchmark against the real servers; writes bench/reports/<date>.{json,md}
	$(PY) -m bench

bench-text: model    ## accuracy and safety figures only (real-text and synthetic sets), in-process, a few minutes
	$(PY) -m bench.text_sets

bench-cv: model      ## the real dev questions scored by models not trained on them (FOLDS=5 folds by page), ~10 min
	$(PY) -m bench.cross_validation --folds $(or $(FOLDS),5)

bench-encoder: setup  ## the sentence encoder's int8 option against float32: CPU per message, how far vectors move
	$(PY) -m bench.encoder

bench-opinion: model  ## the learned safety opinion on real dev messages it was not fitted on (folds by page), a minute
	$(PY) -m bench.opinion_cv

bench-repeat: model  ## this project's servers measured RUNS=5 times in a row: how much latency moves between runs
	$(PY) -m bench.repeat --runs $(or $(RUNS),5)

bench-load: model   ## embedded vs production layout (2 replicas, nginx, PostgreSQL, Redis) under load
	$(PY) -m bench.load

bench-inbox: model  ## patient message -> staff inbox and staff reply -> patient, p50/p95 on loopback (MESSAGES=200)
	$(PY) -m bench.inbox_latency --messages $(or $(MESSAGES),200)

setup: .venv/.installed-lock.sha256 web/node_modules/.installed-lock.sha256

.venv/.installed-lock.sha256: requirements.lock scripts/setup.sh scripts/python310.sh
	bash scripts/setup.sh

web/node_modules/.installed-lock.sha256: web/package-lock.json scripts/setup_web.sh
	bash scripts/setup_web.sh

model: setup $(MODEL) $(SAFETY_OPINION)

$(SAFETY_OPINION): $(SAFETY_OPINION_INPUTS) | setup
	$(PY) -m bot.safety fit
	touch $@

$(MODEL): $(TRAINING_INPUTS) | setup
	$(RASA) train --fixed-model-name current --out models
	touch $@

lock:                ## re-resolve requirements.in into requirements.lock
	bash scripts/lock.sh

clean:
	rm -rf models var results .pytest_cache
