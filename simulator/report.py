"""``python -m simulator.report FILE.json``: every frame a diagnostics download captured, decoded.

One JSON object per line (see replay.py); exit code 2 with one line on stderr for a
file that is missing or is not a diagnostics download.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from custom_components.vitrea.vbox import InstallationFormatError

from .replay import replay


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m simulator.report DIAGNOSTICS.json")
        return 2
    try:
        document = json.loads(Path(args[0]).read_text(encoding="utf-8"))
        replayed = replay(document)
    except (OSError, ValueError, InstallationFormatError) as err:
        print(f"replay: error: {err}", file=sys.stderr)
        return 2
    for item in replayed:
        print(json.dumps(item.to_dict(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
