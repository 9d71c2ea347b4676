# nianbao: `make demo` and `make test` work from a fresh clone: they create .venv and install what is needed.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SYS_STAMP := $(VENV)/.sysdeps-stamp

.PHONY: setup sysdeps test demo bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

# Debian packages the project needs (chromium for browser tests, libreoffice for .doc/.wps, redis-server).
$(SYS_STAMP): scripts/apt-packages.txt scripts/sysdeps.sh
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	bash scripts/sysdeps.sh
	touch $(SYS_STAMP)

sysdeps: $(SYS_STAMP)

setup: $(STAMP) $(SYS_STAMP)

test: setup
	$(BIN)/python -m pytest -q

demo: setup
	$(BIN)/nianbao demo

bench: setup
	$(BIN)/python bench/extract.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
