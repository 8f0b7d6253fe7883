"""Hand-written Numba skeletons for heavy ops. Each reads its launch parameters from `q` (see
`fusion/templates.py:bind_step` for the order) and leaves its result in the buffer named `y`."""

IM2COL = '''
@nb.njit(cache=True, error_model="numpy")
def _im2col(xs, col, CG, H, W, KH, KW, OH0, OH1, OW, SH, SW, PT, PL, DH, DW):
    """Columns for output rows OH0..OH1: col is (CG*KH*KW, (OH1-OH0)*OW)."""
    P = (OH1 - OH0) * OW
    for c in range(CG):
        for kh in range(KH):
            for kw in range(KW):
                row = ((c * KH + kh) * KW + kw) * P
                for oh in range(OH0, OH1):
                    ih = oh * SH - PT + kh * DH
                    base = row + (oh - OH0) * OW
                    if ih < 0 or ih >= H:
                        for ow in range(OW):
                            col[base + ow] = 0
                    else:
                        xrow = (c * H + ih) * W
                        for ow in range(OW):
                            iw = ow * SW - PL + kw * DW
                            col[base + ow] = xs[xrow + iw] if (iw >= 0 and iw < W) else 0
'''

SKELETONS: dict[str, str] = {}

SKELETONS["conv"] = '''
    N = q[0]; C = q[1]; H = q[2]; W = q[3]; M = q[4]; KH = q[5]; KW = q[6]; OH = q[7]; OW = q[8]
    SH = q[9]; SW = q[10]; PT = q[11]; PL = q[12]; DH = q[13]; DW = q[14]; G = q[15]
    CG = C // G; MG = M // G; K = CG * KH * KW; P = OH * OW; HW = H * W
    direct = KH == 1 and KW == 1 and SH == 1 and SW == 1 and PT == 0 and PL == 0
    if CG == 1 and MG == 1 and G > 1:
        # depthwise: a direct loop beats G tiny matrix products. Like pooling, each output row is
        # swept once per valid (kh, kw) over the output columns whose input is inside the image.
        for n in range(N):
            for g in range(G):
                xo = (n * C + g) * HW
                yo = (n * M + g) * P
                wo = g * KH * KW
                for oh in range(OH):
                    yr = yo + oh * OW
                    h0 = oh * SH - PT
                    for ow in range(OW):
                        y[yr + ow] = 0
                    for kh in range(KH):
                        ih = h0 + kh * DH
                        if ih < 0 or ih >= H:
                            continue
                        row = xo + ih * W
                        for kw in range(KW):
                            wv = w[wo + kh * KW + kw]
                            off = kw * DW - PL
                            lo = 0 if off >= 0 else (-off + SW - 1) // SW
                            hi = min(OW, (W - off + SW - 1) // SW)
                            if hi <= lo:
                                continue
                            ys = y[yr + lo:yr + hi]
                            if SW == 1:  # contiguous: the loop vectorises
                                xs = x[row + lo + off:row + hi + off]
                                for i in range(hi - lo):
                                    ys[i] += wv * xs[i]
                            else:
                                xs = x[row + lo * SW + off:row + (hi - 1) * SW + off + 1:SW]
                                for i in range(hi - lo):
                                    ys[i] += wv * xs[i]
    else:
        for n in range(N):
            for g in range(G):
                xs = x[(n * C + g * CG) * HW:(n * C + (g + 1) * CG) * HW]
                ws = w[g * MG * K:(g + 1) * MG * K].reshape((MG, K))
                if direct:
                    ys = y[(n * M + g * MG) * P:(n * M + (g + 1) * MG) * P].reshape((MG, P))
                    np.dot(ws, xs.reshape((CG, HW)), ys)
                    continue
                # im2col a band of RB output rows at a time, so the columns stay in cache for
                # the product; the band's result is copied into place row by row
                RB = max(1, min(OH, CONV_TILE // (K * OW)))
                for oh0 in range(0, OH, RB):
                    oh1 = min(OH, oh0 + RB)
                    B = (oh1 - oh0) * OW
                    _im2col(xs, scratch, CG, H, W, KH, KW, oh0, oh1, OW, SH, SW, PT, PL, DH, DW)
                    band = scratch[K * B:(K + MG) * B].reshape((MG, B))
                    np.dot(ws, scratch[:K * B].reshape((K, B)), band)
                    for m in range(MG):
                        o = (n * M + g * MG + m) * P + oh0 * OW
                        y[o:o + B] = band[m]
    if HAS_BIAS:
        for n in range(N):
            for m in range(M):
                bm = b[m]
                o = (n * M + m) * P
                for i in range(P):
                    y[o + i] += bm
'''

# Pooling works a whole output row at a time: for each valid kernel row kh and column kw, the output
# columns whose input column is inside the image form one range (lo..hi), so the innermost loop is a
# branch-free strided sweep that LLVM vectorises. Accumulation is in the tensor's dtype (POOL_T).
POOL_ROWS = '''
    for c in range(NC):
        xo = c * H * W
        yo = c * OH * OW
        for oh in range(OH):
            yr = yo + oh * OW
            h0 = oh * SH - PT
            kh0 = 0 if h0 >= 0 else (-h0 + DH - 1) // DH
            kh1 = min(KH, (H - h0 + DH - 1) // DH)
            for ow in range(OW):
                y[yr + ow] = POOL_INIT
            for kh in range(kh0, kh1):
                row = xo + (h0 + kh * DH) * W
                for kw in range(KW):
                    off = kw * DW - PL
                    lo = 0 if off >= 0 else (-off + SW - 1) // SW
                    hi = min(OW, (W - off + SW - 1) // SW)
                    if hi <= lo:
                        continue
                    ys = y[yr + lo:yr + hi]
                    if SW == 1:  # contiguous: the loop vectorises
                        xs = x[row + lo + off:row + hi + off]
                        for i in range(hi - lo):
                            POOL_UPDATE
                    else:
                        xs = x[row + lo * SW + off:row + (hi - 1) * SW + off + 1:SW]
                        for i in range(hi - lo):
                            POOL_UPDATE
'''

SKELETONS["maxpool"] = '''
    NC = q[0]; H = q[1]; W = q[2]; OH = q[3]; OW = q[4]; KH = q[5]; KW = q[6]
    SH = q[7]; SW = q[8]; PT = q[9]; PL = q[10]; DH = q[11]; DW = q[12]
''' + POOL_ROWS.replace("POOL_INIT", "POOL_MIN").replace(
    "POOL_UPDATE", "ys[i] = xs[i] if (xs[i] > ys[i] or xs[i] != xs[i]) else ys[i]")

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
''' + POOL_ROWS.replace("POOL_INIT", "POOL_T(0)").replace("POOL_UPDATE", "ys[i] += xs[i]") + '''
            for ow in range(OW):
                cnt = ch[oh] * cw[ow]
                y[yr + ow] = y[yr + ow] / POOL_T(cnt) if cnt > 0 else POOL_T(0)
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

SKELETONS["matmul"] = '''
    NB = q[0]; M = q[1]; K = q[2]; N = q[3]; RB = q[4]
    flat = True
    for r in range(RB):
        if q[5 + 2 * RB + r] != 0:
            flat = False
    if flat:
        # B has no batch: one (NB*M, K) x (K, N) product
        np.dot(a[:NB * M * K].reshape((NB * M, K)), b[:K * N].reshape((K, N)), y[:NB * M * N].reshape((NB * M, N)))
    else:
        for t in range(NB):
            rem = t
            ia = 0
            ib = 0
            for r in range(RB - 1, -1, -1):
                d = q[5 + r]
                i = rem % d
                rem //= d
                ia += i * q[5 + RB + r]
                ib += i * q[5 + 2 * RB + r]
            np.dot(a[ia * M * K:(ia + 1) * M * K].reshape((M, K)), b[ib * K * N:(ib + 1) * K * N].reshape((K, N)),
                   y[t * M * N:(t + 1) * M * N].reshape((M, N)))
'''

SKELETONS["gemm"] = '''
    M = q[0]; K = q[1]; N = q[2]; CSM = q[3]; CSN = q[4]
    A = A_VIEW
    B = B_VIEW
    Y = y[:M * N].reshape((M, N))
    np.dot(A, B, Y)
    if ALPHA != 1.0 or HAS_C:
        for i in range(M):
            for j in range(N):
                v = Y[i, j] * ALPHA
                if HAS_C:
                    v += BETA * c[i * CSM + j * CSN]
                Y[i, j] = v
'''

SKELETONS["softmax"] = '''
    OUTER = q[0]; L = q[1]; INNER = q[2]
    for o in range(OUTER):
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
    for o in range(OUTER):
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
    for o in range(OUTER):
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

SKELETONS["lrn"] = '''
    N = q[0]; C = q[1]; HW = q[2]
    lo_off = (SIZE - 1) // 2
    hi_off = SIZE - 1 - lo_off
    for n in range(N):
        for c in range(C):
            c0 = max(0, c - lo_off)
            c1 = min(C - 1, c + hi_off)
            for i in range(HW):
                s = 0.0
                for cc in range(c0, c1 + 1):
                    v = x[(n * C + cc) * HW + i]
                    s += v * v
                idx = (n * C + c) * HW + i
                y[idx] = x[idx] / (BIAS + ALPHA / SIZE * s) ** BETA
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
            src = (o * L + k) * INNER
            dst = (o * NI + j) * INNER
            for i in range(INNER):
                y[dst + i] = x[src + i]
'''
