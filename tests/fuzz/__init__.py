"""Model fuzzing (issue 14): seeded mutants of small ONNX models, run on onnxruntime and onnxjit.

- `seeds`: a handful of small models built in code, each with a feed generator;
- `mutators`: deterministic, seeded mutations of a ModelProto (and of its serialized bytes);
- `worker`: evaluates a batch of mutants in a subprocess (so a crash or a hang is caught);
- `harness`: runs batches, classifies every mutant, sums up and saves failing mutants.

`tests/test_fuzz.py` runs a few hundred mutants; `benchmarks/fuzz_models.py` runs 10k.
"""
