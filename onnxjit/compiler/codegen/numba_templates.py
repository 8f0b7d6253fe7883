"""Hand-written Numba skeletons for heavy ops. Each reads its launch parameters from `q` (see
`fusion/templates.py:bind_step` for the order) and leaves its result in the buffer named `y`."""
import re


SKELETONS: dict[str, str] = {}

# Conv runs as jobs spread over the threads of a parallel kernel (see `numba_gen.render_kernel`): a
# job is an image/group's band of RB output rows (and a share of its output channels when there are
# fewer bands than threads), or one channel plane of a depthwise conv. A band is gathered into the
# thread's own scratch (im2col; a 1x1 conv reads its input in place) and multiplied by BLAS straight
# into the output; the bias and the fused epilogue then run over the job's box while it is in cache.
# The jobs themselves are shared helpers (`_conv_band`, `_dw_plane_at`), called at their addresses
# (KA[1], KA[2]) rather than linked: a call links the callee's code into the caller's, and LLVM
# optimised and emitted the helpers again in every conv kernel (about 0.9 s each, measured). So only
# the epilogue and the job split compile per kernel.
# Per kernel column kw: the output columns lo..hi whose input column is inside the image (used by
# depthwise conv and pooling rows, which sweep lo..hi branch-free).
KW_RANGES = '''
    # per kernel column: the output columns whose input column is inside the image
    kwlo = np.empty(KW, np.int64)
    kwhi = np.empty(KW, np.int64)
    for kw in range(KW):
        off = kw * DW - PL
        kwlo[kw] = min(OW, 0 if off >= 0 else (-off + SW - 1) // SW)
        kwhi[kw] = max(kwlo[kw], min(OW, (W - off + SW - 1) // SW))
'''

CONV_SETUP = '''
    N = q[0]; C = q[1]; H = q[2]; W = q[3]; M = q[4]; KH = q[5]; KW = q[6]; OH = q[7]; OW = q[8]
    SH = q[9]; SW = q[10]; PT = q[11]; PL = q[12]; DH = q[13]; DW = q[14]; G = q[15]
    CG = C // G; MG = M // G; K = CG * KH * KW
    depthwise = GROUPED and CG == 1 and MG == 1 and G > 1  # GROUPED: the node's group > 1 (static)
    # RB1: the band rows a thread's scratch holds (binding.py sizes it); RB: fewer rows when RB1
    # would leave a thread idle
    RB1 = max(1, min(OH, CONV_TILE // (K * OW)))
    SS = 0 if depthwise else K * RB1 * OW
    if SS > 0:
        T = max(1, min(T, scratch.size // SS))
    if MG > OH * OW:
        # more weights than output columns (a late layer): bands as tall as the scratch allows,
        # and the jobs share out the output channels, so that each reads its share of the
        # weights once rather than every thread reading all of them
        RB = RB1
        NBAND = (OH + RB - 1) // RB
        MCH = max(T // (N * G * NBAND), (MG * RB * OW + CONV_OUT_TILE - 1) // CONV_OUT_TILE)
        # whole rounds of jobs: with one job over, the other threads wait while it runs
        while (N * G * NBAND * MCH) % T != 0 and MCH * GEMM_MR < MG:
            MCH += 1
    else:
        RB = max(1, min(RB1, (OH * N * G + T - 1) // T // max(1, N * G)))
        # and fewer still when a band's output would not stay in cache for the epilogue
        RB = max(1, min(RB, CONV_OUT_TILE // (MG * OW)))
        NBAND = (OH + RB - 1) // RB
        MCH = T // (N * G * NBAND)
        while (N * G * NBAND * max(1, MCH)) % T != 0 and NBAND < OH:
            NBAND += 1  # whole rounds of jobs, as above
    MCH = 1 if depthwise else max(1, min(MG, MCH))
    MC = max(1, min(MG, ((MG + MCH - 1) // MCH + GEMM_MR - 1) // GEMM_MR * GEMM_MR))  # whole row panels of the micro-kernel
    MCH = (MG + MC - 1) // MC
    NJ = N * G if depthwise else N * G * NBAND * MCH
    if t >= T:
        return
'''

SKELETONS["conv"] = CONV_SETUP + KW_RANGES + '''
    # a depthwise job's padded input plane and wide output (stride 1), sized here once: the plane
    # helper is called at its address and hands no grown pair back
    DWP = (OH + (KH - 1) * DH) * (OW + (KW - 1) * DW) if depthwise and SH == 1 and SW == 1 else 0
    xp = np.empty(DWP, x.dtype)
    yw = np.empty(DWP, x.dtype)
    # thread t runs a contiguous run of jobs, and band bi is rows bi * OH // NBAND on: the threads'
    # shares of rows differ by one at most (round-robin over bands of 4, 4, 4, 2 rows gave 8 and 6)
    for job in range(t * NJ // T, (t + 1) * NJ // T):
        if depthwise:
            n = job // G
            m0 = job % G
            m1 = m0 + 1
            oh0 = 0
            oh1 = OH
            # _dw_plane_at, at its address (numba_gen.CONV_CALLS)
            call_kernel(KA[2], q, np.int64(n), np.int64(m0), x, w, BIAS, y, np.bool_(HAS_BIAS), kwlo, kwhi, xp, yw)
        else:
            mc = job % MCH
            bi = (job // MCH) % NBAND
            g = (job // (MCH * NBAND)) % G
            n = job // (MCH * NBAND * G)
            oh0 = bi * OH // NBAND
            oh1 = (bi + 1) * OH // NBAND
            m0 = g * MG + mc * MC
            m1 = min(g * MG + MG, m0 + MC)
            if m1 > m0:
                # _conv_band, at its address (numba_gen.CONV_CALLS)
                call_kernel(KA[1], q, scratch[t * SS:(t + 1) * SS], np.int64(n), np.int64(g), np.int64(oh0),
                            np.int64(oh1), np.int64(m0), np.int64(m1), x, w, BIAS, y, np.bool_(HAS_BIAS))
EPILOGUE_BOX
'''

# Pooling is separable. Two shapes have paths of their own, below: a window over the whole plane,
# and 3x3 windows at stride 1 (or 2 on narrow planes), swept plane by plane. Otherwise, row by row:
# each input row is first reduced over the kernel's columns, once, into hr
# (H rows of OW), then each output row combines the kernel's rows of hr in contiguous sweeps that
# LLVM vectorises. Per kernel column kw, the output columns whose input column is inside the image
# form one range (lo..hi); the columns inside every tap's range (ow0..ow1) of a stride-2 window 2 or
# 3 wide (nearly every CNN's pooling) are reduced with all taps in one loop body, an interleaved
# load that vectorises, and the rest tap by tap. Accumulation is in the tensor's dtype (POOL_T).
# Thread t of T pools channels c0..c1.
POOL_ROWS = KW_RANGES + '''    c0 = t * NC // T
    c1 = (t + 1) * NC // T
    one = POOL_T(NC >= 0)  # a 1 LLVM cannot see is 1 (see _pool)
    ow0 = 0
    ow1 = OW
    for kw in range(KW):
        ow0 = max(ow0, kwlo[kw])
        ow1 = min(ow1, kwhi[kw])
    ow1 = max(ow0, ow1)
    fast = SW == 2 and DW == 1 and (KW == 2 or KW == 3)
    if OH == 1 and OW == 1 and PT == 0 and PL == 0 and KH == H and KW == W and DH == 1 and DW == 1:
        # one window over the whole plane (resnet's last pool): one sweep a plane, rather than short
        # loops for each row and kernel column (2048 planes of 7x7 took 15x onnxruntime's time)
        oh = 0
        ow = 0
        POOL_ROW_SETUP
        for c in range(c0, c1):
            xs = x[c * H * W:(c + 1) * H * W]
            m = xs[0]
            for i in range(1, H * W):
                POOL_UPDATE(m, xs[i])
            yr = y[c:c + 1]
            POOL_ROW_STORE(yr[ow], m)
        return
    if (KH == 3 and KW == 3 and DH == 1 and DW == 1 and PT <= 1 and PL <= 1 and (SW == 1 or W <= 48)
            and SW <= 2 and H >= 2 and W >= 2 and (OH - 1) * SH - PT < H and (OW - 1) * SW < W):
        # 3x3 windows at a stride of 1, or 2 on planes up to 48 wide (nearly every CNN's pooling):
        # each plane reduced over the kernel's columns in one long sweep at every column, row ends
        # masked, then each output row from the kernel's rows of that; when the plane keeps its size,
        # in long sweeps too. Row by row, planes 7-28 wide spent their time entering and leaving short
        # loops (2-7x onnxruntime's time); on wider ones at stride 2 the row-by-row path, which reduces
        # only the columns a window starts at, is the faster
        HW = H * W
        m0 = np.empty(HW, np.bool_)  # each kernel column's tap is inside the row
        m1 = np.empty(HW, np.bool_)
        m2 = np.empty(HW, np.bool_)
        for j in range(HW):
            m0[j] = j % W >= PL
            m1[j] = j % W + 1 - PL < W
            m2[j] = j % W + 2 - PL < W
        same = SH == 1 and SW == 1 and PT == 1 and OH == H and OW == W
        POOL_SAME_SETUP
        hz = np.empty(HW, x.dtype)  # hz[j]: the window row whose first column is j - PL
        for c in range(c0, c1):
            xs = x[c * HW:(c + 1) * HW]
            ys = y[c * OH * OW:(c + 1) * OH * OW]
            for e in range(2):  # the two elements whose taps reach past the plane's ends
                j = e if e < PL else HW - 2 + e
                m = POOL_INIT
                for kw in range(3):
                    col = j % W + kw - PL
                    if col >= 0 and col < W:
                        POOL_UPDATE(m, xs[j + kw - PL])
                hz[j] = m
            xm = xs[1:]
            xr = xs[2:]
            a0 = m0[PL:]
            a1 = m1[PL:]
            a2 = m2[PL:]
            hzp = hz[PL:]
            for i in range(HW - 2):
                m = xs[i] if a0[i] else POOL_INIT
                v = xm[i] if a1[i] else POOL_INIT
                POOL_UPDATE(m, v)
                v = xr[i] if a2[i] else POOL_INIT
                POOL_UPDATE(m, v)
                hzp[i] = m
            if same:  # each row with the rows above and below (the first and last have one of them)
                for i in range(W):
                    m = hz[i]
                    POOL_UPDATE(m, hz[W + i])
                    POOL_SAME_STORE(ys[i], m, i)
                hm = hz[W:]
                hd = hz[2 * W:]
                ym = ys[W:]
                for i in range(HW - 2 * W):
                    m = hz[i]
                    POOL_UPDATE(m, hm[i])
                    POOL_UPDATE(m, hd[i])
                    POOL_SAME_STORE(ym[i], m, W + i)
                hb = hz[HW - W:]
                yb = ys[HW - W:]
                for i in range(W):
                    m = hz[HW - 2 * W + i]
                    POOL_UPDATE(m, hb[i])
                    POOL_SAME_STORE(yb[i], m, HW - W + i)
                continue
            for oh in range(OH):
                r0 = oh * SH - PT
                kh0 = max(0, -r0)
                nr = min(3, H - r0) - kh0  # the window's rows inside the plane: 1 to 3
                h0 = hz[(r0 + kh0) * W:]
                h1 = hz[(r0 + kh0 + min(1, nr - 1)) * W:]
                h2 = hz[(r0 + kh0 + min(2, nr - 1)) * W:]
                yr = ys[oh * OW:(oh + 1) * OW]
                POOL_ROW_SETUP
                if SW == 1:
                    for ow in range(OW):
                        m = h0[ow]
                        v = h1[ow] if nr > 1 else POOL_INIT
                        POOL_UPDATE(m, v)
                        v = h2[ow] if nr > 2 else POOL_INIT
                        POOL_UPDATE(m, v)
                        POOL_ROW_STORE(yr[ow], m)
                else:
                    for ow in range(OW):
                        m = h0[2 * ow]
                        v = h1[2 * ow] if nr > 1 else POOL_INIT
                        POOL_UPDATE(m, v)
                        v = h2[2 * ow] if nr > 2 else POOL_INIT
                        POOL_UPDATE(m, v)
                        POOL_ROW_STORE(yr[ow], m)
        return
    hr = np.empty(H * OW, x.dtype)
    for c in range(c0, c1):
        xo = c * H * W
        yo = c * OH * OW
        for r in range(H):
            hs = hr[r * OW:(r + 1) * OW]
            xr = x[xo + r * W:xo + (r + 1) * W]
            if fast:
                hi = hs[ow0:ow1]
                xs = xr[2 * ow0 - PL:]
                if KW == 3:
                    for i in range(ow1 - ow0):
                        m = xs[2 * i]
                        POOL_UPDATE(m, xs[2 * i + 1])
                        POOL_UPDATE(m, xs[2 * i + 2])
                        hi[i] = m
                else:
                    for i in range(ow1 - ow0):
                        m = xs[2 * i]
                        POOL_UPDATE(m, xs[2 * i + 1])
                        hi[i] = m
                for ow in range(ow0):
                    hs[ow] = POOL_INIT
                for ow in range(ow1, OW):
                    hs[ow] = POOL_INIT
                for kw in range(KW):  # the edge columns, tap by tap
                    for ow in range(kwlo[kw], min(ow0, kwhi[kw])):
                        POOL_UPDATE(hs[ow], xr[ow * SW + kw * DW - PL])
                    for ow in range(max(ow1, kwlo[kw]), kwhi[kw]):
                        POOL_UPDATE(hs[ow], xr[ow * SW + kw * DW - PL])
            else:
                for ow in range(OW):
                    hs[ow] = POOL_INIT
                for kw in range(KW):
                    lo = kwlo[kw]
                    hi = hs[lo:kwhi[kw]]
                    xs = xr[lo * SW + kw * DW - PL:]
                    if SW == 1:  # contiguous: the loop vectorises
                        for i in range(kwhi[kw] - lo):
                            POOL_UPDATE(hi[i], xs[i])
                    else:
                        for i in range(kwhi[kw] - lo):
                            POOL_UPDATE(hi[i], xs[i * SW])
        for oh in range(OH):
            yr = yo + oh * OW
            ys = y[yr:yr + OW]
            h0 = oh * SH - PT
            kh0 = 0 if h0 >= 0 else (-h0 + DH - 1) // DH
            kh1 = min(KH, (H - h0 + DH - 1) // DH)
            # the kernel's rows of hr, two or three at a time in one loop body
            kh = kh0
            hs = hr[(h0 + kh * DH) * OW:]
            if kh1 - kh0 == 1:
                for i in range(OW):
                    ys[i] = hs[i]
            elif kh1 - kh0 <= 0:
                for i in range(OW):
                    ys[i] = POOL_INIT
            kh += 1
            while kh + 1 < kh1:
                hs1 = hr[(h0 + kh * DH) * OW:]
                hs2 = hr[(h0 + (kh + 1) * DH) * OW:]
                for i in range(OW):
                    m = ys[i] if kh > kh0 + 1 else hs[i]
                    POOL_UPDATE(m, hs1[i])
                    POOL_UPDATE(m, hs2[i])
                    ys[i] = m * one
                kh += 2
            if kh < kh1:
                hs1 = hr[(h0 + kh * DH) * OW:]
                for i in range(OW):
                    m = ys[i] if kh > kh0 + 1 else hs[i]
                    POOL_UPDATE(m, hs1[i])
                    ys[i] = m * one
'''


def _pool(update: str, rows: str, same_store: str, row_store: str, same_setup: str = "pass",
          row_setup: str = "pass") -> str:
    """POOL_ROWS with POOL_UPDATE(acc, v) spelled out (lines of `update`) at each of its uses, and
    POOL_SAME_STORE(out, acc, k) (`same_store`: output element k of a plane that keeps its size),
    POOL_ROW_STORE(out, acc) (`row_store`: output element `ow` of row `oh`) and the set-up lines
    those need. An update of an array element in place ends `{keep}`: times `one` there, as a select
    that may keep the element read is stored by LLVM only where it changed, with masked stores
    (vmaskmov), which cost AMD's cores tens of cycles each (numba_gen._in_place_float)."""
    def spell(m: re.Match) -> str:
        acc = m.group(2)
        lines = update.format(acc=acc, v=m.group(3), keep=" * one" if "[" in acc else "")
        return m.group(1) + ("\n" + m.group(1)).join(ln for ln in lines.split("\n") if ln != "v = v")

    def store(template: str, m: re.Match) -> str:
        lines = template.format(out=m.group(2), v=m.group(3), k=m.group(4) if m.lastindex >= 4 else "")
        return m.group(1) + ("\n" + m.group(1)).join(lines.split("\n"))

    rows = re.sub(r"^( *)POOL_UPDATE\((.+?), (\w+(?:\[.+?\])?)\)$", spell, rows, flags=re.M)
    rows = re.sub(r"^( *)POOL_SAME_STORE\((\w+\[\w+\]), (\w+), (.+?)\)$", lambda m: store(same_store, m), rows,
                  flags=re.M)
    rows = re.sub(r"^( *)POOL_ROW_STORE\((\w+\[\w+\]), (\w+)\)$", lambda m: store(row_store, m), rows, flags=re.M)
    return rows.replace("POOL_SAME_SETUP", same_setup).replace("POOL_ROW_SETUP", row_setup)


SKELETONS["maxpool"] = '''
    NC = q[0]; H = q[1]; W = q[2]; OH = q[3]; OW = q[4]; KH = q[5]; KW = q[6]
    SH = q[7]; SW = q[8]; PT = q[9]; PL = q[10]; DH = q[11]; DW = q[12]
''' + _pool("v = {v}\n{acc} = (v if ((v > {acc}) | (v != v)) else {acc}){keep}",
            POOL_ROWS.replace("POOL_INIT", "POOL_MIN"), "{out} = {v}", "{out} = {v}")

SKELETONS["avgpool"] = '''
    NC = q[0]; H = q[1]; W = q[2]; OH = q[3]; OW = q[4]; KH = q[5]; KW = q[6]
    SH = q[7]; SW = q[8]; PT = q[9]; PL = q[10]; DH = q[11]; DW = q[12]; CIP = q[13]; PB = q[14]; PR = q[15]
    # window element counts per output column and row (padding counted when count_include_pad)
    cw = np.zeros(OW, np.int64)
    for ow in range(OW):
        for kw in range(KW):
            iw = ow * SW - PL + kw * DW
            if iw < W + PR if CIP else (iw >= 0 and iw < W):
                cw[ow] += 1
    ch = np.zeros(OH, np.int64)
    for oh in range(OH):
        for kh in range(KH):
            ih = oh * SH - PT + kh * DH
            if ih < H + PB if CIP else (ih >= 0 and ih < H):
                ch[oh] += 1
    cwf = cw.astype(POOL_T)
''' + _pool("{acc} += {v}", POOL_ROWS.replace("POOL_INIT", "POOL_T(0)"), "{out} = {v} / dv[{k}]",
            # a select after the division, as below
            "d = chv * cwf[ow]\nv = {v} / d\n{out} = v if d > 0 else POOL_T(0)",
            # each output's divisor when the plane keeps its size (every such window holds its centre)
            "dv = np.empty(HW if same else 0, POOL_T)\n        for j in range(HW if same else 0):\n"
            "            dv[j] = POOL_T(ch[j // W]) * cwf[j % W]", "chv = POOL_T(ch[oh])") + '''
            chv = POOL_T(ch[oh])
            ys = y[yr:yr + OW]
            for ow in range(OW):  # a select after the division: the loop vectorises
                d = chv * cwf[ow]
                v = ys[ow] / d
                ys[ow] = v if d > 0 else POOL_T(0)
'''

SKELETONS["gap"] = '''
    NC = q[0]; HW = q[1]
    for c in range(NC):
        s = 0.0
        for i in range(HW):
            s += x[c * HW + i]
        y[c] = s / HW
'''

SKELETONS["gmp"] = '''
    NC = q[0]; HW = q[1]
    for c in range(NC):
        m = -np.inf
        for i in range(HW):
            v = x[c * HW + i]
            if v > m or v != v:
                m = v
        y[c] = m
'''

# MatMul and Gemm: jobs of whole products (one per batch matrix when there are enough of them) or
# of row or column blocks of one, computed in place by the micro-kernel (MatMul) or BLAS (Gemm);
# the epilogue runs afterwards over rows of the output shared among the threads (see
# `SKELETONS_AFTER`).
SKELETONS["matmul"] = '''
    NB = q[0]; M = q[1]; K = q[2]; N = q[3]; RB = q[4]
    flat = True
    for r in range(RB):
        if q[5 + 2 * RB + r] != 0:
            flat = False
    MM = NB * M if flat else M  # B has no batch: one (NB*M, K) x (K, N) product
    NBT = 1 if flat else NB
    RC, CC = _split(MM, N, (T + NBT - 1) // NBT)
    for job in range(t, NBT * RC * CC, T):
        cc = job % CC
        rc = (job // CC) % RC
        bt = job // (CC * RC)
        r0 = rc * MM // RC
        r1 = (rc + 1) * MM // RC
        c0 = cc * N // CC
        c1 = (cc + 1) * N // CC
        ia = 0
        ib = 0
        rem = bt
        for r in range(RB - 1, -1, -1):
            d = q[5 + r]
            i = rem % d
            rem //= d
            ia += i * q[5 + RB + r]
            ib += i * q[5 + 2 * RB + r]
        # _mm, at its address (numba_gen.ADDRESS_CALLS): linked, it compiled again in every MatMul kernel
        call_kernel(KA[MM_AT], np.int64(r1 - r0), np.int64(c1 - c0), np.int64(K), a[(ia * M + r0) * K:], np.int64(K),
                    b[ib * K * N + c0:], np.int64(N), y[(bt * M + r0) * N + c0:], np.int64(N), np.bool_(False), y[:0],
                    np.bool_(False))
'''

SKELETONS["gemm"] = '''
    M = q[0]; K = q[1]; N = q[2]
    RC, CC = _split(M, N, T)
    for job in range(t, RC * CC, T):
        r0 = (job // CC) * M // RC
        r1 = (job // CC + 1) * M // RC
        c0 = (job % CC) * N // CC
        c1 = (job % CC + 1) * N // CC
        if SMALL_NT and r1 - r0 <= 16:
            _gemm_small_nt(r1 - r0, c1 - c0, K, A_AT, B_AT, y[r0 * N + c0:], N)
        else:
            _gemm(r1 - r0, c1 - c0, K, A_AT, LDA, TRANS_A, B_AT, LDB, TRANS_B, y[r0 * N + c0:], N, 0.0)
'''

# What runs after all jobs are done, on rows er0..er1 of the output (this thread's share).
SKELETONS_AFTER: dict[str, str] = {}

SKELETONS_AFTER["gemm"] = '''
    M = q[0]; K = q[1]; N = q[2]; CSM = q[3]; CSN = q[4]
    if ALPHA != 1.0 or HAS_C:
        for i in range(er0, er1):
            for j in range(N):
                v = y[i * N + j] * ALPHA
                if HAS_C:
                    v += BETA * c[i * CSM + j * CSN]
                y[i * N + j] = v
'''

SKELETONS["softmax"] = '''
    OUTER = q[0]; L = q[1]; INNER = q[2]
    for o in range(t * OUTER // T, (t + 1) * OUTER // T):  # thread t's rows
        for i in range(INNER):
            base = o * L * INNER + i
            m = -np.inf
            for j in range(L):
                v = x[base + j * INNER]
                if v > m:
                    m = v
            s = 0.0
            for j in range(L):
                e = np.exp(x[base + j * INNER] - m)
                y[base + j * INNER] = e
                s += e
            r = 1.0 / s
            for j in range(L):
                y[base + j * INNER] *= r
'''

SKELETONS["logsoftmax"] = '''
    OUTER = q[0]; L = q[1]; INNER = q[2]
    for o in range(t * OUTER // T, (t + 1) * OUTER // T):  # thread t's rows
        for i in range(INNER):
            base = o * L * INNER + i
            m = -np.inf
            for j in range(L):
                v = x[base + j * INNER]
                if v > m:
                    m = v
            s = 0.0
            for j in range(L):
                s += np.exp(x[base + j * INNER] - m)
            ls = np.log(s) + m
            for j in range(L):
                y[base + j * INNER] = x[base + j * INNER] - ls
'''

SKELETONS["layernorm"] = '''
    OUTER = q[0]; L = q[1]
    for o in range(t * OUTER // T, (t + 1) * OUTER // T):  # thread t's rows
        base = o * L
        s = 0.0
        for j in range(L):
            s += x[base + j]
        mean = s / L
        v = 0.0
        for j in range(L):
            d = x[base + j] - mean
            v += d * d
        r = 1.0 / np.sqrt(v / L + EPSILON)
        for j in range(L):
            t = (x[base + j] - mean) * r * scale[j]
            if HAS_BIAS:
                t += bias[j]
            y[base + j] = t
'''

SKELETONS["reduce"] = '''
    OUTER = q[0]; L = q[1]; INNER = q[2]; R = q[3]
    if R == 0:
        # the reduced axes are adjacent: x is (OUTER, L, INNER)
        for o in range(OUTER):
            for i in range(INNER):
                base = o * L * INNER + i
                acc = INIT
                for j in range(L):
                    v = x[base + j * INNER]
                    ACCUMULATE
                y[o * INNER + i] = FINISH
    else:
        # any axes: output o and reduction index j are unravelled over the kept and the reduced
        # dims of x (dims q[4:4+R], reduced flags q[4+R:4+2R]); OUTER outputs, L elements each
        for o in range(OUTER):
            acc = INIT
            for j in range(L):
                ro = o
                rj = j
                off = 0
                stride = 1
                for r in range(R - 1, -1, -1):
                    d = q[4 + r]
                    if q[4 + R + r]:
                        off += (rj % d) * stride
                        rj //= d
                    else:
                        off += (ro % d) * stride
                        ro //= d
                    stride *= d
                v = x[off]
                ACCUMULATE
            y[o] = FINISH
'''

# LRN: thread t of T normalises its share of the (image, channel) planes; a plane's sum of squares
# over its channel window is accumulated in whole-plane sweeps (vectorised), then scales the plane.
SKELETONS["lrn"] = '''
    N = q[0]; C = q[1]; HW = q[2]
    lo_off = (SIZE - 1) // 2
    hi_off = SIZE - 1 - lo_off
    s = np.empty(HW, x.dtype)
    for job in range(t * N * C // T, (t + 1) * N * C // T):
        n = job // C
        c = job % C
        for i in range(HW):
            s[i] = 0
        for cc in range(max(0, c - lo_off), min(C - 1, c + hi_off) + 1):
            xs = x[(n * C + cc) * HW:(n * C + cc + 1) * HW]
            for i in range(HW):
                s[i] += xs[i] * xs[i]
        xs = x[job * HW:(job + 1) * HW]
        ys = y[job * HW:(job + 1) * HW]
        for i in range(HW):
            d = BIAS + ALPHA / SIZE * s[i]
            ys[i] = xs[i] * NEG_POW_BETA
'''

SKELETONS["concat"] = '''
    OUTER = q[0]; TOTAL = q[1]
    off = 0
CONCAT_PARTS
'''

SKELETONS["gather"] = '''
    OUTER = q[0]; L = q[1]; INNER = q[2]; NI = q[3]
    for o in range(OUTER):
        for j in range(NI):
            k = idx[j]
            if k < 0:
                k += L
            if k < 0 or k >= L:  # indices are data: checked here, never read out of bounds
                raise IndexError("Gather: indices element out of data bounds")
            src = (o * L + k) * INNER
            dst = (o * NI + j) * INNER
            for i in range(INNER):
                y[dst + i] = x[src + i]
'''
