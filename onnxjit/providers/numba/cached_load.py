"""Loading a function from Numba's disk cache without first loading all of Numba's registries.

On a cache hit, `Dispatcher.compile` asks the cache to load the entry, and the cache first refreshes
the target context: it imports and installs every typing and lowering registry Numba has (linalg,
random, typed containers, jitclass, ...). Compiling needs them; putting compiled code in place does
not, and in a new process that refresh is about 0.2 s of a warm start's 0.5.

What loading does need is every symbol the cached object code links to, resolved: Numba's runtime
(NRT, initialised here as the refresh would), its C helpers, its thread pool's (the session starts
the pool first), the C library's and Python's. `load` reads the entry, checks that each undefined
symbol of its object code resolves, then rebuilds it and installs it as `Dispatcher.compile` does.
Whenever it cannot vouch for an entry (none cached, not ELF object code, a symbol that would not
resolve, a cache it cannot read) it changes nothing and returns False, and the caller compiles as
usual, which refreshes and loads or rebuilds the entry the ordinary way.
"""
from __future__ import annotations

import struct
from typing import Any

_SHT_SYMTAB = 2
_SYMBOL = struct.Struct("<IBBHQQ")  # Elf64_Sym: name, info, other, section index, value, size
_SECTION = struct.Struct("<IIQQQQIIQQ")  # Elf64_Shdr


def undefined_symbols(obj: bytes) -> list[str] | None:
    """Names an ELF64 little-endian relocatable object refers to but does not define; None for
    anything else (another format, or bytes that do not parse)."""
    try:
        if obj[:6] != b"\x7fELF\x02\x01":
            return None
        (shoff,) = struct.unpack_from("<Q", obj, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", obj, 0x3A)
        sections = [_SECTION.unpack_from(obj, shoff + i * shentsize) for i in range(shnum)]
        names = []
        for sec in sections:
            if sec[1] != _SHT_SYMTAB:
                continue
            strtab = sections[sec[6]][4]  # sh_link: the string table's offset
            for off in range(sec[4], sec[4] + sec[5], _SYMBOL.size):
                name, _info, _other, shndx, _value, _size = _SYMBOL.unpack_from(obj, off)
                if shndx == 0 and name:
                    start = strtab + name
                    names.append(obj[start:obj.index(b"\0", start)].decode())
        return names
    except (struct.error, ValueError, IndexError, UnicodeDecodeError):
        return None


def _resolves(names: list[str], engine: Any) -> bool:
    from llvmlite import binding as ll  # noqa: PLC0415

    return all(engine.is_symbol_defined(n) or ll.address_of_symbol(n) for n in names)


def load(fn: Any, sig: Any) -> bool:
    """Put `fn`'s (a Numba dispatcher's) cached compilation for `sig` in place without refreshing its
    target context; True when it did or `fn` already has it, False when the caller should compile
    as usual."""
    from numba.core import sigutils  # noqa: PLC0415
    from numba.core.compiler_lock import global_compiler_lock  # noqa: PLC0415
    from numba.core.runtime import nrt  # noqa: PLC0415

    try:
        cache, ctx = fn._cache, fn.targetctx
        with global_compiler_lock:
            args, _ = sigutils.normalize_signature(sig)
            if tuple(args) in fn.overloads:
                return True
            nrt.rtsys.initialize(ctx)
            data = cache._cache_file.load(cache._index_key(sig, ctx.codegen()))
            if data is None:
                return False
            _name, kind, lib = data[0]
            names = undefined_symbols(lib[0]) if kind == "object" else None
            if names is None or not _resolves(names, ctx.codegen()._engine):
                return False
            cres = cache._impl.rebuild(ctx, data)
            if cres.objectmode:
                return False
            ctx.insert_user_function(cres.entry_point, cres.fndesc, [cres.library])
            fn.add_overload(cres)
            fn._cache_hits[sig] += 1
            return True
    except Exception:  # noqa: BLE001 - whatever this shortcut cannot do, the usual compile does (or reports)
        return False
