"""Each Home Assistant of the bench runs in a fresh interpreter.

Home Assistant changes process-wide state and leaves it behind when it stops: it
wraps ``time.sleep``, ``open`` and more to refuse them in its loop's thread (the
main thread here, for good), moves the root logger's handlers behind its queue
and sends uncaught exceptions to its log file, which is gone by then. A child
process per Home Assistant keeps the bench clear of all that, and gives memory
figures that no earlier instance inflated. A child prints one JSON object on its
last stdout line; its stderr is passed on.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

_ROOT: Final = Path(__file__).resolve().parents[2]  # the repository


def log_our_errors() -> None:
    """Errors of the library and the bench on stderr; Home Assistant logs to its own file."""
    handler = logging.StreamHandler()
    handler.setLevel(logging.ERROR)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("custom_components.vitrea", "tools.bench", "asyncio"):
        logging.getLogger(name).addHandler(handler)
    # Nothing else reaches the terminal (not even through logging's "last resort").
    logging.getLogger().addHandler(logging.NullHandler())


def run_child(module: str, args: list[str], *, timeout: float) -> dict[str, Any]:
    """``python -m module *args`` from the repository; the JSON object it printed."""
    command = [sys.executable, "-m", module, *args]
    done = subprocess.run(
        command, cwd=_ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[1:])} failed with exit code {done.returncode}:\n"
            f"{done.stderr[-4000:]}"
        )
    sys.stderr.write(done.stderr)
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def child_main(measure: Callable[[], dict[str, Any]]) -> int:
    """A child's body: print what ``measure`` returns, or the traceback on stderr."""
    log_our_errors()
    try:
        result = measure()
    except Exception:
        # Home Assistant replaced sys.excepthook with its (removed) log file.
        traceback.print_exc()
        return 1
    print(json.dumps(result))
    return 0
