"""Helper functions the heavy Numba templates call (numba_templates.py): BLAS in place, im2col and
the conv jobs. numba_gen.py puts them in one content-addressed module of their own, which every kernel
that uses them imports, so they compile once per machine rather than once per kernel."""

IM2COL = '''
@nb.njit(cache=True, error_model="numpy")
def _im2col_shifted(xs, cr, c, H, W, dh, off, lo, hi, OH0, OH1):
    """One im2col row (a (c, kh, kw) tap) when stride 1 keeps the width (W == OW): the tap is the
    channel plane shifted by dh rows and off columns, so the rows whose input is inside the image are
    one contiguous copy; then the columns outside it (hi..OW of one row and 0..lo of the next, one
    contiguous gap) and the rows outside it are zeroed."""
    OW = W
    P = (OH1 - OH0) * OW
    r0 = max(OH0, -dh)          # first output row whose input row is inside the image
    r1 = min(OH1, H - dh)
    if r1 <= r0 or hi <= lo:
        for i in range(P):
            cr[i] = 0
        return
    d0 = (r0 - OH0) * OW + lo
    d1 = (r1 - 1 - OH0) * OW + hi
    src = xs[(c * H + r0 + dh) * W + lo + off:]
    dst = cr[d0:d1]
    for i in range(d1 - d0):
        dst[i] = src[i]
    for i in range(d0):
        cr[i] = 0
    for i in range(d1, P):
        cr[i] = 0
    if hi - lo < OW:
        for oh in range(r0 - OH0, r1 - 1 - OH0):
            gap = cr[oh * OW + hi:(oh + 1) * OW + lo]
            for i in range(OW - hi + lo):
                gap[i] = 0


@nb.njit(cache=True, error_model="numpy")
def _im2col(xs, col, CG, H, W, KH, KW, OH0, OH1, OW, SH, SW, PT, PL, DH, DW):
    """Columns for output rows OH0..OH1: col is (CG*KH*KW, (OH1-OH0)*OW). Per kernel column kw the
    output columns whose input is inside the image form one range lo..hi; outside it is padding."""
    P = (OH1 - OH0) * OW
    for c in range(CG):
        for kh in range(KH):
            for kw in range(KW):
                row = ((c * KH + kh) * KW + kw) * P
                off = kw * DW - PL
                lo = min(OW, 0 if off >= 0 else (-off + SW - 1) // SW)
                hi = max(lo, min(OW, (W - off + SW - 1) // SW))
                if SH == 1 and SW == 1 and W == OW:
                    _im2col_shifted(xs, col[row:row + P], c, H, W, kh * DH - PT, off, lo, hi, OH0, OH1)
                    continue
                for oh in range(OH0, OH1):
                    ih = oh * SH - PT + kh * DH
                    # explicit loops over views: Numba's slice assignment costs ~7x more per row
                    cr = col[row + (oh - OH0) * OW:row + (oh - OH0 + 1) * OW]
                    if ih < 0 or ih >= H:
                        for ow in range(OW):
                            cr[ow] = 0
                        continue
                    for ow in range(lo):
                        cr[ow] = 0
                    for ow in range(hi, OW):
                        cr[ow] = 0
                    x0 = (c * H + ih) * W + off + lo * SW  # the input of output column lo
                    xr = xs[x0:x0 + (hi - lo) * SW]
                    cv = cr[lo:hi]
                    if SW == 1:
                        for i in range(hi - lo):
                            cv[i] = xr[i]
                    elif SW == 2:  # a constant stride: the loads vectorise (interleaved)
                        for i in range(hi - lo):
                            cv[i] = xr[2 * i]
                    else:
                        for i in range(hi - lo):
                            cv[i] = xr[i * SW]
'''

# Row-major products through BLAS in place: leading dimensions make sub-matrices of the flat buffers
# operands, so a job multiplies its share without copying it out first. numba_xxgemm is Numba's own
# (column-major) BLAS entry; named as an external symbol it keeps callers cacheable.
GEMM = '''
from numba import types as _nbt

from onnxjit.compiler.codegen.numba_microkernel import MR as _MR, gemm_block as _gemm_block, \
    gemm_block_half as _gemm_block_half, pack_strip as _pack_strip

# b is packed when more than this many rows of a read it (two row panels; see _mm)
_PACK_ROWS = 2 * _MR

_xxgemm = _nbt.ExternalFunction("numba_xxgemm", _nbt.intc(
    _nbt.char, _nbt.char, _nbt.char, _nbt.intp, _nbt.intp, _nbt.intp, _nbt.voidptr, _nbt.voidptr, _nbt.intp,
    _nbt.voidptr, _nbt.intp, _nbt.voidptr, _nbt.voidptr, _nbt.intp))


@nb.njit(cache=True, error_model="numpy")
def _split(M, N, T):
    """(row blocks, column blocks) for T threads on an (M, N) product: rows when there are enough of
    them, else columns (a small-batch linear layer), so that each thread reads its own share of B."""
    if T <= 1:
        return 1, 1
    if M >= 16 * T:
        return T, 1
    return 1, max(1, min(T, N // 64))


@nb.njit(cache=True, error_model="numpy", fastmath={"reassoc", "contract"})
def _gemm_small_nt(M, N, K, a, b, c, ldc):
    """c[:M, :N] (rows ldc apart) = a (M, K) @ b^T, b stored (N, K): a product with few rows (a
    linear layer on a small batch). BLAS repacks all of b for every call; here each block of 2 rows
    of a and 4 rows of b is 8 dot products whose loads are shared, vectorised along K."""
    for n in range(0, N, 4):
        if n + 4 > N:
            for m in range(M):
                for j in range(n, N):
                    s = c.dtype.type(0)
                    for k in range(K):
                        s += a[m * K + k] * b[j * K + k]
                    c[m * ldc + j] = s
            break
        b0 = b[n * K:(n + 1) * K]
        b1 = b[(n + 1) * K:(n + 2) * K]
        b2 = b[(n + 2) * K:(n + 3) * K]
        b3 = b[(n + 3) * K:(n + 4) * K]
        for m in range(0, M, 2):
            a0 = a[m * K:(m + 1) * K]
            a1 = a[(m + 1) * K:(m + 2) * K] if m + 1 < M else a0
            s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = c.dtype.type(0)
            for k in range(K):
                u = a0[k]
                v = a1[k]
                x0 = b0[k]
                x1 = b1[k]
                x2 = b2[k]
                x3 = b3[k]
                s00 += u * x0
                s01 += u * x1
                s02 += u * x2
                s03 += u * x3
                s10 += v * x0
                s11 += v * x1
                s12 += v * x2
                s13 += v * x3
            o = m * ldc + n
            c[o] = s00
            c[o + 1] = s01
            c[o + 2] = s02
            c[o + 3] = s03
            if m + 1 < M:
                c[o + ldc] = s10
                c[o + ldc + 1] = s11
                c[o + ldc + 2] = s12
                c[o + ldc + 3] = s13


@nb.njit(cache=True, error_model="numpy")
def _gemm(M, N, K, a, lda, ta, b, ldb, tb, c, ldc, beta):
    """c[:M, :N] (rows ldc apart) = op(a) @ op(b) + beta * c, row-major, each array starting at its
    first element; ta: a is stored (K, M) with rows lda apart, tb: b is stored (N, K)."""
    if M <= 0 or N <= 0:
        return
    ab = np.empty(2, c.dtype)
    ab[0] = 1
    ab[1] = beta
    # C^T = op(b)^T op(a)^T in BLAS's column-major terms
    _xxgemm(115 if c.itemsize == 4 else 100, 84 if tb else 78, 84 if ta else 78, N, M, K, ab[0:].ctypes,
            b.ctypes, max(1, ldb), a.ctypes, max(1, lda), ab[1:].ctypes, c.ctypes, max(1, ldc))


@nb.njit(cache=True, error_model="numpy")
def _pack_a(a, lda, i0, m, k0, kc, ap):
    """ap[k * MR + r] = a[i0 + r, k0 + k] for r < m, 0 for m <= r < MR: one MR-row panel of a, k-major,
    so that the micro-kernel's broadcasts walk one stream instead of MR rows (rows lda apart share
    cache sets when lda is a multiple of 1024 floats, and the panel thrashed L1 at a third of the speed)."""
    for r in range(_MR):
        if r < m:
            src = a[(i0 + r) * lda + k0:(i0 + r) * lda + k0 + kc]
            for k in range(kc):
                ap[k * _MR + r] = src[k]
        else:
            for k in range(kc):
                ap[k * _MR + r] = 0


@nb.njit(cache=True, error_model="numpy")
def _pack_b(b, ldb, k0, kc, j0, nb, bp):
    """bp[(s * kc + k) * L + r] = b[k0 + k, j0 + s * L + r], 0 past nb: a kc-by-nb block of b as strips
    one vector (L) wide, each of which the micro-kernel then reads as one stream, plainly (no masks)."""
    L = 64 // bp.itemsize
    for s in range((nb + L - 1) // L):
        _pack_strip(kc, b, k0 * ldb + j0 + s * L, ldb, min(L, nb - s * L), bp, s * kc * L)


@nb.njit(cache=True, error_model="numpy")
def _mm(M, N, K, a, lda, b, ldb, c, ldc, accumulate, bias, use_bias):
    """c[:M, :N] (rows ldc apart) (+)= a (M, K; rows lda apart) @ b (K, N; rows ldb apart) (+ bias[:M],
    one per row, with use_bias), row-major, with the micro-kernel (numba_microkernel.py), per KC-long
    piece of k.
    b is packed when more than two row panels read it: each KC-by-NC block into strips one vector
    wide, zero-padded, which the micro-kernel reads as one stream with plain loads (read in place,
    b's rows ldb apart share L1 cache sets and its edge strip needs masked loads: 40-70% of the
    packed speed on AVX2). A row panel then meets every strip of the block while it is in L1.
    a is read in place. With b unpacked (one or two row panels) a is packed per piece when its rows
    are a multiple of 4 KB apart: an MR-row panel then falls in one L1 cache set and thrashes when
    every strip of b streams past it (a third of the speed); and the smaller operand is the one
    re-read: with more rows than columns each row panel of a meets every strip of b, else each
    strip of b meets every row panel of a."""
    if M <= 0 or N <= 0:
        return
    L = 64 // c.itemsize  # one 512-bit vector of columns
    KC = 256
    packb = M > _PACK_ROWS
    NC = 8 * L if packb else N  # columns per packed block: KC x NC is 128 KB of float32, in L2
    rows_first = packb or M > N
    pack = not packb and (lda * c.itemsize) % 4096 == 0
    ap = np.empty(((M + _MR - 1) // _MR * _MR * KC) if pack else 0, c.dtype)
    bp = np.empty(KC * NC if packb else 0, c.dtype)
    src = ap if pack else a
    ia = 1 if pack else lda
    ka = _MR if pack else 1
    NI = (M + _MR - 1) // _MR
    for k0 in range(0, max(K, 1), KC):
        kc = min(KC, K - k0)
        acc = accumulate or k0 > 0
        if pack:
            for i in range(0, M, _MR):
                _pack_a(a, lda, i, min(_MR, M - i), k0, kc, ap[i * kc:])
        for j0 in range(0, N, NC):
            nb = min(NC, N - j0)
            if packb:
                _pack_b(b, ldb, k0, kc, j0, nb, bp)
            NS = (nb + L - 1) // L
            bs = bp if packb else b
            for u in range(NI * NS):  # the micro-kernel is inlined at each call site: two in all
                i = (u // NS if rows_first else u % NI) * _MR
                s = u % NS if rows_first else u // NI
                j = j0 + s * L
                n = min(L, nb - s * L)
                ao = i * kc if pack else i * lda + k0
                bo = s * kc * L if packb else k0 * ldb + j
                if 2 * n <= L:  # the last few columns: half a vector computes half the padding
                    _gemm_block_half(kc, src, ao, ia, ka, bs, bo, L if packb else ldb, c, i * ldc + j, ldc,
                                     min(_MR, M - i), n, acc, bias, i, use_bias, packb)
                else:
                    _gemm_block(kc, src, ao, ia, ka, bs, bo, L if packb else ldb, c, i * ldc + j, ldc,
                                min(_MR, M - i), n, acc, bias, i, use_bias, packb)
'''

# The conv jobs (see the conv skeleton in numba_templates.py).
CONV_HELPERS = '''
@nb.njit(cache=True, error_model="numpy")
def _conv_band(q, sc, n, g, oh0, oh1, m0, m1, x, w, b, y, has_bias):
    """Output channels m0..m1, rows oh0..oh1 of image n (group g); sc: this thread's scratch."""
    C = q[1]; H = q[2]; W = q[3]; M = q[4]; KH = q[5]; KW = q[6]; OH = q[7]; OW = q[8]
    SH = q[9]; SW = q[10]; PT = q[11]; PL = q[12]; DH = q[13]; DW = q[14]; G = q[15]
    CG = C // G; K = CG * KH * KW; P = OH * OW; HW = H * W
    B = (oh1 - oh0) * OW
    xo = (n * C + g * CG) * HW
    yo = (n * M + m0) * P + oh0 * OW
    one_by_one = KH == 1 and KW == 1 and SH == 1 and SW == 1 and PT == 0 and PL == 0 and OW == W
    if one_by_one and m1 - m0 > _PACK_ROWS:
        # a 1x1 conv's band is its input's rows oh0..oh1 of every channel, HW apart: the product packs
        # them into strips straight from there (it packs b above _PACK_ROWS rows; in place the
        # rows HW apart would be read unpacked)
        _mm(m1 - m0, B, K, w[m0 * K:], K, x[xo + oh0 * OW:], HW, y[yo:], P, False,
            b[m0:] if has_bias else y[:0], has_bias)
        return
    # the band's columns, copied: read in place, rows HW apart, the product's column strips touch a
    # new page per row and wait on memory
    _im2col(x[xo:xo + CG * HW], sc, CG, H, W, KH, KW, oh0, oh1, OW, SH, SW, PT, PL, DH, DW)
    _mm(m1 - m0, B, K, w[m0 * K:], K, sc, B, y[yo:], P, False, b[m0:] if has_bias else y[:0], has_bias)


@nb.njit(cache=True, error_model="numpy")
def _dw_plane(q, n, g, x, w, b, y, has_bias, kwlo, kwhi, xp, yw):
    """Channel plane g of image n of a depthwise conv; xp, yw: scratch planes (returned, grown)."""
    C = q[1]; H = q[2]; W = q[3]; M = q[4]; KH = q[5]; KW = q[6]; OH = q[7]; OW = q[8]
    SH = q[9]; SW = q[10]; PT = q[11]; PL = q[12]; DH = q[13]; DW = q[14]
    P = OH * OW
    xo = (n * C + g) * H * W
    yo = (n * M + g) * P
    wo = g * KH * KW
    bg = b[g] if has_bias else x.dtype.type(0)
    if SH == 1 and SW == 1:
        # a stride-1 plane is one long sweep per (kh, kw): the input zero-padded to Hp x Wp, the
        # output computed Wp wide (columns past OW are discarded), so row ends need no care
        Wp = OW + (KW - 1) * DW
        Hp = OH + (KH - 1) * DH
        if xp.size < Hp * Wp:
            xp = np.empty(Hp * Wp, x.dtype)
            yw = np.empty(Hp * Wp, x.dtype)
        xpl = xp[:Hp * Wp]
        for i in range(Hp * Wp):
            xpl[i] = 0
        c0 = min(PL, Wp)
        c1 = min(Wp, PL + W)
        for r in range(Hp):
            ih = r - PT
            if ih >= 0 and ih < H and c1 > c0:
                xr = xp[r * Wp + c0:r * Wp + c1]
                xs = x[xo + ih * W:xo + ih * W + c1 - c0]
                for i in range(c1 - c0):
                    xr[i] = xs[i]
        L = (OH - 1) * Wp + OW
        ywl = yw[:L]
        for i in range(L):
            ywl[i] = bg
        for kh in range(KH):
            for kw in range(KW):
                wv = w[wo + kh * KW + kw]
                sh = kh * DH * Wp + kw * DW
                xs = xp[sh:sh + L]
                for i in range(L):
                    ywl[i] += wv * xs[i]
        for oh in range(OH):
            yr = y[yo + oh * OW:yo + (oh + 1) * OW]
            ws = yw[oh * Wp:oh * Wp + OW]
            for i in range(OW):
                yr[i] = ws[i]
        return xp, yw
    # strided: like pooling, each output row is swept once per valid (kh, kw) over the output
    # columns whose input is inside the image
    for oh in range(OH):
        yr = yo + oh * OW
        h0 = oh * SH - PT
        for ow in range(OW):
            y[yr + ow] = bg
        for kh in range(KH):
            ih = h0 + kh * DH
            if ih < 0 or ih >= H:
                continue
            row = xo + ih * W
            for kw in range(KW):
                wv = w[wo + kh * KW + kw]
                off = kw * DW - PL
                lo = kwlo[kw]
                hi = kwhi[kw]
                ys = y[yr + lo:yr + hi]
                if SW == 2:  # a constant stride
                    xs = x[row + 2 * lo + off:row + 2 * hi + off]
                    for i in range(hi - lo):
                        ys[i] += wv * xs[2 * i]
                else:
                    xs = x[row + lo * SW + off:row + (hi - 1) * SW + off + 1:SW]
                    for i in range(hi - lo):
                        ys[i] += wv * xs[i]
    return xp, yw


@nb.njit(cache=True, error_model="numpy")
def _dw_plane_at(q, n, g, x, w, b, y, has_bias, kwlo, kwhi, xp, yw):
    """_dw_plane for a caller that calls it at its address (returns nothing): xp and yw must already
    hold a plane (a smaller pair is grown here, for this call only)."""
    _dw_plane(q, n, g, x, w, b, y, has_bias, kwlo, kwhi, xp, yw)
'''
