"""Loop nests over a fused group's domain, as Numba source: the loops of elementwise kernels and of the
heavy templates' epilogues. Sizes and strides come from the parameter table at run time; what is
static (an operand's broadcast pattern, a unit innermost stride) shapes the loops."""
from __future__ import annotations


def unit_last(shape: tuple | None, domain: tuple) -> bool:
    """Whether an operand's innermost stride is statically 1: its last dim is the domain's, the same
    int above 1. Symbols prove nothing: onnxruntime does not hold inputs to their dim_params, so an
    operand declared ('C',) may be fed with 1 where the domain has 4 (stride 0, not 1)."""
    return bool(shape) and bool(domain) and isinstance(shape[-1], int) and shape[-1] > 1 and shape[-1] == domain[-1]


def invariant_level(shape: tuple | None, rank: int) -> int:
    """The loop depth from which a broadcast operand's load no longer changes: its static shape is 1
    (or absent) on every dim from there in, so it is read before that loop, not in the inner one."""
    if shape is None:
        return rank
    padded = (1,) * (rank - len(shape)) + tuple(shape)
    level = rank
    while level > 0 and padded[level - 1] == 1:
        level -= 1
    return level


# The linear index, unsigned where it indexes: Numba wraps a signed index that may be negative, and
# LLVM, unable to prove `i` >= 0 when a row starts at a run-time offset, then sees a select in every
# address and does not vectorise the loop (a GELU epilogue ran 10x slower).
UNSIGNED_I = "iu = np.uint64(i)"


def loop_nest(rank: int, pats: list[str], names: list[str], body: list[str], pbase: int, indent: str,
              levels: list[int] | None = None, box: list[tuple[str, str]] | None = None,
              rows: tuple[str, str] | None = None, split: int | None = None,
              unit: list[bool] | None = None) -> list[str]:
    """A loop nest over the domain (dims at p[pbase:pbase+rank]); operand k is read as `v{k}`.
    levels[k]: the depth at which a broadcast operand's load is hoisted (see `invariant_level`).
    unit[k]: a broadcast operand's innermost stride is 1 (see `unit_last`): it is read through a view
    `b{k}` of its row taken before the innermost loop, as `b{k}[i{rank-1}]`. With a stride read at run
    time, or an offset Numba must wrap if negative, the innermost loop does not vectorise (10x slower
    measured on a GELU epilogue).
    box: (lo, hi) bounds of the leading dims, when the nest covers only that part of the domain.
    rows: (lo, hi) of the rows (all dims but the last, flattened) the nest covers instead."""
    lines = []
    levels = levels or [rank] * len(pats)
    bcast = [k for k, pt in enumerate(pats) if pt == "bcast"]
    for r in range(rank):
        lines.append(f"{indent}d{r} = p[{pbase + r}]")
    for j, k in enumerate(bcast):
        for r in range(rank):
            lines.append(f"{indent}s{k}_{r} = p[{pbase + rank + j * rank + r}]")

    inner_loop = rank > 0 and (rows is None or (max(rank - 1, 0) if split is None else split) < rank)
    viewed = [k for k in bcast if inner_loop and unit and unit[k] and levels[k] == rank]

    def load(k: int, depth: int) -> str:
        if pats[k] == "same":
            return f"v{k} = {names[k]}[iu]"
        if k in viewed and depth == rank:
            return f"v{k} = b{k}[i{rank - 1}]"
        off = " + ".join(f"i{r} * s{k}_{r}" for r in range(min(depth, rank))) or "0"
        return f"v{k} = {names[k]}[{off}]"

    def views(ind: str) -> list[str]:
        """Before the innermost loop: the rows of the unit-stride operands."""
        return [f"{ind}b{k} = {names[k]}[{' + '.join(f'i{r} * s{k}_{r}' for r in range(rank - 1)) or '0'}:]"
                for k in viewed]

    if rows is not None:
        return lines + _row_nest(rank, pats, names, body, indent, levels, rows, load, split, views)
    if not bcast and not box:
        total = " * ".join(f"d{r}" for r in range(rank)) or "1"
        lines.append(f"{indent}for i in range({total}):")
        inner = indent + "    "
        lines += [inner + UNSIGNED_I] + [inner + load(k, rank) for k in range(len(pats))] + [inner + s for s in body]
        return lines
    box = box or []
    if not box:
        lines.append(f"{indent}i = 0")

    def linear(depth: int) -> str:
        """The linear index of element (i0, ..., i{depth-1}, 0, ..., 0)."""
        lin = "i0"
        for q in range(1, depth):
            lin = f"({lin} * d{q} + i{q})"
        return " * ".join([lin] + [f"d{q}" for q in range(depth, rank)])

    ind = indent
    for r in range(rank):
        lines += [ind + load(k, r) for k in bcast if levels[k] == r]
        if box and r == len(box):  # the linear index where the box's inner dims start
            lines.append(f"{ind}i = {linear(r)}")
        lo, hi = box[r] if r < len(box) else ("0", f"d{r}")
        if r == rank - 1:
            lines += views(ind)
        lines.append(f"{ind}for i{r} in range({lo}, {hi}):" if lo != "0" else f"{ind}for i{r} in range({hi}):")
        ind += "    "
    whole_box = bool(box) and len(box) == rank
    if whole_box:
        lines.append(f"{ind}i = {linear(rank)}")
    lines.append(ind + UNSIGNED_I)
    lines += [ind + load(k, rank) for k in range(len(pats)) if pats[k] == "same" or levels[k] == rank]
    lines += [ind + s for s in body]
    if not whole_box:
        lines.append(f"{ind}i += 1")
    return lines


def _row_nest(rank: int, pats: list[str], names: list[str], body: list[str], indent: str, levels: list[int],
              rows: tuple[str, str], load, split: int | None = None, views=None) -> list[str]:
    """Rows lo..hi of the domain, a row being one index of its first `split` dims (default: all but
    the last): each row index is unravelled once, then the row's remaining dims are swept."""
    split = max(rank - 1, 0) if split is None else split
    lines = [f"{indent}for rr in range({rows[0]}, {rows[1]}):"]
    ind = indent + "    "
    if split > 0:
        lines.append(f"{ind}rem = rr")
        for r in range(split - 1, -1, -1):
            lines += [f"{ind}i{r} = rem % d{r}", f"{ind}rem //= d{r}"]
    lines += [ind + load(k, levels[k]) for k, pt in enumerate(pats) if pt == "bcast" and levels[k] <= split]
    lines.append(f"{ind}i = " + " * ".join(["rr"] + [f"d{r}" for r in range(split, rank)]))
    for r in range(split, max(rank, split + 1)):
        if r == rank - 1 and views is not None:
            lines += views(ind)
        lines.append(f"{ind}for i{r} in range(d{r}):" if r < rank else f"{ind}for i{r} in range(1):")
        ind += "    "
        lines += [ind + load(k, levels[k]) for k, pt in enumerate(pats)
                  if pt == "bcast" and split < levels[k] == r + 1 < rank]
    lines.append(ind + UNSIGNED_I)
    lines += [ind + load(k, rank) for k, pt in enumerate(pats) if pt == "same" or levels[k] == rank > split]
    return lines + [ind + s for s in body] + [ind + "i += 1"]
