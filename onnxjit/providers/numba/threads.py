"""Thread counts for compiled code: BLAS (OpenBLAS inside scipy, which Numba's np.dot calls) and
Numba's own thread pool. SessionOptions.intra_op_num_threads maps to both, like onnxruntime's
intra-op pool; 0 means onnxruntime's default, one thread per core.

Both are process-wide settings of the libraries, so a run sets them only when they differ from what
the previous run set (sessions with different counts in one process take turns)."""
from __future__ import annotations

import ctypes
import glob
import os
import threading

_lock = threading.Lock()
_current: list[int] = [0]


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


def use_threads(n: int) -> None:
    """Make compiled code use `n` threads (BLAS and Numba's pool)."""
    global _setter, _setter_loaded
    n = n if n > 0 else default_threads()
    if _current[0] == n:
        return
    with _lock:
        if not _setter_loaded:
            _setter, _setter_loaded = _openblas_setter(), True
        if _setter is not None:
            _setter(n)
        import numba  # noqa: PLC0415

        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
        _current[0] = n
