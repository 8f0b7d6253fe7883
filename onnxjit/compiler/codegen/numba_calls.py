"""How a generated driver calls its kernels: through the kernel's address, not by linking it.

A Numba function that calls another links the callee's LLVM module into its own, so LLVM optimises
and emits the callee's machine code again: a driver calling 24 kernels rebuilt all 24 (and the conv
helpers each of them links) and was the costliest function of a cold compile. `call_kernel(addr,
*args)` instead calls the kernel's compiled native entry point at `addr`, which the runtime takes
from the kernel's own compiled (or cache-loaded) library and passes to the driver in the int64
table `K`. The call uses Numba's native calling convention, so an exception the kernel raises
propagates out of the driver as it would from a direct call.

The driver holds no address, only an index into `K`, so its on-disk cache entry stays valid in any
process. `SOURCE_HASH` goes into the header of every plan module, so a change here is a new plan
source rather than a stale cache entry.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from numba import types
from numba.core import cgutils
from numba.core.imputils import impl_ret_borrowed
from numba.extending import intrinsic
from numba.np.arrayobj import make_array, populate_array

SOURCE_HASH = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


@intrinsic
def call_kernel(typingctx, addr, *args):
    """Call the Numba function compiled for `args`' types whose native entry point is at `addr`."""
    if not isinstance(addr, types.Integer):
        return None
    argtys = tuple(args)
    sig = types.void(addr, types.StarArgTuple.from_types(argtys))

    def codegen(context, builder, signature, llargs):
        fnty = context.call_conv.get_function_type(types.void, argtys)
        fn = builder.inttoptr(llargs[0], fnty.as_pointer())
        status, _ = context.call_conv.call_function(builder, fn, types.void, argtys,
                                                    cgutils.unpack_tuple(builder, llargs[1]))
        with cgutils.if_unlikely(builder, status.is_error):
            context.call_conv.return_status_propagate(builder, status)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def view(typingctx, arena, start, length):
    """arena[start:start + length] for a flat C-contiguous arena, built directly (Numba's slicing
    lowers to several times the code and compile time, and a driver takes a few hundred views). An
    out-of-range view raises IndexError rather than clamping, as a slice would."""
    if not (isinstance(arena, types.Array) and arena.ndim == 1 and arena.layout == "C"
            and isinstance(start, types.Integer) and isinstance(length, types.Integer)):
        return None

    def codegen(context, builder, signature, llargs):
        ary = make_array(arena)(context, builder, llargs[0])
        lo = context.cast(builder, llargs[1], start, types.intp)
        n = context.cast(builder, llargs[2], length, types.intp)
        size = builder.extract_value(ary.shape, 0)
        zero = lo.type(0)
        bad = builder.or_(builder.or_(builder.icmp_signed("<", lo, zero), builder.icmp_signed("<", n, zero)),
                          builder.icmp_signed(">", builder.add(lo, n), size))
        with cgutils.if_unlikely(builder, bad):
            context.call_conv.return_user_exc(builder, IndexError, ("kernel operand outside its arena",))
        out = make_array(arena)(context, builder)
        populate_array(out, data=builder.gep(ary.data, [lo]), shape=cgutils.pack_array(builder, [n]),
                       strides=ary.strides, itemsize=ary.itemsize, meminfo=ary.meminfo, parent=ary.parent)
        return impl_ret_borrowed(context, builder, arena, out._getvalue())  # shares the arena's memory

    return arena(arena, start, length), codegen


def native_address(dispatcher, signature) -> int:
    """The address of `dispatcher`'s native entry point for `signature` (compiled or loaded already)."""
    cres = dispatcher.overloads[tuple(signature.args)]
    return cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)
