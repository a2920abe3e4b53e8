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


@dataclass(frozen=True, slots=True)
class Distribution:
    """Many samples of one latency; the headline figures are percentiles over all of them."""

    values: tuple[float, ...]

    def percentile(self, q: int) -> float:
        """The q-th percentile (1-99), interpolated between the nearest samples."""
        if len(self.values) < 2:
            return self.values[0]
        return statistics.quantiles(self.values, n=100, method="inclusive")[q - 1]

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    @property
    def max(self) -> float:
        return max(self.values)

    def to_dict(self, scale: float, digits: int) -> dict[str, float | int]:
        """Count and percentiles, each multiplied by ``scale`` (1000: seconds to ms)."""
        return {
            "count": len(self.values),
            "p50": round(self.p50 * scale, digits),
            "p90": round(self.percentile(90) * scale, digits),
            "p99": round(self.p99 * scale, digits),
            "max": round(self.max * scale, digits),
        }


def distribution(values: list[float]) -> Distribution:
    if not values:
        raise ValueError("no sample")
    return Distribution(tuple(values))
