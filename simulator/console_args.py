"""The control console's arguments (a delay in milliseconds, a count of replies) and
the fault knobs both ports show alike."""

from __future__ import annotations

from typing import Any, Final

from .port import Port

MS: Final = 1000.0


def milliseconds(text: str) -> float:
    """``text`` milliseconds as seconds; ValueError outside 0 ms - an hour."""
    value = float(text)
    if not 0 <= value < 3_600_000:
        raise ValueError(f"{text} ms is not between 0 and an hour")
    return value / MS


def count(args: list[str], index: int) -> int:
    """The count at ``args[index]`` (1 when absent); ValueError below 1."""
    if len(args) <= index:
        return 1
    value = int(args[index])
    if value < 1:
        raise ValueError(f"count {value}: must be at least 1")
    return value


def port_knobs(port: Port[Any, Any, Any]) -> dict[str, object]:
    """The knobs every port has, in the units of the console."""
    return {
        "latency_ms": port.latency * MS,
        "min_gap_ms": port.min_gap * MS,
        "push_delay_ms": port.push_delay * MS,
        "reply_faults": bool(port.reply_faults),
        "stalled": port.stalled,
    }
