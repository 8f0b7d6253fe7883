#!/usr/bin/env bash
# Prepared GPU check for the Triton provider (issue 4). Run from the repository root on a machine with an
# NVIDIA GPU whose python3 has torch, triton, onnx, onnxruntime, numba and pytest:
#
#     bash benchmarks/gpu_check.sh
#
# 1. the Triton tests on the GPU (tests/test_triton.py; GPU-only tests no longer skip),
# 2. the ONNX node cases of the ops Triton lowers, on the GPU (a time-boxed selection),
# 3. the benchmark: Triton provider vs torch eager vs torch.compile on a BERT-base-sized encoder
#    (batch 1 and 8, sequence 128) and a ResNet-50-sized CNN, as a table of medians and ratios.
# Everything is time-boxed to finish in under 8 minutes; a step that times out is reported, not fatal.
# BENCH=0 runs steps 1 and 2 only (a rerun after a fix, when the benchmark has been measured).
set -uo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-python3}
START=$(date +%s)
BUDGET=${BUDGET:-470}   # seconds for the whole script
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export ONNXJIT_CACHE_DIR=${ONNXJIT_CACHE_DIR:-$(mktemp -d)/onnxjit}
export TRITON_DEFAULT_FP_FUSION=${TRITON_DEFAULT_FP_FUSION:-1}
unset TRITON_INTERPRET   # real kernels on the GPU
STATUS=0

left() { echo $(( BUDGET - ($(date +%s) - START) )); }

step() {  # step NAME MAX_SECONDS COMMAND...
    local name=$1 max=$2; shift 2
    local limit; limit=$(left)
    if (( limit < 20 )); then echo "== $name: skipped (time budget spent)"; STATUS=1; return; fi
    (( limit > max )) && limit=$max
    echo "== $name (at most ${limit} s)"
    local t0; t0=$(date +%s)
    timeout --signal=INT --kill-after=10 "$limit" "$@"
    local rc=$?
    (( rc == 124 )) && echo "   ... timed out after ${limit} s"
    (( rc != 0 )) && STATUS=1
    echo "   $name: exit $rc, $(( $(date +%s) - t0 )) s"
}

echo "== device"
"$PY" - <<'PYEOF' || { echo "no usable CUDA device: stopping"; exit 2; }
import sys
import torch, triton
if not torch.cuda.is_available():
    sys.exit(1)
p = torch.cuda.get_device_properties(0)
print(f"   {p.name}, compute capability {p.major}.{p.minor}, {p.total_memory / 2**30:.0f} GiB; "
      f"torch {torch.__version__}, triton {triton.__version__}")
PYEOF

step "Triton tests on the GPU" 120 "$PY" -m pytest -q -p no:cacheprovider tests/test_triton.py

# one or two cases per lowered skeleton (each case compiles its kernels: a full run takes too long here)
CASES=(test_add_bcast test_mul_bcast test_relu test_erf test_tanh test_where_example test_softmax_axis_1
       test_logsoftmax_axis_1 test_layer_normalization_4d_axis-1 test_gemm_all_attributes test_gemm_transposeA
       test_matmul_3d test_matmul_4d test_reduce_mean_keepdims_example test_transpose_all_permutations_0
       test_concat_3d_axis_1 test_gather_0 test_slice_neg_steps test_conv_with_strides_padding
       test_maxpool_2d_pads test_averagepool_2d_pads test_globalaveragepool)
step "Triton node cases (lowered ops, 30 cases) on the GPU" 90 "$PY" -m tests.conformance.run_cases \
    --provider TritonExecutionProvider "${CASES[@]/#/-k}"

if [[ ${BENCH:-1} == 0 ]]; then echo "== done in $(( $(date +%s) - START )) s (status $STATUS; BENCH=0: no benchmark)"; exit $STATUS; fi
BENCH_BUDGET=$(( $(left) - 30 )); (( BENCH_BUDGET > 320 )) && BENCH_BUDGET=320
step "benchmark: Triton vs torch eager vs torch.compile" $(( BENCH_BUDGET + 25 )) "$PY" benchmarks/gpu_bench.py \
    --budget-s "$BENCH_BUDGET"

echo "== done in $(( $(date +%s) - START )) s (status $STATUS)"
exit $STATUS
