"""Resident memory of Home Assistant per entity of the integration.

Each size is measured in a fresh process (``python -m tools.bench.memory --nodes N``):
Home Assistant and a simulator of ``large_installation(N)`` are started, VmRSS is
read, the box is added through the config flow, and VmRSS is read again; both
after ``gc.collect()``. Memory freed by one Home Assistant is not given back to
the system, hence a process per size. The difference between two sizes, per
entity, leaves out what does not grow with the installation (the integration's
modules and platforms, the connection).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from custom_components.vitrea.vbox import Protocol
from simulator import large_installation
from tools.bench.cold_start import without_leaks
from tools.bench.home_assistant import check_started
from tools.bench.process import child_main, run_child
from tools.bench.stats import Summary, summarise
from tools.harness import add_box, entry_entity_ids, home_assistant, served, simulated_box

_STATUS: Final = Path("/proc/self/status")
CHILD_TIMEOUT_S: Final = 300


def rss_mb() -> float:
    """This process's resident set (VmRSS), in MiB; Linux only."""
    for line in _STATUS.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def available() -> bool:
    return _STATUS.exists()


@dataclass(frozen=True, slots=True)
class Size:
    nodes: int
    entities: int
    before_mb: Summary  # Home Assistant and the simulator running, no entry
    after_mb: Summary  # the entry loaded

    @property
    def added_mb(self) -> Summary:
        return summarise(
            [a - b for a, b in zip(self.after_mb.values, self.before_mb.values, strict=True)]
        )


@dataclass(frozen=True, slots=True)
class MemoryResult:
    small: Size
    large: Size

    @property
    def mb_per_1000_entities(self) -> Summary:
        """The slope between the two sizes, run by run."""
        entities = self.large.entities - self.small.entities
        return summarise(
            [
                (big - small) / entities * 1000
                for big, small in zip(
                    self.large.added_mb.values, self.small.added_mb.values, strict=True
                )
            ]
        )


async def _measure(nodes: int, protocol: Protocol) -> dict[str, Any]:
    async with (
        home_assistant() as hass,
        simulated_box(large_installation(nodes)) as home,
        served(home, protocol) as box,
    ):
        check_started(hass)
        await hass.async_block_till_done()
        gc.collect()
        before = rss_mb()
        entry = await add_box(hass, box, protocol)
        gc.collect()
        after = rss_mb()
        entities = len(entry_entity_ids(hass, entry))
        await hass.config_entries.async_unload(entry.entry_id)
    return {"nodes": nodes, "entities": entities, "before_mb": before, "after_mb": after}


def _child(nodes: int, protocol: Protocol) -> dict[str, Any]:
    args = ["--nodes", str(nodes), "--protocol", str(protocol)]
    return run_child("tools.bench.memory", args, timeout=CHILD_TIMEOUT_S)


def run_memory(
    runs: int, *, small: int = 16, large: int = 64, protocol: Protocol = Protocol.VTU
) -> MemoryResult:
    measured: dict[int, list[dict[str, Any]]] = {small: [], large: []}
    for _ in range(runs):
        for nodes in (small, large):
            measured[nodes].append(_child(nodes, protocol))

    def size(nodes: int) -> Size:
        rows = measured[nodes]
        return Size(
            nodes=nodes,
            entities=int(rows[0]["entities"]),
            before_mb=summarise([float(row["before_mb"]) for row in rows]),
            after_mb=summarise([float(row["after_mb"]) for row in rows]),
        )

    return MemoryResult(size(small), size(large))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.memory", description=__doc__)
    parser.add_argument("--nodes", type=int, required=True)
    parser.add_argument("--protocol", type=Protocol, default=Protocol.VTU)
    args = parser.parse_args(argv)
    return child_main(lambda: asyncio.run(without_leaks(_measure(args.nodes, args.protocol))))


if __name__ == "__main__":
    sys.exit(main())
