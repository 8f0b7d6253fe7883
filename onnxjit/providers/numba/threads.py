"""Thread counts for compiled code. SessionOptions.intra_op_num_threads sets the size of Numba's
thread pool, like onnxruntime's intra-op pool; 0 means onnxruntime's default, one thread per core.
Heavy kernels split their work into jobs over that pool themselves (prange), each job calling BLAS
on its share, so BLAS (OpenBLAS inside scipy, which Numba's np.dot calls) runs single-threaded: two
pools on the same cores would spin against each other.

BLAS's count is process-wide and set once; the size of Numba's pool is a setting of the calling
thread (numba.set_num_threads is thread-local), so each thread that runs a session sets it on its
first run, and again only when a session with another count runs on that thread.

Several threads may run compiled code at once (one session's concurrent runs, or several
sessions'). Numba's 'omp' and 'tbb' threading layers take parallel launches from many threads;
its 'workqueue' layer does not (concurrent launches abort the process), so under it the runs of
plans with parallel kernels take turns (`parallel_guard`)."""
from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import threading

_lock = threading.Lock()
_current = threading.local()  # .asked: the count this thread last set (0: the default)
_workqueue_lock = threading.Lock()  # runs with parallel kernels take turns under 'workqueue'
_layer: list[str] = []  # Numba's threading layer, once its pool has started


def default_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _openblas_setter():
    """scipy's bundled OpenBLAS `set_num_threads`, or None where it cannot be found."""
    try:
        import scipy  # noqa: PLC0415
    except ImportError:
        return None
    libs = os.path.join(os.path.dirname(os.path.dirname(scipy.__file__)), "scipy.libs")
    for path in sorted(glob.glob(os.path.join(libs, "libscipy_openblas*.so*"))):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in ("scipy_openblas_set_num_threads", "openblas_set_num_threads"):
            fn = getattr(lib, symbol, None)
            if fn is not None:
                fn.argtypes, fn.restype = [ctypes.c_int], None
                return fn
    return None


_setter = None
_setter_loaded = False


_CYTHON_BLAS = "scipy.linalg.cython_blas"  # the module Numba's BLAS helper imports


def _cython_blas():
    """scipy's `scipy.linalg.cython_blas` extension, loaded from its file on its own.

    Numba's BLAS helper looks its functions up by importing that module, and importing it the usual
    way runs `scipy.linalg/__init__` first: 0.15-0.3 s of a warm session's start, for a table of
    function pointers that loads in 4 ms. None where scipy.linalg is imported already (the helper
    finds the module then) or the file cannot be found or loaded (the helper imports it as usual)."""
    import importlib.machinery  # noqa: PLC0415
    import importlib.util  # noqa: PLC0415
    import sys  # noqa: PLC0415

    if _CYTHON_BLAS in sys.modules or "scipy.linalg" in sys.modules:
        return None
    if _alone:
        return _alone[0]
    try:
        import scipy  # noqa: PLC0415

        folder = os.path.join(os.path.dirname(scipy.__file__), "linalg")
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, "cython_blas" + suffix)
            if os.path.exists(path):
                spec = importlib.util.spec_from_file_location(_CYTHON_BLAS, path)
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                _alone.append(module)
                return module
    except Exception:  # noqa: BLE001 - any failure leaves the usual import to the helper
        return None
    return None


_alone: list = []  # the module `_cython_blas` loaded, once per process


@contextlib.contextmanager
def cython_blas_alone():
    """Within the block, `scipy.linalg.cython_blas` is the module loaded on its own (`_cython_blas`)
    where the usual import would run scipy.linalg's; afterwards it is taken out of sys.modules again
    (whoever looked functions up keeps the pointers), so that a later `import scipy.linalg` runs as
    it would have. Numba imports the module in its BLAS helper's first lookup, and again when it
    loads its array typing (`numba.np.arraymath`) before it first compiles."""
    import sys  # noqa: PLC0415

    alone = _cython_blas()
    if alone is not None:
        sys.modules[_CYTHON_BLAS] = alone
    try:
        yield
    finally:
        if alone is not None and sys.modules.get(_CYTHON_BLAS) is alone:
            del sys.modules[_CYTHON_BLAS]


def _resolve_blas() -> None:
    """Make Numba look up its BLAS functions now, on this thread: the lookup imports scipy under the
    GIL, which a worker thread of a parallel kernel could not take while the caller holds it."""
    from numba import _helperlib  # noqa: PLC0415

    with cython_blas_alone():
        fn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char, ctypes.c_char, ctypes.c_char, *[ctypes.c_ssize_t] * 3,
                              ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_void_p,
                              ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_void_p,
                              ctypes.c_ssize_t)(_helperlib.c_helpers["xxgemm"])
        for kind, ctype in ((b"s", ctypes.c_float), (b"d", ctypes.c_double)):
            one, zero, a, b, c = ctype(1), ctype(0), ctype(1), ctype(1), ctype(0)
            fn(kind, b"N", b"N", 1, 1, 1, ctypes.addressof(one), ctypes.addressof(a), 1, ctypes.addressof(b), 1,
               ctypes.addressof(zero), ctypes.addressof(c), 1)


_pool_pid = [0]  # the process that started Numba's pool


def use_threads(n: int) -> None:
    """Make compiled code use `n` threads (Numba's pool; BLAS stays at one per calling thread)."""
    global _setter, _setter_loaded
    if _pool_pid[0] and _pool_pid[0] != os.getpid():
        # GNU OpenMP (Numba's pool) cannot run in a child forked after it started: Numba would end
        # the process with SIGTERM at the first parallel kernel; say why instead
        from onnxjit.errors import RuntimeException  # noqa: PLC0415

        raise RuntimeException(
            "NumbaExecutionProvider cannot run in a process forked from one that already used it (its "
            "OpenMP thread pool does not survive fork); use the 'spawn' or 'forkserver' start method of "
            "multiprocessing, or create the first session in the child")
    asked = n
    if getattr(_current, "asked", None) == asked:  # what this thread set last (0: the default)
        return
    n = n if n > 0 else default_threads()
    import numba  # noqa: PLC0415

    with _lock:
        if not _setter_loaded:
            _setter, _setter_loaded = _openblas_setter(), True
            _resolve_blas()
            if _setter is not None:
                _setter(1)
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))  # starts the pool, this thread's count
        if not _layer:
            _layer.append(str(numba.threading_layer()))
        _pool_pid[0] = os.getpid()
    _current.asked = asked


def threading_layer() -> str:
    """Numba's threading layer ('omp', 'tbb' or 'workqueue'); '' before the pool has started."""
    return _layer[0] if _layer else ""


def parallel_guard(has_parallel: bool) -> threading.Lock | None:
    """What a run holds while its compiled code runs: nothing (None), or, for a plan with parallel
    kernels under Numba's 'workqueue' layer (which cannot take launches from two threads at once),
    a lock that makes such runs take turns, process-wide."""
    if has_parallel and _layer and _layer[0] == "workqueue":
        return _workqueue_lock
    return None
