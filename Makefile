# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

.PHONY: demo test lint bench bench-cache bench-parallel fuzz
demo: $(STAMP)
	$(PY) examples/demo.py

test: $(STAMP) cross-tools
	$(PY) -m pytest tests -n 2 --durations=30

# Static checks: ruff, and mypy --strict on the whole package as installed (tools/typecheck.py
# lays it out under build/typecheck: mypy cannot follow setuptools' package-dir mapping).
LINT_STAMP := $(VENV)/.lint-installed

$(LINT_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,lint]'
	touch $(LINT_STAMP)

lint: $(LINT_STAMP)
	$(VENV)/bin/ruff check .
	$(PY) tools/typecheck.py

# Optional: the AArch64 cross compiler and qemu for tests/aot. Installed when apt-get can
# (as root or through password-less sudo); otherwise that one test is skipped with a reason.
.PHONY: cross-tools
cross-tools:
	@if command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null; then \
	  :; \
	elif command -v apt-get >/dev/null; then \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO="sudo -n"; \
	  ( $$SUDO apt-get update -qq && \
	    $$SUDO apt-get install -y -qq gcc-aarch64-linux-gnu qemu-user ) >/dev/null 2>&1 || \
	  echo "note: could not install gcc-aarch64-linux-gnu and qemu-user: AArch64 test skipped"; \
	else \
	  echo "note: no apt-get: the AArch64 cross-compile test will be skipped"; \
	fi

# Benchmarks against Numba (not part of the tests): their own venv with numba from PyPI.
BENCH_VENV := .bench-venv
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python benchmarks/run.py $(BENCH_ARGS)

# Time to first result in a fresh process: the on-disk cache against Numba's (docs/caching.md).
bench-cache: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python benchmarks/cache_bench.py $(BENCH_ARGS)

bench-parallel: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python benchmarks/parallel_bench.py $(BENCH_ARGS)

# The differential fuzzer (tests/fuzz): N generated programs over every profile, compiled
# and compared with CPython; prints the counts per profile and the top rejections.
N ?= 10000
.PHONY: fuzz
fuzz: $(STAMP)
	$(PY) -m tests.fuzz --n $(N) $(FUZZ_ARGS)

# The tests under the memory audit (targets/memcheck.py): every test's native memory must
# balance, with no double release, release of an unknown block, or write after release.
.PHONY: memcheck
memcheck: $(STAMP)
	$(PY) -m pytest tests -n 2 --memcheck
