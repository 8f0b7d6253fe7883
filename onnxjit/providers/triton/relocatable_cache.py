"""Triton's file cache, made to survive moving its folder.

Triton keeps each compiled kernel in <TRITON_CACHE_DIR>/<hash>/ and a `__grp__<name>.json` there that
lists the kernel's files by absolute path; a lookup whose listed paths do not all exist is a miss. So a
cache folder that was moved or copied (an `onnxjit compile` artifact deployed elsewhere) misses every
kernel and compiles it again. The folder name (the hash) does not depend on where the cache lies,
only the paths in the group file do.

`RelocatableCacheManager` reads a group's files by name from the group's own folder, whatever folder
the group file names, and writes groups as Triton does (absolute paths), so stock Triton still reads
a cache it wrote where it was written. Reading only from the group's own folder also means a group
file can never make Triton read a file outside the cache. `install` makes it Triton's cache manager
(TRITON_CACHE_MANAGER) unless the user chose another one.
"""
from __future__ import annotations

import json
import os
from typing import Dict, Optional

from triton.runtime.cache import FileCacheManager

MANAGER = f"{__name__}:RelocatableCacheManager"


class RelocatableCacheManager(FileCacheManager):
    """A FileCacheManager whose groups name their files relative to the group's folder."""

    def get_group(self, filename: str) -> Optional[Dict[str, str]]:
        grp_filename = f"__grp__{filename}"
        if not self.has_file(grp_filename):
            return None
        try:
            with open(self._make_path(grp_filename)) as f:
                children = json.load(f).get("child_paths")
        except Exception:  # noqa: BLE001 - a damaged group is a miss, as in Triton
            return None
        if not isinstance(children, dict):
            return None
        result = {}
        for name in children:
            if not isinstance(name, str) or not name or name in (".", "..") or os.path.basename(name) != name:
                return None
            path = self._make_path(name)
            if not os.path.isfile(path):
                return None
            result[name] = path
        return result


def install() -> None:
    """Make Triton look kernels up with RelocatableCacheManager (process-wide, as TRITON_CACHE_DIR),
    unless TRITON_CACHE_MANAGER already names a manager of the user's."""
    os.environ.setdefault("TRITON_CACHE_MANAGER", MANAGER)
