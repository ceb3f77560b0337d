# make demo  - set up .venv (torch 2.13.0 first, then newsdesk), train configs/default.yaml, label data/articles
# make test  - set up .venv and run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export HF_EVALUATE_OFFLINE := 1

.PHONY: setup demo test clean

setup: $(VENV)/.installed

# constraints.txt pins every dependency (and pip, setuptools): a fresh clone installs what main was tested with.
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -c constraints.txt --upgrade pip
	$(BIN)/pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt --build-constraint constraints.txt -e '.[dev]'
	touch $@

demo: setup
	$(BIN)/python train.py --config configs/default.yaml --overwrite
	rm -f runs/default/articles.jsonl
	$(BIN)/python infer.py runs/default/model data/articles --out runs/default/articles.jsonl --print

test: setup
	$(BIN)/python -m pytest -q

clean:
	rm -rf runs .pytest_cache
