# Two set-up commands for a fresh machine: `make run` and `make test`.
PY      := .venv/bin/python
STAMP   := .venv/.installed
PROVIDER ?= CPUExecutionProvider
JOBS    ?= 2

.PHONY: install run test conformance bench clean

install: $(STAMP)

# torch is pinned to the CPU build that lies on this kind of machine's disk (pip's find-links);
# installing it first keeps pip from pulling a multi-GB CUDA build.
$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv .venv
	@$(PY) -m pip install -q --upgrade pip setuptools wheel
	@$(PY) -m pip install -q "torch==2.13.0"
	@$(PY) -m pip install -q -e ".[test]"
	@touch $(STAMP)

run: install
	$(PY) -m onnxjit.cli demo

test: install
	$(PY) -m pytest -n $(JOBS) --dist loadgroup tests

conformance: install
	@$(PY) -m tests.conformance.run_cases --provider $(PROVIDER) --summary-only

bench: install
	$(PY) benchmarks/bench.py

clean:
	rm -rf .venv .pytest_cache
