"""Render a `KernelPlan` as one Triton module: a `@triton.jit` kernel and a Python launcher per step.

The same plan, layout and binding as the Numba backend: buffers are flat, shapes, strides and
offsets arrive at run time (the launch parameters of `fusion/binding.py`), so only rank, dtype and
broadcast pattern are baked into the source. Every kernel computes its skeleton's result `val` at
linear output indices `lin` and then runs the step's fused epilogue on it in registers (`EPILOGUE`),
storing only the values the plan writes.

A launcher `launch_<kernel>(q, *tensors)` takes the step's parameter slice `q` (Python ints) and the
tensors in the order of `TritonModule.calls[step]` (reads, then writes), picks block sizes from
the shapes and launches. Steps without a lowering here never reach the generator: the provider's
`supports` hook makes them host steps.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from onnxjit.compiler.codegen import triton_templates as T
from onnxjit.compiler.codegen.exprs import (
    TRITON,
    TRITON_SIGNED,
    TRITON_UNSIGNED,
    float_text,
    print_exprs,
    triton_literal,
    triton_type_name,
)
from onnxjit.compiler.codegen.numba_gen import patterns, safe_comment
from onnxjit.compiler.codegen.triton_prelude import MODULE_HEADER, PRELUDE
from onnxjit.compiler.fusion.layout import Layout, data_inputs, data_roles
from onnxjit.compiler.fusion.plan import KernelPlan, Step, StepKind
from onnxjit.compiler.prims import Expr, Prim, inputs_of

# skeletons this generator lowers (elementwise steps always)
LOWERED = {"softmax", "logsoftmax", "layernorm", "reduce", "matmul", "gemm", "conv", "maxpool", "avgpool", "gap",
           "gmp", "transpose", "slice", "expand", "concat", "gather"}
STRIDED = {"transpose", "slice", "expand"}


def supports(step: Step) -> bool:
    """The planner's hook: what this generator compiles (the rest becomes host steps)."""
    return step.kind is StepKind.ELEMENTWISE or step.op in LOWERED


@dataclass
class StepCall:
    launcher: str
    reads: list[str]
    writes: list[str]


@dataclass
class TritonModule:
    """Source text of a compiled plan plus what the runtime needs to launch it."""
    source: str
    kernels: list[str]                                   # distinct @triton.jit kernel names
    calls: dict[int, StepCall] = field(default_factory=dict)  # plan step index -> its launch
    # plan step index -> (its kernel's name, the kernel's and launcher's source), for code_log
    step_code: dict[int, tuple[str, str]] = field(default_factory=dict)


@dataclass
class GenOptions:
    # tl.dot input precision for float32: "ieee" (exact, as numpy/onnxruntime) or "tf32"
    dot_precision: str = "ieee"


# --- expressions --------------------------------------------------------------------------------

def simplify(e: Expr) -> Expr:
    """Pow by a small integer constant as products (exact, as numpy's x ** 2)."""
    if not e.args:
        return e
    args = tuple(simplify(a) for a in e.args)
    if e.prim is Prim.POW and args[1].prim is Prim.CONST and args[1].value in (1, 2, 3):
        x = args[0]
        return x if args[1].value == 1 else Expr(Prim.MUL, (x, x), e.dtype) if args[1].value == 2 else \
            Expr(Prim.MUL, (Expr(Prim.MUL, (x, x), e.dtype), x), e.dtype)
    return Expr(e.prim, args, e.dtype, e.value)


def _cast(src: str, dt: np.dtype) -> str:
    return f"{src}.to({triton_type_name(dt)})"


def unravel(var: str, dims: list[str], strides: list[str], out: str, indent: str, tmp: str = "u") -> list[str]:
    """`out` = sum over r of (index r of `var` unravelled over `dims`) * strides[r]; the indices are
    named `{tmp}0`.. and the remainder `{tmp}_rest` (distinct names per use: a loop must not change
    the type of a name defined before it)."""
    r = len(dims)
    if r == 0:
        return [f"{indent}{out} = {var} * 0"]
    lines = index_lines(var, dims, indent, tmp)
    lines.append(f"{indent}{out} = " + " + ".join(f"{tmp}{i} * {strides[i]}" for i in range(r)))
    return lines


def index_lines(var: str, dims: list[str], indent: str, tmp: str) -> list[str]:
    """`{tmp}0`.. = the multi-index of the linear index `var` over `dims` (row-major)."""
    r = len(dims)
    lines = [f"{indent}{tmp}_rest = {var}"]
    for i in range(r - 1, 0, -1):
        lines.append(f"{indent}{tmp}{i} = {tmp}_rest % {dims[i]}")
        lines.append(f"{indent}{tmp}_rest = {tmp}_rest // {dims[i]}")
    lines.append(f"{indent}{tmp}0 = {tmp}_rest")
    return lines


def _operands(step: Step) -> list[str]:
    return list(step.inputs) if step.kind is StepKind.ELEMENTWISE else list(step.epilogue_inputs)


def epilogue_params(step: Step, plan: KernelPlan) -> list[str]:
    """Scalar names of the epilogue's parameters, in binding order: domain dims, then the strides of
    each broadcast operand (operand k of the expressions)."""
    if not step.exprs:
        return []
    rank = len(step.params["domain"])
    names = [f"ED{r}" for r in range(rank)]
    base = 0 if step.kind is StepKind.ELEMENTWISE else 1
    for j, pt in enumerate(patterns(step, plan, _operands(step), step.params["domain"])):
        if pt == "bcast":
            names += [f"ES{j + base}_{r}" for r in range(rank)]
    return names


def epilogue_lines(step: Step, plan: KernelPlan, operand_ptrs: list[str], outs: dict[str, str],
                   main_ptr: str | None, indent: str) -> list[str]:
    """Evaluate the step's expressions at `lin` (mask `m`) and store: `main_ptr` gets `val` (the
    skeleton's result), `outs` maps each written expression output to its pointer."""
    lines = []
    if main_ptr is not None:
        lines.append(f"{indent}tl.store({main_ptr} + lin, val, mask=m)")
    if not outs:
        return lines
    elementwise = step.kind is StepKind.ELEMENTWISE
    base = 0 if elementwise else 1
    pats = patterns(step, plan, _operands(step), step.params["domain"])
    rank = len(step.params["domain"])
    roots = [simplify(step.exprs[o]) for o in outs]
    used = set().union(*(inputs_of(r) for r in roots))
    if any(k >= base and pats[k - base] == "bcast" for k in used):
        lines += index_lines("lin", [f"ED{r}" for r in range(rank)], indent, "ei")
    for k in sorted(used):
        if k < base:
            continue
        ptr = operand_ptrs[k - base]
        if pats[k - base] == "same":
            lines.append(f"{indent}v{k} = tl.load({ptr} + lin, mask=m)")
        else:
            off = " + ".join(f"ei{r} * ES{k}_{r}" for r in range(rank))
            lines.append(f"{indent}v{k} = tl.load({ptr} + ({off}), mask=m)")
    tmp, results = print_exprs(roots, lambda k: "val" if k < base else f"v{k}", TRITON, cast=_cast,
                               signed=TRITON_SIGNED, unsigned=TRITON_UNSIGNED, wrap_integers=False,
                               lit=triton_literal, type_name=triton_type_name)
    lines += [indent + t for t in tmp]
    lines += [f"{indent}tl.store({outs[o]} + lin, {r}, mask=m)" for o, r in zip(outs, results)]
    return lines


# --- kernels ------------------------------------------------------------------------------------

def _fill(body: str, epilogue: list[str], **subs: str) -> list[str]:
    """A skeleton body with its placeholders replaced and EPILOGUE expanded at its indentation.
    Types (ACC_T, OUT_T) are replaced last: other replacements may contain them."""
    out = []
    order = [k for k in subs if k not in ("ACC_T", "OUT_T")] + [k for k in ("ACC_T", "OUT_T") if k in subs]
    for line in body.strip("\n").split("\n"):
        if line.strip() == "EPILOGUE":
            ind = line[: len(line) - len(line.lstrip())]
            out += [ind + e for e in epilogue]
            continue
        for k in order:
            line = line.replace(k, subs[k])
        out.append(line)
    return out


def render_kernel(step: Step, plan: KernelPlan, options: GenOptions) -> tuple[str, str, list[str], list[str]]:
    """(kernel source, launcher body, reads, writes) with the placeholder name KERNEL."""
    if step.kind is StepKind.ELEMENTWISE:
        reads = list(step.inputs)
        writes = list(step.outputs)
        ptrs = [f"x{k}" for k in range(len(reads))]
        outs = {o: f"o{j}" for j, o in enumerate(writes)}
        ep = epilogue_params(step, plan)
        body = T.FLAT_KERNEL.strip("\n").split("\n") + epilogue_lines(step, plan, ptrs, outs, None, "    ")
        sig = ptrs + list(outs.values()) + ep + ["N", "BLOCK: tl.constexpr"]
        launch = T.ELEMENTWISE_LAUNCH.replace("RANK", str(len(step.params["domain"])))
        return _kernel(sig, body), launch, reads, writes
    op = step.op
    data = data_inputs(step)
    roles = data_roles(step)
    e_ptrs = [f"e{k}" for k in range(len(step.epilogue_inputs))]
    others = [o for o in step.outputs if o != step.main_output]
    main_written = step.main_output in step.outputs or not step.exprs
    writes = ([step.main_output] if main_written else []) + others
    outs = {o: f"o{j}" for j, o in enumerate(others)}
    out_ptrs = (["y"] if main_written else []) + list(outs.values())
    epi = epilogue_lines(step, plan, e_ptrs, outs, "y" if main_written else None, "")
    x_dt = plan.types[step.inputs[0]].dtype
    subs = {"ACC_T": triton_type_name(x_dt), "OUT_T": triton_type_name(plan.types[step.main_output].dtype)}
    ep = epilogue_params(step, plan)
    p = step.params
    if op in ("softmax", "logsoftmax"):
        subs["RESULT"] = T.SOFTMAX_RESULT[op]
        body, launch, sk, meta = _fill(T.SOFTMAX, epi, **subs), T.SOFTMAX_LAUNCH, ["ROWS", "L", "INNER"], ["BR", "BL"]
    elif op == "layernorm":
        subs.update(EPSILON=float_text(p["epsilon"], "triton"), BIAS=T.LAYERNORM_BIAS if p["has_bias"] else "")
        body, launch, sk, meta = _fill(T.LAYERNORM, epi, **subs), T.LAYERNORM_LAUNCH, ["ROWS", "L"], ["BR", "BL"]
        body = [b for b in body if b.strip()]
    elif op in ("reduce", "gap", "gmp"):
        nr = max(3, plan.types[step.inputs[0]].rank) if op == "reduce" else 3
        init, combine, finish = T.REDUCE_HOW[p["how"] if op == "reduce" else "mean" if op == "gap" else "max"]
        dk, dr, st = [f"DK{r}" for r in range(nr)], [f"DR{r}" for r in range(nr)], [f"ST{r}" for r in range(nr)]
        subs.update(INIT=init, COMBINE=combine, FINISH=finish,
                    KEPT_OFFSETS="\n".join(unravel("o", dk, st, "ko", "    ", "k")),
                    REDUCED_OFFSETS="\n".join(unravel("j", dr, st, "jo", "        ", "r")))
        body, sk, meta = _fill(T.REDUCE, epi, **subs), ["OUTS", "L"] + dk + dr + st, ["BR", "BL"]
        launch = (T.REDUCE_LAUNCH if op == "reduce" else T.GLOBAL_POOL_LAUNCH).replace("NR", str(nr))
    elif op == "conv":
        subs.update(PRECISION=repr(options.dot_precision if x_dt == np.float32 else "ieee"),
                    BIAS=T.CONV_BIAS if len(data) > 2 else "")
        body = [b for b in _fill(T.CONV, epi, **subs) if b.strip()]
        launch, meta = T.CONV_LAUNCH, ["BM", "BN", "BK"]
        sk = ["N", "C", "H", "W", "M", "KH", "KW", "OH", "OW", "SH", "SW", "PT", "PL", "DH", "DW", "G"]
    elif op in ("maxpool", "avgpool"):
        init, update, finish = T.POOL_HOW[op]
        counted = "((ih < H + PB) & (iw < W + PR) & m)" if p["count_include_pad"] else "inside"
        subs.update(INIT=init, UPDATE=update.replace("COUNTED", counted), FINISH=finish)
        body = T.FLAT_KERNEL.strip("\n").split("\n") + _fill(T.POOL, epi, **subs)
        launch, meta = T.POOL_LAUNCH, ["BLOCK"]
        sk = ["N", "NC", "H", "W", "OH", "OW", "KH", "KW", "SH", "SW", "PT", "PL", "DH", "DW", "CIP", "PB", "PR"]
    elif op in ("matmul", "gemm"):
        body, launch, sk = _matmul(step, plan, epi, subs, options)
        meta = ["BM", "BN", "BK"]
    elif op in STRIDED:
        rank = plan.types[step.main_output].rank
        d, t = [f"D{r}" for r in range(rank)], [f"T{r}" for r in range(rank)]
        lines = T.FLAT_KERNEL.strip("\n").split("\n") + unravel("lin", d, t, "off", "    ", "c")
        lines += ["    val = tl.load(x + BASE + off, mask=m)"] + ["    " + e for e in epi]
        body, launch, sk, meta = lines, T.STRIDED_LAUNCH, ["N"] + d + t + ["BASE"], ["BLOCK"]
    elif op == "concat":
        n = len(data)
        lines = T.FLAT_KERNEL.strip("\n").split("\n") + ["    o = lin // TOTAL", "    c = lin % TOTAL",
                                                         "    val = tl.load(x0 + o * C0 + c, mask=m & (c < C0))"]
        for k in range(1, n):
            lines += [f"    off = {'C0' if k == 1 else 'off + C' + str(k - 1)}",
                      f"    inside = (c >= off) & (c < off + C{k})",
                      f"    val = tl.where(inside, tl.load(x{k} + o * C{k} + (c - off), mask=m & inside), val)"]
        body = lines + ["    " + e for e in epi]
        launch, sk, meta = T.CONCAT_LAUNCH, ["N", "TOTAL"] + [f"C{k}" for k in range(n)], ["BLOCK"]
    elif op == "gather":
        body = T.FLAT_KERNEL.strip("\n").split("\n") + _fill(T.GATHER, epi)
        launch, sk, meta = T.GATHER_LAUNCH, ["N", "L", "INNER", "NI"], ["BLOCK"]
    else:
        raise NotImplementedError(f"no Triton lowering for {op}")
    sig = roles + e_ptrs + out_ptrs + ep + sk + [f"{c}: tl.constexpr" for c in meta]
    return _kernel(sig, body), launch, data + list(step.epilogue_inputs), writes


def _matmul(step: Step, plan: KernelPlan, epi: list[str], subs: dict[str, str],
            options: GenOptions) -> tuple[list[str], str, list[str]]:
    p = step.params
    precision = options.dot_precision if plan.types[step.inputs[0]].dtype == np.float32 else "ieee"
    subs = dict(subs, PRECISION=repr(precision))
    if step.op == "matmul":
        ra, rb = plan.types[step.inputs[0]].rank, plan.types[step.inputs[1]].rank
        nb = max(ra, rb, 2) - 2
        bd, sa, sb = [f"BD{r}" for r in range(nb)], [f"SA{r}" for r in range(nb)], [f"SB{r}" for r in range(nb)]
        batch = ["    b_rest = t"] if nb else []
        for r in range(nb - 1, -1, -1):
            if r > 0:
                batch += [f"    b{r} = b_rest % {bd[r]}", f"    b_rest = b_rest // {bd[r]}"]
            else:
                batch.append("    b0 = b_rest")
            batch += [f"    ia += b{r} * {sa[r]}", f"    ib += b{r} * {sb[r]}"]
        subs.update(BATCH_OFFSETS="\n".join(batch), A_OFFSET="rm[:, None] * K + kk[None, :]",
                    B_OFFSET="kk[:, None] * N + rn[None, :]", GEMM_SCALE="")
        body = [b for b in _fill(T.MATMUL, epi, **subs) if b.strip()]
        return body, T.MATMUL_LAUNCH, ["M", "K", "N"] + bd + sa + sb
    scale: list[str] = []
    if p["alpha"] != 1.0:
        scale.append(f"    acc = acc * {float_text(p['alpha'], 'triton')}")
    if p["has_c"]:
        scale.append(f"    acc = acc + {float_text(p['beta'], 'triton')} * tl.load(c + rm[:, None] * CSM + rn[None, :] * CSN, mask=m, "
                     "other=0.0).to(ACC_T)")
    subs.update(BATCH_OFFSETS="", GEMM_SCALE="\n".join(scale),
                A_OFFSET="kk[None, :] * M + rm[:, None]" if p["transA"] else "rm[:, None] * K + kk[None, :]",
                B_OFFSET="rn[None, :] * K + kk[:, None]" if p["transB"] else "kk[:, None] * N + rn[None, :]")
    body = [b for b in _fill(T.MATMUL, epi, **subs) if b.strip()]
    return body, T.GEMM_LAUNCH, ["M", "K", "N", "CSM", "CSN"]


def _kernel(sig: list[str], body: list[str]) -> str:
    return "@triton.jit\ndef KERNEL(" + ", ".join(sig) + "):\n" + "\n".join(body) + "\n"


def _launcher(name: str, n_ep: int, body: str) -> str:
    return (f"def launch_{name}(q, *tensors):\n    ep, p = q[:{n_ep}], q[{n_ep}:]\n" + body.strip("\n") + "\n"
            f"    {name}[grid](*tensors, *ep, *sk, **meta)\n")


def render_triton(plan: KernelPlan, layout: Layout, options: GenOptions | None = None) -> TritonModule:
    options = options or GenOptions()
    parts = [MODULE_HEADER, PRELUDE]
    kernels: dict[str, str] = {}   # source hash -> kernel name (the first step's name + the hash)
    sources: dict[str, str] = {}   # kernel name -> its function and launcher, for code_log
    module = TritonModule("", [])
    for k in sorted(layout.kernel_index):
        step = plan.steps[k]
        src, launch, reads, writes = render_kernel(step, plan, options)
        h = hashlib.sha1((src + launch).encode()).hexdigest()[:10]
        if h not in kernels:
            name = f"{step.name}_{h}"[:60]
            kernels[h] = name
            provenance = "\n".join(f"# {n.op_type} '{safe_comment(n.name)}'" for n in step.nodes)
            code = (f"\n# kernel for {step.kind.value}{':' + step.op if step.op else ''} step {step.name}, first "
                    f"generated for:\n{provenance}\n" + src.replace("def KERNEL(", f"def {name}(") +
                    "\n\n" + _launcher(name, len(epilogue_params(step, plan)), launch))
            parts.append(code)
            sources[name] = code
        module.calls[k] = StepCall(f"launch_{kernels[h]}", reads, writes)
        module.step_code[k] = (kernels[h], sources[kernels[h]])
    module.kernels = list(kernels.values())
    # the plan's kernel steps in order, as comments: which launcher runs which nodes
    lines = ["\n# plan: kernel steps in order"]
    for k, call in module.calls.items():
        s = plan.steps[k]
        nodes = ", ".join(f"{n.op_type} '{safe_comment(n.name)}'" for n in s.nodes)
        lines.append(f"# [{k}] {s.name} -> {call.launcher}: {nodes}"[:200])
    module.source = "\n".join(parts + lines) + "\n"
    return module
