"""Hand-written Triton skeletons (the module's prelude is in triton_prelude.py).

Kernels call only `tl` builtins and the prelude's own @triton.jit functions: the standard library's
jit functions (tl.sum, tl.zeros, tl.cdiv, ...) are compiled-mode objects when triton was imported
before TRITON_INTERPRET was set, and the interpreter cannot call them. Reductions are spelled
`tl.reduce(x, axis, tl.standard._sum_combine)` (what tl.sum does), which the interpreter runs
as a numpy reduction.

A skeleton is the body of a `@triton.jit` kernel: it computes its result into `val` at the linear
output indices `lin` (mask `m`), then the line `EPILOGUE` is replaced by the step's fused
elementwise consumers and the stores. `ACC_T` / `OUT_T` are the accumulator and result types. Launch
parameters come from `fusion/templates.py:bind_step` (by position); each skeleton's launcher body
turns them into the kernel's scalars `sk`, its `grid` and its `meta` (block sizes, warps).
"""

# --- kernel bodies (after the generated signature) and launcher bodies ------------------------------

FLAT_KERNEL = '''
    lin = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = lin < N
'''

SOFTMAX = '''
    rows = tl.program_id(0) * BR + tl.arange(0, BR)
    rm = rows < ROWS
    base = (rows // INNER) * L * INNER + rows % INNER
    cols = tl.arange(0, BL)
    mx = tl.full([BR], _NINF, ACC_T)
    s = tl.full([BR], 0, ACC_T)
    for j0 in range(0, L, BL):
        j = j0 + cols
        lm = rm[:, None] & (j < L)[None, :]
        xv = tl.load(x + base[:, None] + j[None, :] * INNER, mask=lm, other=_NINF).to(ACC_T)
        mn = tl.maximum(mx, tl.reduce(xv, 1, tl.standard._elementwise_max))
        ms = tl.where(mn == _NINF, 0.0, mn)
        s = s * tl.exp(mx - ms) + tl.reduce(tl.exp(xv - ms[:, None]), 1, tl.standard._sum_combine)
        mx = mn
    ms = tl.where(mx == _NINF, 0.0, mx)
    for j0 in range(0, L, BL):
        j = j0 + cols
        m = rm[:, None] & (j < L)[None, :]
        lin = base[:, None] + j[None, :] * INNER
        xv = tl.load(x + lin, mask=m, other=0.0).to(ACC_T)
        val = (RESULT).to(OUT_T)
        EPILOGUE
'''
SOFTMAX_RESULT = {"softmax": "tl.exp(xv - ms[:, None]) / s[:, None]",
                  "logsoftmax": "xv - ms[:, None] - tl.log(s)[:, None]"}
SOFTMAX_LAUNCH = '''
    rows, length, inner = p[0] * p[2], p[1], p[2]
    if rows * length == 0:
        return
    br, bl, warps = _rows(rows, length)
    sk = [rows, length, inner]
    grid = (triton.cdiv(rows, br),)
    meta = dict(BR=br, BL=bl, num_warps=warps)
'''

LAYERNORM = '''
    rows = tl.program_id(0) * BR + tl.arange(0, BR)
    rm = rows < ROWS
    base = rows * L
    cols = tl.arange(0, BL)
    s = tl.full([BR], 0, ACC_T)
    for j0 in range(0, L, BL):
        j = j0 + cols
        lm = rm[:, None] & (j < L)[None, :]
        xv = tl.load(x + base[:, None] + j[None, :], mask=lm, other=0.0).to(ACC_T)
        s += tl.reduce(xv, 1, tl.standard._sum_combine)
    mean = s / L
    v = tl.full([BR], 0, ACC_T)
    for j0 in range(0, L, BL):
        j = j0 + cols
        lm = rm[:, None] & (j < L)[None, :]
        xv = tl.load(x + base[:, None] + j[None, :], mask=lm, other=0.0).to(ACC_T)
        d = tl.where(lm, xv - mean[:, None], 0.0)
        v += tl.reduce(d * d, 1, tl.standard._sum_combine)
    rstd = 1.0 / tl.sqrt_rn(v / L + EPSILON)
    for j0 in range(0, L, BL):
        j = j0 + cols
        m = rm[:, None] & (j < L)[None, :]
        lin = base[:, None] + j[None, :]
        xv = tl.load(x + lin, mask=m, other=0.0).to(ACC_T)
        w = tl.load(scale + j, mask=j < L, other=0.0).to(ACC_T)
        t = (xv - mean[:, None]) * rstd[:, None] * w[None, :]
        BIAS
        val = t.to(OUT_T)
        EPILOGUE
'''
LAYERNORM_BIAS = "t = t + tl.load(bias + j, mask=j < L, other=0.0).to(ACC_T)[None, :]"
LAYERNORM_LAUNCH = '''
    rows, length = p[0], p[1]
    if rows * length == 0:
        return
    br, bl, warps = _rows(rows, length)
    sk = [rows, length]
    grid = (triton.cdiv(rows, br),)
    meta = dict(BR=br, BL=bl, num_warps=warps)
'''

# REDUCE: KEPT_OFFSETS / REDUCED_OFFSETS are generated (unravel over the NR dims)
REDUCE = '''
    o = tl.program_id(0) * BR + tl.arange(0, BR)
    om = o < OUTS
KEPT_OFFSETS
    cols = tl.arange(0, BL)
    acc = tl.full([BR, BL], INIT, ACC_T)
    for j0 in range(0, L, BL):
        j = j0 + cols
REDUCED_OFFSETS
        lm = om[:, None] & (j < L)[None, :]
        xv = tl.load(x + ko[:, None] + jo[None, :], mask=lm, other=INIT).to(ACC_T)
        acc = COMBINE
    val = (FINISH).to(OUT_T)
    lin = o
    m = om
    EPILOGUE
'''
REDUCE_HOW = {
    "sum": ("0.0", "acc + xv", "tl.reduce(acc, 1, tl.standard._sum_combine)"),
    "mean": ("0.0", "acc + xv", "tl.reduce(acc, 1, tl.standard._sum_combine) / tl.maximum(L, 1)"),  # mean of nothing: 0
    "max": ("_NINF", "tl.where((xv > acc) | (xv != xv), xv, acc)",
            "tl.where(tl.reduce((acc != acc).to(tl.int32), 1, tl.standard._sum_combine) > 0, math.nan, tl.reduce(acc, 1, tl.standard._elementwise_max))"),
    "min": ("_INF", "tl.where((xv < acc) | (xv != xv), xv, acc)",
            "tl.where(tl.reduce((acc != acc).to(tl.int32), 1, tl.standard._sum_combine) > 0, math.nan, tl.reduce(acc, 1, tl.standard._elementwise_min))"),
}
REDUCE_LAUNCH = '''
    kept, reduced, strides = _reduce_geometry(p, NR)
    outs, length = _prod(kept), _prod(reduced)
    if outs == 0:
        return
    br, bl, warps = _rows(outs, length)
    sk = [outs, length, *kept, *reduced, *strides]
    grid = (triton.cdiv(outs, br),)
    meta = dict(BR=br, BL=bl, num_warps=warps)
'''

# MATMUL / GEMM: BATCH_OFFSETS is generated (ia, ib: matrix indices of a and b for batch t)
MATMUL = '''
    pid = tl.program_id(0)
    t = tl.program_id(1)
    nn = (N + BN - 1) // BN
    pm = pid // nn
    pn = pid % nn
    ia = t * 0
    ib = t * 0
BATCH_OFFSETS
    rm = pm * BM + tl.arange(0, BM)
    rn = pn * BN + tl.arange(0, BN)
    rk = tl.arange(0, BK)
    a_ptr = a + ia.to(tl.int64) * M * K
    b_ptr = b + ib.to(tl.int64) * K * N
    acc = tl.full((BM, BN), 0, ACC_T)
    for k0 in range(0, K, BK):
        kk = k0 + rk
        av = tl.load(a_ptr + A_OFFSET, mask=(rm[:, None] < M) & (kk[None, :] < K), other=0.0)
        bv = tl.load(b_ptr + B_OFFSET, mask=(kk[:, None] < K) & (rn[None, :] < N), other=0.0)
        acc = tl.dot(av, bv, acc, input_precision=PRECISION, out_dtype=ACC_T)
    m = (rm[:, None] < M) & (rn[None, :] < N)
    lin = t * M * N + rm[:, None] * N + rn[None, :]
GEMM_SCALE
    val = acc.to(OUT_T)
    EPILOGUE
'''
MATMUL_LAUNCH = '''
    nb, mm, kk, nn, rb = p[0], p[1], p[2], p[3], p[4]
    batch, sa, sb = list(p[5:5 + rb]), list(p[5 + rb:5 + 2 * rb]), list(p[5 + 2 * rb:5 + 3 * rb])
    if not any(sb):
        # b has no batch: one (nb * M, K) x (K, N) product
        mm, nb = nb * mm, 1
        batch, sa, sb = [1] * rb, [0] * rb, [0] * rb
    if nb * mm * nn == 0:
        return
    bm, bn, bk, warps, stages = _mm(mm, nn, kk)
    sk = [mm, kk, nn, *batch, *sa, *sb]
    grid = (triton.cdiv(mm, bm) * triton.cdiv(nn, bn), nb)
    meta = dict(BM=bm, BN=bn, BK=bk, num_warps=warps, num_stages=stages)
'''
GEMM_LAUNCH = '''
    mm, kk, nn = p[0], p[1], p[2]
    if mm * nn == 0:
        return
    bm, bn, bk, warps, stages = _mm(mm, nn, kk)
    sk = [mm, kk, nn, p[3], p[4]]
    grid = (triton.cdiv(mm, bm) * triton.cdiv(nn, bn), 1)
    meta = dict(BM=bm, BN=bn, BK=bk, num_warps=warps, num_stages=stages)
'''

# copies over the output's linear index; OFFSETS is generated
STRIDED_LAUNCH = '''
    rank = p[0]
    n = _prod(p[1:1 + rank])
    if n == 0:
        return
    block, warps = _flat(n)
    sk = [n, *p[1:1 + 2 * rank], p[1 + 2 * rank] if len(p) > 1 + 2 * rank else 0]
    grid = (triton.cdiv(n, block),)
    meta = dict(BLOCK=block, num_warps=warps)
'''
CONCAT_LAUNCH = '''
    n = p[0] * p[1]
    if n == 0:
        return
    block, warps = _flat(n)
    sk = [n, *p[1:]]
    grid = (triton.cdiv(n, block),)
    meta = dict(BLOCK=block, num_warps=warps)
'''
GATHER = '''
    i = lin % INNER
    rest = lin // INNER
    jj = rest % NI
    o = rest // NI
    k = tl.load(idx + jj, mask=m, other=0)
    k = tl.where(k < 0, k + L, k)
    # indices are data: an out-of-range one reads 0 (never out of bounds; the host checks constant ones)
    val = tl.load(x + (o * L + k) * INNER + i, mask=m & (k >= 0) & (k < L), other=0)
    EPILOGUE
'''
GATHER_LAUNCH = '''
    n = p[0] * p[3] * p[2]
    if n == 0:
        return
    block, warps = _flat(n)
    sk = [n, p[1], p[2], p[3]]
    grid = (triton.cdiv(n, block),)
    meta = dict(BLOCK=block, num_warps=warps)
'''
ELEMENTWISE_LAUNCH = '''
    n = _prod(ep[:RANK])
    if n == 0:
        return
    block, warps = _flat(n)
    sk = [n]
    grid = (triton.cdiv(n, block),)
    meta = dict(BLOCK=block, num_warps=warps)
'''

# CONV as an implicit GEMM per group: rows are output pixels (n, oh, ow), columns the group's output
# channels, K = CG * KH * KW; the A tile is gathered from x (zero outside the image), never stored.
CONV = '''
    pid = tl.program_id(0)
    g = tl.program_id(1)
    CG = C // G
    MG = M // G
    KK = CG * KH * KW
    OHW = OH * OW
    nn = (MG + BN - 1) // BN
    pm = pid // nn
    pn = pid % nn
    rp = pm * BM + tl.arange(0, BM)
    rn = pn * BN + tl.arange(0, BN)
    rk = tl.arange(0, BK)
    ow_ = rp % OW
    n_ = rp // OHW
    oh_ = (rp // OW) % OH
    ih0 = oh_ * SH - PT
    iw0 = ow_ * SW - PL
    x_row = n_ * C * H * W + g * CG * H * W
    acc = tl.full((BM, BN), 0, ACC_T)
    for k0 in range(0, KK, BK):
        kk = k0 + rk
        kw_ = kk % KW
        kh_ = (kk // KW) % KH
        c_ = kk // (KW * KH)
        ih = ih0[:, None] + kh_[None, :] * DH
        iw = iw0[:, None] + kw_[None, :] * DW
        am = (rp < N * OHW)[:, None] & (kk < KK)[None, :] & (ih >= 0) & (ih < H) & (iw >= 0) & (iw < W)
        av = tl.load(x + x_row[:, None] + c_[None, :] * H * W + ih * W + iw, mask=am, other=0.0)
        bv = tl.load(w + (g * MG + rn[None, :]) * KK + kk[:, None], mask=(kk[:, None] < KK) & (rn[None, :] < MG),
                     other=0.0)
        acc = tl.dot(av, bv, acc, input_precision=PRECISION, out_dtype=ACC_T)
    BIAS
    m = (rp < N * OHW)[:, None] & (rn < MG)[None, :]
    lin = (n_ * M * OHW + oh_ * OW + ow_)[:, None] + ((g * MG + rn) * OHW)[None, :]
    val = acc.to(OUT_T)
    EPILOGUE
'''
CONV_BIAS = "acc = acc + tl.load(b + g * MG + rn, mask=rn < MG, other=0.0).to(ACC_T)[None, :]"
CONV_LAUNCH = '''
    n, c, h, w, m, kh, kw, oh, ow = p[:9]
    groups = p[15]
    if n * m * oh * ow == 0:
        return
    bm, bn, bk, warps, stages = _mm(n * oh * ow, m // groups, (c // groups) * kh * kw)
    sk = list(p[:16])
    grid = (triton.cdiv(n * oh * ow, bm) * triton.cdiv(m // groups, bn), groups)
    meta = dict(BM=bm, BN=bn, BK=bk, num_warps=warps, num_stages=stages)
'''

# POOL: one output element per lane, the window walked by two run-time loops
POOL = '''
    ow_ = lin % OW
    oh_ = (lin // OW) % OH
    nc = lin // (OW * OH)
    acc = tl.full([BLOCK], INIT, ACC_T)
    cnt = tl.full([BLOCK], 0, tl.int32)
    for kh in range(0, KH):
        ih = oh_ * SH - PT + kh * DH
        for kw in range(0, KW):
            iw = ow_ * SW - PL + kw * DW
            inside = m & (ih >= 0) & (ih < H) & (iw >= 0) & (iw < W)
            v = tl.load(x + nc * H * W + ih * W + iw, mask=inside, other=INIT).to(ACC_T)
            UPDATE
    val = (FINISH).to(OUT_T)
    EPILOGUE
'''
POOL_HOW = {
    "maxpool": ("_NINF", "acc = tl.where(inside & ((v > acc) | (v != v)), v, acc)", "acc"),
    "avgpool": ("0.0", "acc = acc + v\n            cnt += COUNTED.to(tl.int32)",
                "tl.where(cnt > 0, acc / tl.maximum(cnt, 1).to(ACC_T), 0.0)"),
}
POOL_LAUNCH = '''
    n = p[0] * p[3] * p[4]
    if n == 0:
        return
    block, warps = _flat(n)
    sk = [n, *p[:16]]
    grid = (triton.cdiv(n, block),)
    meta = dict(BLOCK=block, num_warps=warps)
'''
# a global pool is a reduction of each (n, c) row over its H*W elements
GLOBAL_POOL_LAUNCH = REDUCE_LAUNCH.replace("_reduce_geometry(p, NR)", "_reduce_geometry([p[0], p[1], 1, 0], NR)")
