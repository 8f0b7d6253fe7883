"""Cold compiles spread over worker processes. Numba compiles one function at a time under the GIL,
so a new plan's functions are handed to a few fresh `python -m` processes that compile them into the
shared on-disk cache; the session then loads them from there. Purely an accelerator: whatever a
worker did not finish is compiled by the session itself afterwards.

Jobs are handed out one at a time, in the caller's order, to whichever worker is free (the costliest
first keeps the workers' shares even; a fixed split left one worker idle for seconds).

Worker protocol: argv[1] is a JSON file {"imports": [[module, path, sha256 of its source], ...]} (a
worker imports a module only when its file holds that source); then each line on stdin
is a job [module, function, [dtype, ...], driver], and the worker answers each with a line: the
function's name, then 1 when it compiled it, 0 when the cache had it."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable

Job = tuple[str, str, tuple[str, ...], bool]  # (module, function, argument dtypes, is a driver)


def compile_elsewhere(imports: list[tuple[str, str, str]], jobs: list[Job], workers: int,
                      progress: Callable[[str], None] | None = None) -> int:
    """Compile `jobs` in `workers` processes, each taking the next job when it is free; returns how
    many of them the workers compiled (rather than found in the cache). `imports`: (module, file, the
    source the file must hold), in import order."""
    if workers < 2 or len(jobs) < 2:
        return 0
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    fd, spec = tempfile.mkstemp(suffix=".json", prefix="onnxjit_compile_")
    with os.fdopen(fd, "w") as f:
        json.dump({"imports": [(m, p, hashlib.sha256(src.encode()).hexdigest()) for m, p, src in imports]}, f)
    queue = list(reversed(jobs))  # pop() takes the next job
    compiled = [0]
    lock = threading.Lock()

    def next_job() -> Job | None:
        with lock:
            return queue.pop() if queue else None

    def serve(proc: subprocess.Popen) -> None:
        try:
            while (job := next_job()) is not None:
                proc.stdin.write(json.dumps(job) + "\n")  # type: ignore[union-attr]
                proc.stdin.flush()  # type: ignore[union-attr]
                line = proc.stdout.readline()  # type: ignore[union-attr]
                if not line:  # the worker died: the session compiles what is left
                    break
                function, _, missed = line.strip().partition(" ")
                with lock:
                    compiled[0] += missed == "1"
                    if progress is not None:
                        progress(function)
        except OSError:  # a broken pipe: as above
            pass
        finally:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait()

    procs = [subprocess.Popen([sys.executable, "-m", "onnxjit.providers.numba.compile_pool", spec],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              env=env, text=True)
             for _ in range(min(workers, len(jobs)))]
    servers = [threading.Thread(target=serve, args=(p,), daemon=True) for p in procs]
    for t in servers:
        t.start()
    for t in servers:
        t.join()
    Path(spec).unlink(missing_ok=True)
    return compiled[0]


def signature(dtypes: list[str] | tuple[str, ...]) -> Any:
    """The one signature of every generated function: flat C-contiguous arrays of these dtypes
    ("scalar:<dtype>": a scalar, such as a parallel kernel's job number)."""
    import numba  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    def one(d: str):
        if d.startswith("scalar:"):
            return numba.from_dtype(np.dtype(d[len("scalar:"):]))
        return numba.types.Array(numba.from_dtype(np.dtype(d)), 1, "C")

    return numba.types.void(*[one(d) for d in dtypes])


@contextlib.contextmanager
def driver_opt(driver: bool):
    """LLVM optimisation at -O1 while a driver compiles: a driver only calls kernels and makes views,
    and has nothing for -O3 to vectorise."""
    import numba  # noqa: PLC0415

    saved = numba.config.OPT
    if driver:
        numba.config.OPT = 1
    try:
        yield
    finally:
        numba.config.OPT = saved


def _main(spec_file: str) -> None:
    from onnxjit.providers.numba.threads import cython_blas_alone, use_threads  # noqa: PLC0415
    from onnxjit.providers.plan_support import import_generated  # noqa: PLC0415

    spec = json.loads(Path(spec_file).read_text())
    use_threads(1)  # resolves BLAS as a session would; compiling needs no threads
    for module, path, digest in spec["imports"]:
        source = Path(path).read_bytes()
        if hashlib.sha256(source).hexdigest() != digest:  # not what the session wrote: compile nothing
            raise SystemExit(f"{path} does not hold the source expected")
        import_generated(module, Path(path), source.decode())
    for line in sys.stdin:
        module, function, dtypes, driver = json.loads(line)
        fn = getattr(sys.modules[module], function)
        with driver_opt(driver), cython_blas_alone():
            fn.compile(signature(dtypes))
        print(function, int(sum(fn.stats.cache_misses.values()) > 0), flush=True)


if __name__ == "__main__":
    _main(sys.argv[1])
