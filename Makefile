# Two set-up commands for a fresh machine: `make run` and `make test`.
PY      := .venv/bin/python
STAMP   := .venv/.installed
PROVIDER ?= ReferenceExecutionProvider
JOBS    ?= 2

.PHONY: install run test conformance bench clean

install: $(STAMP)

# torch is pinned to the CPU build that lies on this kind of machine's disk (pip's find-links);
# installing it first keeps pip from pulling a multi-GB CUDA build. onnxjit's bytecode is written as
# pip writes an installed package's (an editable install leaves none).
$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv .venv
	@$(PY) -m pip install -q --upgrade pip setuptools wheel
	@$(PY) -m pip install -q "torch==2.13.0"
	@$(PY) -m pip install -q -e ".[test]"
	@$(PY) -m compileall -q onnxjit
	@touch $(STAMP)

run: install
	$(PY) -m onnxjit.cli demo

test: install
	$(PY) -m pytest -n $(JOBS) --dist loadgroup tests

conformance: install
	@$(PY) -m tests.conformance.run_cases --provider $(PROVIDER) --summary-only

# onnxjit's bytecode first, as pip writes it for an installed package (an editable install and
# PYTHONDONTWRITEBYTECODE leave none, and a session's start would compile onnxjit's source)
bench: install
	@$(PY) -m compileall -q onnxjit
	$(PY) benchmarks/bench.py

clean:
	rm -rf .venv .pytest_cache
