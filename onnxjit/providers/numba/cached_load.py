"""Loading a function from Numba's disk cache without first loading all of Numba's registries.

On a cache hit, `Dispatcher.compile` asks the cache to load the entry, and the cache first refreshes
the target context: it imports and installs every typing and lowering registry Numba has (linalg,
random, typed containers, jitclass, ...). Compiling needs them; putting compiled code in place does
not, and in a new process that refresh is about 0.2 s of a warm start's 0.5.

What loading does need is every symbol the cached object code links to, resolved: Numba's runtime
(NRT, initialised here as the refresh would), its C helpers, its thread pool's (the session starts
the pool first), the C library's and Python's. `load` reads the entry, checks that each undefined
symbol of its object code resolves, then rebuilds it and installs it as `Dispatcher.compile` does.
Whenever it cannot vouch for an entry (none cached, object mode, not ELF object code, a symbol that
would not resolve, a cache it cannot read) it changes nothing and returns False, and the caller
compiles as usual, which refreshes and loads or rebuilds the entry the ordinary way. It also leaves parsing the
entry's bitcode, which only linking the function into other code needs, until that happens.

What it reads is Numba's index and data files, which are pickles: it vouches for their form, not for
who wrote them. That rests on where they lie: the session checked that the folder and every file in
it are the user's alone before anything is loaded (NumbaExecutable._check_numba_cache, cache.py).
"""
from __future__ import annotations

import functools
import struct
import weakref
from typing import Any

_SHT_SYMTAB = 2
_STT_SECTION, _STT_FILE = 3, 4
_SYMBOL = struct.Struct("<IBBHQQ")  # Elf64_Sym: name, info, other, section index, value, size
_SECTION = struct.Struct("<IIQQQQIIQQ")  # Elf64_Shdr


def object_symbols(obj: bytes) -> tuple[list[str], set[str]] | None:
    """(undefined, defined) names of the symbols of an ELF64 little-endian relocatable object; None
    for anything else (another format, or bytes that do not parse)."""
    try:
        if obj[:6] != b"\x7fELF\x02\x01":
            return None
        (shoff,) = struct.unpack_from("<Q", obj, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", obj, 0x3A)
        sections = [_SECTION.unpack_from(obj, shoff + i * shentsize) for i in range(shnum)]
        undefined, defined = [], set()
        for sec in sections:
            if sec[1] != _SHT_SYMTAB:
                continue
            strtab = sections[sec[6]][4]  # sh_link: the string table's offset
            for off in range(sec[4], sec[4] + sec[5], _SYMBOL.size):
                name, info, _other, shndx, _value, _size = _SYMBOL.unpack_from(obj, off)
                if not name or (info & 0xF) in (_STT_SECTION, _STT_FILE):
                    continue
                start = strtab + name
                text = obj[start:obj.index(b"\0", start)].decode()
                if shndx == 0:
                    undefined.append(text)
                else:
                    defined.add(text)
        return undefined, defined
    except (struct.error, ValueError, IndexError, UnicodeDecodeError):
        return None


def _resolves(names: list[str], engine: Any) -> bool:
    from llvmlite import binding as ll  # noqa: PLC0415

    return all(engine.is_symbol_defined(n) or ll.address_of_symbol(n) for n in names)


def _module_for_linking(library_ref: Any, bitcode: bytes) -> Any:
    """The library's module for linking into other code, parsed from its bitcode the first time it
    is asked for (as CPUCodeLibrary._unserialize would have parsed it up front)."""
    from llvmlite import binding as ll  # noqa: PLC0415

    library = library_ref()
    del library._get_module_for_linking  # the class's method from now on
    library._shared_module = ll.parse_bitcode(bitcode)
    return library._shared_module


def _library_from_object(codegen: Any, libdata: tuple, defined: set[str]) -> Any:
    """What CPUCodeLibrary._unserialize makes of a cache entry's library, without parsing the bitcode
    Numba keeps beside the object code for linking the function into other functions' code (a
    quarter of a load, and a warm session never does it): the object code goes in as it is, the
    engine learns the symbols it defines from its symbol table, and the bitcode is parsed if and
    when the library is linked."""
    name, _kind, (obj, bitcode) = libdata
    library = codegen.create_library(name)
    library.enable_object_caching()
    library._set_compiled_object(obj)
    library._finalize_final_module()
    codegen._engine._defined_symbols |= defined
    library._get_module_for_linking = functools.partial(_module_for_linking, weakref.ref(library), bitcode)
    return library


def load(fn: Any, sig: Any) -> bool:
    """Put `fn`'s (a Numba dispatcher's) cached compilation for `sig` in place without refreshing its
    target context; True when it did or `fn` already has it, False when the caller should compile
    as usual."""
    from numba.core import sigutils  # noqa: PLC0415
    from numba.core.compiler_lock import global_compiler_lock  # noqa: PLC0415
    from numba.core.runtime import nrt  # noqa: PLC0415

    try:
        cache, ctx = fn._cache, fn.targetctx
        codegen = ctx.codegen()
        with global_compiler_lock:
            args, _ = sigutils.normalize_signature(sig)
            if tuple(args) in fn.overloads:
                return True
            nrt.rtsys.initialize(ctx)
            data = cache._cache_file.load(cache._index_key(sig, codegen))
            if data is None:
                return False
            (_, kind, lib), objectmode = data[0], data[4]  # CompileResult._reduce's payload
            symbols = object_symbols(lib[0]) if kind == "object" and not objectmode else None
            if symbols is None or not _resolves(symbols[0], codegen._engine):
                return False
            # CompileResult._rebuild, with the library made as above
            codegen.unserialize_library = functools.partial(_library_from_object, codegen, defined=symbols[1])
            try:
                cres = cache._impl.rebuild(ctx, data)
            finally:
                del codegen.unserialize_library
            ctx.insert_user_function(cres.entry_point, cres.fndesc, [cres.library])
            fn.add_overload(cres)
            fn._cache_hits[sig] += 1
            return True
    except Exception:  # noqa: BLE001 - whatever this shortcut cannot do, the usual compile does (or reports)
        return False
