"""Repeated measurements and their summary."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Summary:
    """Every value of a repeated measurement; the headline figure is the median."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def max(self) -> float:
        return max(self.values)

    def to_dict(self, digits: int) -> dict[str, float | list[float]]:
        return {
            "median": round(self.median, digits),
            "min": round(self.min, digits),
            "max": round(self.max, digits),
            "values": [round(v, digits) for v in self.values],
        }


def summarise(values: list[float]) -> Summary:
    if not values:
        raise ValueError("no measurement")
    return Summary(tuple(values))
