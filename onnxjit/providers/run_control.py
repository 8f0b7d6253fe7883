"""What a run in progress can be told: RunOptions.terminate, as onnxruntime checks it.

The session makes a run's RunOptions the calling thread's *active* options for the run's length
(only when the caller passed some: a run without them costs nothing here). Providers check the flag
between the pieces they run (compiled drivers, host steps, nodes, subgraph nodes of a Loop body),
so another thread that sets `run_options.terminate = True` stops the run at the next piece, which
raises Fail as onnxruntime does. Compiled code itself is never interrupted: a piece always finishes.
"""
from __future__ import annotations

import threading
from typing import Any

from onnxjit.errors import Fail

TERMINATE_MESSAGE = "Exiting due to terminate flag being set to true."

_local = threading.local()


def active() -> Any:
    """The RunOptions of the run on this thread, or None."""
    return getattr(_local, "options", None)


def activate(run_options: Any) -> Any:
    """Make `run_options` this thread's active options; returns the previous ones (to restore)."""
    previous = getattr(_local, "options", None)
    _local.options = run_options
    return previous


def restore(previous: Any) -> None:
    _local.options = previous


def check(run_options: Any) -> None:
    """Raise Fail when `run_options` (or None) asks the run to stop."""
    if run_options is not None and run_options.terminate:
        raise Fail(TERMINATE_MESSAGE)


def check_active() -> None:
    check(getattr(_local, "options", None))
