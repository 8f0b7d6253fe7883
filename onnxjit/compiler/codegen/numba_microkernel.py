"""A register-blocked GEMM micro-kernel for Numba, written in LLVM IR.

`gemm_block` computes one block of C = A @ B (row-major, in place, leading dimensions given): up to
MR rows of C by one 512-bit vector of columns (16 float32 or 8 float64). Its MR accumulators are vector
registers that live across the whole K loop; each step loads one vector of B's row k, broadcasts
A[i, k] for the MR rows and does MR fused multiply-adds. Numba's own loops cannot express this: LLVM
vectorises the innermost loop, and with the k loop innermost it keeps the columns scalar (about 6
GFLOP/s measured, against 100 and more here).

`gemm_block_half` is the same block half a vector wide, for a matrix's last few columns. `pack_strip`
copies a strip of B one vector wide into a contiguous, zero-padded stream (the caller's packed
blocks), which the kernel then loads plainly (`b_whole`).

Blocks at the matrix's edge are handled without reading or writing outside it: columns past n are
masked (masked loads and stores: AVX-512 masks, or vmaskmov on AVX2; a whole vector loads and stores
plainly: vmaskmov stores cost AMD's cores tens of cycles each), rows past m read row m - 1 and are
not stored. The results do not depend on where a row falls in a block: every element is one FMA
chain over k in order, so equal rows give equal results (as MLAS does).

The kernel is inlined into its caller's machine code, so Numba's on-disk cache of the caller holds
it; `SOURCE_HASH` goes into the name of the generated helper module so that a change here is a new
module rather than a stale cache entry.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic



def rows_per_block() -> int:
    """MR for the CPU Numba compiles for: 16 rows with AVX-512 (16 accumulator registers of the 32,
    plus B's vector and A's broadcast); 6 rows without, where a 512-bit vector is two of AVX2's 16
    registers (12 accumulators: the classic 6x16 kernel; 16 rows spilled and ran 3x slower).
    ONNXJIT_GEMM_MR overrides it (tests run the other width)."""
    import os  # noqa: PLC0415

    import llvmlite.binding as ll  # noqa: PLC0415
    from numba.core import config  # noqa: PLC0415

    if os.environ.get("ONNXJIT_GEMM_MR"):
        return int(os.environ["ONNXJIT_GEMM_MR"])
    features = config.CPU_FEATURES if config.CPU_FEATURES is not None else ll.get_host_cpu_features().flatten()
    return 16 if "+avx512f" in features.split(",") else 6


MR = rows_per_block()  # rows of C per block
SOURCE_HASH = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]

_I32 = ir.IntType(32)
_I64 = ir.IntType(64)


def _splat(builder: ir.IRBuilder, value: ir.Value, lanes: int) -> ir.Value:
    vec = builder.insert_element(ir.Constant(ir.VectorType(value.type, lanes), ir.Undefined), value,
                                 ir.Constant(_I32, 0))
    return builder.shuffle_vector(vec, vec, ir.Constant(ir.VectorType(_I32, lanes), [0] * lanes))


def _masked(builder: ir.IRBuilder, vec_t: ir.VectorType, elem: str):
    """The masked load and store intrinsics for vec_t (elem: their type suffix, e.g. 'v16f32')."""
    module = builder.module
    mask_t = ir.VectorType(ir.IntType(1), vec_t.count)
    ptr_t = ir.PointerType(vec_t)
    load = cgutils.get_or_insert_function(module, ir.FunctionType(vec_t, [ptr_t, _I32, mask_t, vec_t]),
                                          f"llvm.masked.load.{elem}.p0")
    store = cgutils.get_or_insert_function(module, ir.FunctionType(ir.VoidType(), [vec_t, ptr_t, _I32, mask_t]),
                                           f"llvm.masked.store.{elem}.p0")
    fma = cgutils.get_or_insert_function(module, ir.FunctionType(vec_t, [vec_t] * 3), f"llvm.fma.{elem}")
    return load, store, fma


def _gemm_block_typer(half: bool):
    """The micro-kernel intrinsic: blocks one vector of columns wide, or half of one (`half`: for a
    matrix's last few columns, where a whole vector would compute mostly padding)."""

    def gemm_block(typingctx, K, a, ao, ia, ka, b, bo, ldb, c, co, ldc, m, n, accumulate, bias, biaso, use_bias,
                   b_whole):
        """c[co + i*ldc + j] (+)= sum over k < K of a[ao + i*ia + k*ka] * b[bo + k*ldb + j], for
        i < m <= MR and j < n <= LANES (16 float32, 8 float64; half that for gemm_block_half): one
        block of a row-major product. a, b, c, bias: 1-D arrays of one float dtype; accumulate: add to
        c instead of overwriting it; else use_bias: start row i from bias[biaso + i] instead of 0.
        b_whole: b's rows hold LANES values from bo + k*ldb even where n is less (a packed strip,
        zero-padded), so b loads plainly; c is still stored for j < n."""
        arrays = (a, b, c, bias)
        if not all(isinstance(t, types.Array) and t.ndim == 1 for t in arrays):
            return None
        if a.dtype not in (types.float32, types.float64) or any(t.dtype != a.dtype for t in arrays):
            return None
        ints = (K, ao, ia, ka, bo, ldb, co, ldc, m, n, biaso)
        if not all(isinstance(t, types.Integer) for t in ints) or not all(
                isinstance(t, types.Boolean) for t in (accumulate, use_bias, b_whole)):
            return None
        sig = types.void(K, a, ao, ia, ka, b, bo, ldb, c, co, ldc, m, n, accumulate, bias, biaso, use_bias, b_whole)

        def codegen(context, builder, signature, args):
            tys = signature.args
            vals = [context.cast(builder, v, t, types.intp) if isinstance(t, types.Integer) else v
                    for v, t in zip(args, tys)]
            K, a, ao, ia, ka, b, bo, ldb, c, co, ldc, m, n, acc_flag, bias, biaso, bias_flag, whole_flag = vals
            single = tys[1].dtype == types.float32
            lanes = (16 if single else 8) // (2 if half else 1)
            elem_t = ir.FloatType() if single else ir.DoubleType()
            vec_t = ir.VectorType(elem_t, lanes)
            vptr_t = ir.PointerType(vec_t)
            mload, mstore, fma = _masked(builder, vec_t, f"v{lanes}f{32 if single else 64}")
            align = ir.Constant(_I32, 4 if single else 8)
            zero = ir.Constant(vec_t, [0.0] * lanes)

            def data(i: int, v: ir.Value) -> ir.Value:
                return context.make_array(tys[i])(context, builder, v).data

            pa = builder.gep(data(1, a), [ao])
            pb = builder.gep(data(5, b), [bo])
            pc = builder.gep(data(8, c), [co])
            cols = builder.icmp_signed("<", ir.Constant(ir.VectorType(_I64, lanes), list(range(lanes))),
                                       _splat(builder, n, lanes))
            # rows past m read row m - 1 (inside a) and are not stored
            last = builder.sub(m, ir.Constant(_I64, 1))
            rows, row_a = [], []
            for i in range(MR):
                ok = builder.icmp_signed(">", m, ir.Constant(_I64, i))
                rows.append(ok)
                row_a.append(builder.gep(pa, [builder.mul(builder.select(ok, ir.Constant(_I64, i), last), ia)]))
            row_c = [builder.gep(pc, [builder.mul(ir.Constant(_I64, i), ldc)]) for i in range(MR)]
            pbias = builder.gep(data(14, bias), [biaso])
            start_bias = builder.and_(bias_flag, builder.not_(acc_flag))
            n_whole = builder.icmp_signed("==", n, ir.Constant(_I64, lanes))
            accs = []
            for i in range(MR):
                # zero, or c's row when accumulating: a branch rather than a masked load under an
                # all-false mask (vmaskmov still issues, MR of them per block; with k = 27,
                # squeezenet's first conv, the product took 0.76 ms rather than 0.69); a whole
                # vector loads plainly
                acc = cgutils.alloca_once_value(builder, zero)  # promoted to registers by mem2reg
                with builder.if_then(builder.and_(acc_flag, rows[i])):
                    ptr = builder.bitcast(row_c[i], vptr_t)
                    with builder.if_else(n_whole) as (full, edge):
                        with full:
                            builder.store(builder.load(ptr, align=align.constant), acc)
                        with edge:
                            builder.store(builder.call(mload, [ptr, align, cols, zero]), acc)
                with builder.if_then(builder.and_(start_bias, rows[i])):
                    builder.store(_splat(builder, builder.load(builder.gep(pbias, [ir.Constant(_I64, i)])), lanes), acc)
                accs.append(acc)
            def k_loop(masked: bool, unit: bool) -> None:
                with cgutils.for_range(builder, K) as loop:
                    k = loop.index
                    pbk = builder.bitcast(builder.gep(pb, [builder.mul(k, ldb)]), vptr_t)
                    bv = builder.call(mload, [pbk, align, cols, zero]) if masked \
                        else builder.load(pbk, align=align.constant)
                    ak = k if unit else builder.mul(k, ka)
                    for i in range(MR):
                        av = _splat(builder, builder.load(builder.gep(row_a[i], [ak])), lanes)
                        builder.store(builder.call(fma, [av, bv, builder.load(accs[i])]), accs[i])

            # A whole vector of columns loads B plainly: masked loads cost more than plain ones (on AVX2,
            # vmaskmov, two per vector); so does a packed strip, zero-padded to a whole vector. A's rows
            # read in place (ka == 1) index every row with k itself, so the rows share one induction
            # variable (with ka unknown, LLVM kept one pointer per row and, short of registers on AVX2,
            # spilled them every step).
            whole = builder.or_(n_whole, whole_flag)
            unit = builder.icmp_signed("==", ka, ir.Constant(_I64, 1))
            with builder.if_else(whole) as (full, edge):
                with full:
                    with builder.if_else(unit) as (u, g):
                        with u:
                            k_loop(False, True)
                        with g:
                            k_loop(False, False)
                with edge:
                    k_loop(True, False)
            # a whole vector of columns stores plainly: a masked store (vmaskmov) costs tens of cycles on
            # AMD's cores, as much as the whole k loop of a short block
            with builder.if_else(n_whole) as (full, edge):
                for masked, branch in ((False, full), (True, edge)):
                    with branch:
                        for i in range(MR):
                            with builder.if_then(rows[i]):
                                ptr = builder.bitcast(row_c[i], vptr_t)
                                if masked:
                                    builder.call(mstore, [builder.load(accs[i]), ptr, align, cols])
                                else:
                                    builder.store(builder.load(accs[i]), ptr, align=align.constant)
            return context.get_dummy_value()

        return sig, codegen

    return gemm_block


gemm_block = intrinsic(_gemm_block_typer(False))
gemm_block_half = intrinsic(_gemm_block_typer(True))


@intrinsic
def pack_strip(typingctx, K, b, bo, ldb, n, p, po):
    """p[po + k*LANES + j] = b[bo + k*ldb + j] for j < n <= LANES, 0 for n <= j < LANES, k < K: one
    strip of b, one vector wide, copied into a stream the micro-kernel reads plainly (b_whole)."""
    if not all(isinstance(t, types.Array) and t.ndim == 1 for t in (b, p)) or b.dtype != p.dtype:
        return None
    if b.dtype not in (types.float32, types.float64) or not all(
            isinstance(t, types.Integer) for t in (K, bo, ldb, n, po)):
        return None
    sig = types.void(K, b, bo, ldb, n, p, po)

    def codegen(context, builder, signature, args):
        tys = signature.args
        K, b, bo, ldb, n, p, po = [context.cast(builder, v, t, types.intp) if isinstance(t, types.Integer) else v
                                   for v, t in zip(args, tys)]
        single = tys[1].dtype == types.float32
        lanes = 16 if single else 8
        vec_t = ir.VectorType(ir.FloatType() if single else ir.DoubleType(), lanes)
        vptr_t = ir.PointerType(vec_t)
        mload, _, _ = _masked(builder, vec_t, f"v{lanes}f{32 if single else 64}")
        align = ir.Constant(_I32, 4 if single else 8)
        pb = builder.gep(context.make_array(tys[1])(context, builder, b).data, [bo])
        pp = builder.gep(context.make_array(tys[5])(context, builder, p).data, [po])
        cols = builder.icmp_signed("<", ir.Constant(ir.VectorType(_I64, lanes), list(range(lanes))),
                                   _splat(builder, n, lanes))
        whole = builder.icmp_signed("==", n, ir.Constant(_I64, lanes))
        with builder.if_else(whole) as (full, edge):
            for masked, branch in ((False, full), (True, edge)):
                with branch:
                    with cgutils.for_range(builder, K) as loop:
                        src = builder.bitcast(builder.gep(pb, [builder.mul(loop.index, ldb)]), vptr_t)
                        v = builder.call(mload, [src, align, cols, ir.Constant(vec_t, [0.0] * lanes)]) if masked \
                            else builder.load(src, align=align.constant)
                        step = builder.mul(loop.index, ir.Constant(_I64, lanes))
                        dst = builder.bitcast(builder.gep(pp, [step]), vptr_t)
                        builder.store(v, dst, align=align.constant)
        return context.get_dummy_value()

    return sig, codegen
