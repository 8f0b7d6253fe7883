"""Cold compiles spread over worker processes. Numba compiles one function at a time under the GIL,
so a new plan's kernels (then its drivers) are handed to a few fresh `python -m` processes that
compile them into the shared on-disk cache; the session then loads them from there. Purely an
accelerator: whatever a worker did not finish is compiled by the session itself afterwards.

Worker protocol: argv[1] is a JSON file {"imports": [[module, path], ...], "jobs": [[module, function,
[dtype, ...]], ...]}; the worker prints a line per finished job: the function's name, then 1 when it
compiled it, 0 when the cache had it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable

Job = tuple[str, str, tuple[str, ...]]  # (module, function, argument dtypes)


def compile_elsewhere(imports: list[tuple[str, str]], jobs: list[Job], workers: int,
                      progress: Callable[[str], None] | None = None) -> int:
    """Compile `jobs` in `workers` processes (round-robin); returns how many of them the workers
    compiled (rather than found in the cache)."""
    if workers < 2 or len(jobs) < 2:
        return 0
    shares = [jobs[i::workers] for i in range(workers)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    procs, files = [], []
    for share in shares:
        if not share:
            continue
        fd, name = tempfile.mkstemp(suffix=".json", prefix="onnxjit_compile_")
        with os.fdopen(fd, "w") as f:
            json.dump({"imports": imports, "jobs": share}, f)
        files.append(name)
        procs.append(subprocess.Popen([sys.executable, "-m", "onnxjit.providers.numba.compile_pool", name],
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True))
    compiled = [0]
    lock = threading.Lock()

    def read(proc: subprocess.Popen) -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            function, _, missed = line.strip().partition(" ")
            with lock:
                compiled[0] += missed == "1"
                if progress is not None:
                    progress(function)
        proc.wait()

    readers = [threading.Thread(target=read, args=(p,), daemon=True) for p in procs]
    for r in readers:
        r.start()
    for r in readers:
        r.join()
    for name in files:
        Path(name).unlink(missing_ok=True)
    return compiled[0]


def signature(dtypes: list[str] | tuple[str, ...]) -> Any:
    """The one signature of every generated function: flat C-contiguous arrays of these dtypes."""
    import numba  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    return numba.types.void(*[numba.types.Array(numba.from_dtype(np.dtype(d)), 1, "C") for d in dtypes])


def _main(spec_file: str) -> None:
    from onnxjit.providers.numba.threads import use_threads  # noqa: PLC0415
    from onnxjit.providers.plan_support import import_generated  # noqa: PLC0415

    spec = json.loads(Path(spec_file).read_text())
    use_threads(1)  # resolves BLAS as a session would; compiling needs no threads
    for module, path in spec["imports"]:
        import_generated(module, Path(path))
    for module, function, dtypes in spec["jobs"]:
        fn = getattr(sys.modules[module], function)
        fn.compile(signature(dtypes))
        print(function, int(sum(fn.stats.cache_misses.values()) > 0), flush=True)


if __name__ == "__main__":
    _main(sys.argv[1])
