"""The on-disk compile cache: content-addressed folders, atomic writes, corrupt entries rebuilt.

Layout: <root>/<provider>/<key>/ holds the generated module (`plan_<key>.py`) and the compiler's
artifacts beside it (Numba's `__pycache__`, Triton's cache dir). The key hashes the generated source
together with everything that changes the machine code (versions, CPU or GPU target). Numba kernels
have their own entries, <root>/numba/kernels/<key>/, shared by every plan that imports them.

Trust. Whatever the cache holds may be run: Numba unpickles its index and data files, a plan entry is
a pickle, a module's bytecode is code. So, as ssh treats ~/.ssh, a root is used only when it is a
folder owned by the current user that nobody else can write to, under folders only that user or
root can change (a sticky folder such as /tmp counts); otherwise, or when it cannot be created or
written to, a session warns and uses a private temporary root instead (`private_root`), compiling
as if the cache were empty. Folders onnxjit creates are 0700, files 0600. Beyond that:
- a generated module is used only when its file holds exactly the source the session expects
  (`write_source` rewrites it otherwise), and it is run from that text or from bytecode
  authenticated with the root's secret key (plan_support.import_generated);
- plan entries are authenticated with the same key (plan_cache.py);
- Numba's own index and data files are trusted because of where they lie: each folder they are read
  from, and each file in it, must belong to the user and be writable by nobody else
  (`untrusted_numba_folder`); Triton's cache is trusted for the same reason, checked at its folder.
The key (`secret_key`) is 32 random bytes in <root>/hmac.key, 0600.
"""
from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import platform
import shutil
import stat
import tempfile
import threading
import warnings
from pathlib import Path
from typing import IO, Callable, Iterator, TypeVar

T = TypeVar("T")

KEY_FILE = "hmac.key"
_lock = threading.Lock()
_warned: set[str] = set()
_private: list[Path] = []
_keys: dict[str, bytes] = {}


class CacheWarning(UserWarning):
    """The cache folder asked for cannot be used safely; the session compiles in a private one."""


def requested_root(override: str | None = None) -> Path:
    """The cache root asked for: `override`, else ONNXJIT_CACHE_DIR, else ~/.cache/onnxjit."""
    return Path(override or os.environ.get("ONNXJIT_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "onnxjit"))


def cache_root(override: str | None = None) -> Path:
    """The cache root to use: the one asked for (created 0700 if missing) when it can be trusted and
    written to, else, with a warning (once per process and folder), a private temporary one."""
    path = requested_root(override)
    root, reason = usable_root(path)
    if root is not None:
        return root
    with _lock:
        first = str(path) not in _warned
        _warned.add(str(path))
    private = private_root()
    if first:
        warnings.warn(f"onnxjit: not using the cache folder {str(path)!r}: {reason}; compiling in a private "
                      f"temporary folder instead ({private}), so nothing is reused across processes",
                      CacheWarning, stacklevel=3)
    return private


def usable_root(path: Path) -> tuple[Path | None, str]:
    """(the real path of `path`, "") when it is, or could be made, a cache root that is safe to read
    from and write to; (None, why not) otherwise."""
    try:
        ensure_dir(path)
        real = Path(os.path.realpath(path))
        reason = untrusted_dir(real) or _untrusted_parents(real)
        if reason:
            return None, reason
        if not os.access(real, os.W_OK | os.X_OK):
            return None, "it is not writable (read-only file system or permissions)"
        return real, ""
    except OSError as exc:
        return None, f"it cannot be created or used ({type(exc).__name__}: {exc.strerror or exc})"


def _uid() -> int | None:
    return os.getuid() if hasattr(os, "getuid") else None


def untrusted_dir(path: Path | str) -> str:
    """Why folder `path` (not followed if a link) is not safe to read code from, or ""."""
    uid = _uid()
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):
        return f"{str(path)!r} is not a folder"
    if uid is None:
        return ""
    if st.st_uid != uid:
        return f"{str(path)!r} belongs to uid {st.st_uid}, not to this user (uid {uid})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"{str(path)!r} is writable by others (mode {stat.S_IMODE(st.st_mode):o})"
    return ""


def untrusted_file(st: os.stat_result, path: Path | str) -> str:
    """Why a file with status `st` is not safe to read code from, or ""."""
    uid = _uid()
    if not stat.S_ISREG(st.st_mode):
        return f"{str(path)!r} is not a regular file"
    if uid is not None and st.st_uid != uid:
        return f"{str(path)!r} belongs to uid {st.st_uid}, not to this user (uid {uid})"
    if uid is not None and st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"{str(path)!r} is writable by others (mode {stat.S_IMODE(st.st_mode):o})"
    return ""


def _untrusted_parents(real: Path) -> str:
    """Why someone other than this user or root could replace `real` (a real path) by changing a
    folder above it, or "". A folder writable by others is fine when it is sticky (as /tmp)."""
    uid = _uid()
    if uid is None:
        return ""
    for parent in real.parents:
        st = os.stat(parent)
        if st.st_uid not in (uid, 0):
            return f"the folder above it, {str(parent)!r}, belongs to uid {st.st_uid}"
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not st.st_mode & stat.S_ISVTX:
            return f"the folder above it, {str(parent)!r}, is writable by others"
    return ""


def untrusted_numba_folder(folder: Path, root: Path) -> str:
    """Why the files of `folder`, where Numba keeps compiled functions, are not safe to read code from,
    or "". Every folder from the (checked) cache `root` down to `folder` must be the user's and writable
    by nobody else (for a folder outside `root`, such as NUMBA_CACHE_DIR's: that folder, and the
    folders above it as for a root), and so must each file directly in `folder`. A missing folder is
    fine: nothing is read from it."""
    try:
        if folder.is_relative_to(root):
            at = root
            for part in folder.relative_to(root).parts:
                at = at / part
                reason = untrusted_dir(at)
                if reason:
                    return reason
        else:
            real = Path(os.path.realpath(folder))
            reason = untrusted_dir(real) or _untrusted_parents(real)
            if reason:
                return reason
        with os.scandir(folder) as entries:
            for e in entries:
                reason = untrusted_dir(e.path) if e.is_dir(follow_symlinks=False) \
                    else untrusted_file(e.stat(follow_symlinks=False), e.path)
                if reason:
                    return reason
    except FileNotFoundError:
        return ""
    except OSError as exc:
        return f"{str(folder)!r} cannot be read ({exc.strerror or exc})"
    return ""


_umask_users = [0, 0]  # [sessions inside private_umask, the umask to restore when the last leaves]


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """While a session writes into the cache: files and folders created meanwhile, Numba's entries
    among them, are the owner's alone (umask 077; with the common umask 002 they would be group-writable,
    never read again, and compiled anew by every session). Process-wide; nested and concurrent uses
    restore the caller's umask when the last one ends."""
    with _lock:
        if _umask_users[0] == 0:
            _umask_users[1] = os.umask(0o077)
        _umask_users[0] += 1
    try:
        yield
    finally:
        with _lock:
            _umask_users[0] -= 1
            if _umask_users[0] == 0:
                os.umask(_umask_users[1])


def ensure_dir(path: Path) -> None:
    """Create `path` and any missing folder above it, each 0700."""
    missing = []
    at = Path(path)
    while not at.is_dir():
        missing.append(at)
        if at.parent == at:
            break
        at = at.parent
    for p in reversed(missing):
        try:
            os.mkdir(p, 0o700)
        except FileExistsError:
            if not p.is_dir():
                raise


def private_root() -> Path:
    """This process's private cache root (0700, removed at exit), made on first use."""
    with _lock:
        if not _private:
            from onnxjit.errors import RuntimeException  # noqa: PLC0415

            try:
                _private.append(Path(tempfile.mkdtemp(prefix="onnxjit-private-cache-")))
            except OSError as exc:
                raise RuntimeException(f"onnxjit: no usable cache folder and no temporary folder either: {exc}") from exc
            atexit.register(shutil.rmtree, str(_private[0]), True)
        return _private[0]


def in_root_or_private(root: Path, use: Callable[[Path], T]) -> T:
    """`use(root)`; when writing there fails after all (disk full, gone read-only, ...), a warning and
    `use` again on this process's private root."""
    try:
        return use(root)
    except OSError as exc:
        private = private_root()
        warnings.warn(f"onnxjit: the cache folder {str(root)!r} cannot be used ({exc}); compiling in a "
                      f"private temporary folder instead ({private})", CacheWarning, stacklevel=3)
        return use(private)


def secret_key(root: Path) -> bytes:
    """The root's secret key (created on first use), which authenticates what onnxjit wrote there."""
    path = root / KEY_FILE
    cached = _keys.get(str(path))
    if cached is not None:
        return cached
    key = _read_key(path)
    if key is None:
        new = os.urandom(32)
        fd, tmp = tempfile.mkstemp(dir=root, prefix=".tmp_key_")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(new)
            try:
                os.link(tmp, path)  # whoever links first wins; the others read theirs
            except FileExistsError:
                if _read_key(path) is None:  # an unusable file: replaced (what it authenticated is rebuilt)
                    os.replace(tmp, path)
                    tmp = ""
            except OSError:  # no hard links on this file system: the first to create it wins
                with contextlib.suppress(FileExistsError):
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
                    with os.fdopen(fd, "wb") as f:
                        f.write(new)
        finally:
            if tmp:
                Path(tmp).unlink(missing_ok=True)
        key = _read_key(path)
        if key is None:
            from onnxjit.errors import RuntimeException  # noqa: PLC0415

            raise RuntimeException(f"onnxjit: cannot create the cache key {str(path)!r}")
    _keys[str(path)] = key
    return key


def _read_key(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if untrusted_file(st, path) or (_uid() is not None and st.st_mode & 0o077) or st.st_size != 32:
            return None
        key = f.read(33)
    return key if len(key) == 32 else None


def machine_fingerprint() -> str:
    """CPU name and features, as they decide what LLVM emits."""
    try:
        import llvmlite.binding as llvm

        return f"{llvm.get_host_cpu_name()}|{sorted(llvm.get_host_cpu_features().items())}"
    except Exception:  # noqa: BLE001
        return platform.machine() + platform.processor()


def cache_key(source: str, *parts: str) -> str:
    h = hashlib.sha256(source.encode())
    for p in parts:
        h.update(b"\0" + p.encode())
    return h.hexdigest()[:32]


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "w") -> Iterator[IO]:
    """A file that appears at `path` whole or not at all: written under a temporary name in the same
    folder, renamed over `path` when the block ends, removed if it raises."""
    ensure_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp_", suffix=path.suffix)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, text: str) -> None:
    with atomic_file(path) as f:
        f.write(text)


def source_matches(path: Path, source: str) -> bool:
    """The file at `path` holds exactly `source` (the text the session rendered or verified)."""
    try:
        with open(path, "rb") as f:
            return f.read() == source.encode()
    except OSError:
        return False


def write_source(path: Path, source: str) -> bool:
    """Make the module file at `path` hold exactly `source`; True when it was written (anew, or over
    a file that held anything else, whose compiled artifacts are dropped with it)."""
    if source_matches(path, source):
        return False
    if path.parent.exists():
        shutil.rmtree(path.parent / "__pycache__", ignore_errors=True)
    atomic_write(path, source)
    return True


def purge(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
