"""``python -m tools.bench``: run the benchmarks and print a table or one JSON object."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from custom_components.vitrea.vbox import Protocol
from tools.bench import memory
from tools.bench.cold_start import ColdStartResult, run_cold_start, without_leaks
from tools.bench.decode import DecodeResult, run_decode
from tools.bench.home_assistant import (
    QUIET_S,
    WARMUP_SAMPLES,
    HomeAssistantResult,
    PushResult,
    measure_home_assistant,
    measure_push_latency,
)
from tools.bench.memory import MemoryResult, run_memory
from tools.bench.process import log_our_errors
from tools.bench.slow_box import SlowBoxResult, run_slow_box
from tools.bench.stats import Distribution, Summary
from tools.harness import add_protocol_option

MS = 1000.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description=(
            "Benchmarks against the vBox simulator on loopback: decoder throughput versus "
            "the public client's hex-split framing; the cold read of a large installation "
            "by the library and by Home Assistant versus the serial bound and the reference "
            "250 ms pacing; the same on a slow box (--min-gap-ms); Home Assistant's warm "
            "start, push latency (also by home size), command latency, the requests of a "
            "reconnect, and memory per entity."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print exactly one JSON object")
    add_protocol_option(
        parser,
        "on host the figures of port 11501's own codec and pacing (the decoder against the "
        "public client's, the reference pacing, the slow box) are left out",
    )
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each measurement")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick",
        dest="full",
        action="store_false",
        help="pace only the first requests the reference way and extrapolate (default)",
    )
    mode.add_argument(
        "--full",
        dest="full",
        action="store_true",
        help="pace a whole read the reference way (about 4 minutes per run)",
    )
    parser.set_defaults(full=False)
    parser.add_argument("--nodes", type=int, default=64, help="nodes of the large installation")
    parser.add_argument(
        "--latency", type=float, default=0.020, help="simulated reply latency in seconds"
    )
    parser.add_argument(
        "--reference-requests",
        type=int,
        default=60,
        help="requests paced the reference way in --quick mode",
    )
    parser.add_argument(
        "--skip-cold-start",
        action="store_true",
        help="skip every cold read at the simulated latency, library and Home Assistant "
        "(the minutes of the run); the other figures remain",
    )
    parser.add_argument(
        "--skip-home-assistant",
        action="store_true",
        help="library figures only: no Home Assistant start, latency or memory figures",
    )
    parser.add_argument(
        "--pushes", type=int, default=1000, help="box pushes timed into Home Assistant"
    )
    parser.add_argument(
        "--commands", type=int, default=1000, help="Home Assistant actions timed to the box"
    )
    parser.add_argument(
        "--push-nodes",
        type=_node_counts,
        default=(16, 255),
        metavar="N,N",
        help="home sizes of push_latency_p99_ms_by_nodes (default: 16,255; a box holds 255)",
    )
    parser.add_argument(
        "--skip-push-by-nodes",
        action="store_true",
        help="skip push_latency_p99_ms_by_nodes (a Home Assistant per home size)",
    )
    parser.add_argument(
        "--skip-slow-box", action="store_true", help="skip the cold start against a slow box"
    )
    parser.add_argument(
        "--skip-memory", action="store_true", help="skip the memory per entity (minutes)"
    )
    parser.add_argument(
        "--slow-box-runs",
        type=int,
        default=1,
        help="runs of the slow-box cold start (default 1: about 2 minutes each)",
    )
    parser.add_argument(
        "--slow-box-gap-ms",
        type=float,
        default=80.0,
        help="the slow box ignores requests this soon after a reply (default 80)",
    )
    parser.add_argument(
        "--ha-log",
        type=Path,
        metavar="FILE",
        help="keep Home Assistant's log in FILE (default: a temporary file, removed)",
    )
    return parser


def _node_counts(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("expected node counts like 16,255") from None
    if not all(1 <= count <= 255 for count in counts):
        raise argparse.ArgumentTypeError("node counts are 1-255")
    return counts


@dataclass(frozen=True, slots=True)
class Results:
    runs: int
    decoded: DecodeResult | None  # None: port 11502 (the decoders compared are 11501's)
    library: ColdStartResult | None
    hass: HomeAssistantResult | None
    memory: MemoryResult | None
    pushes_by_nodes: tuple[PushResult, ...] = ()
    slow_box: SlowBoxResult | None = None
    protocol: Protocol = Protocol.VTU


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
    }


# --------------------------------------------------------------------------- JSON


def _decode_json(decoded: DecodeResult) -> dict[str, Any]:
    capture = decoded.capture
    return {
        "decode_frames_per_s": round(decoded.frames_per_s.median),
        "baseline_decode_frames_per_s": round(decoded.baseline_frames_per_s.median),
        "decode_speedup": round(decoded.ratio, 2),
        "baseline_frames_lost": decoded.baseline_frames_lost,
        "decode_whole_frames_per_s": round(decoded.whole_frames_per_s.median),
        "baseline_decode_whole_frames_per_s": round(decoded.whole_baseline_frames_per_s.median),
        "decode_whole_speedup": round(decoded.whole_ratio, 2),
        "decode_capture": {
            "frames": len(capture.frames),
            "startup_frames": capture.startup_frames,
            "bytes": len(capture.data),
            "tcp_chunks": len(capture.chunks),
            "whole_frame_chunks": len(capture.whole_chunks),
        },
    }


def _hass_json(hass: HomeAssistantResult, library: ColdStartResult | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if hass.cold_start_s is not None:
        out |= {
            "cold_start_s": round(hass.cold_start_s.median, 3),
            "requests_sent": hass.requests_sent,
            "serial_bound_s": round(hass.serial_bound_s, 3),
            "cold_start_vs_serial_bound": round(hass.vs_serial_bound, 3),
        }
        if library is not None and library.reference_pacing_s is not None:
            speedup = library.reference_pacing_s.median / hass.cold_start_s.median
            out["speedup_vs_reference"] = round(speedup, 2)
    push, command, wire = hass.push, hass.command, hass.command_to_wire
    out |= {
        "warm_start_s": round(hass.warm_start_s.median, 3),
        "warm_start_requests": max(hass.warm_start_requests),
        "warm_start_states_s": round(hass.warm_start_states_s.median, 3),
        "push_latency_p50_ms": round(push.p50 * MS, 3),
        "push_latency_p99_ms": round(push.p99 * MS, 3),
        "command_latency_p50_ms": round(command.p50 * MS, 3),
        "command_latency_p99_ms": round(command.p99 * MS, 3),
        "command_to_wire_p50_ms": round(wire.p50 * MS, 3),
        "command_to_wire_p99_ms": round(wire.p99 * MS, 3),
        "reconnect_requests": max(hass.reconnect_requests),
        "reconnect_keys": hass.keys,
        "reconnect_nodes": hass.nodes,
        "reconnect_requests_until_fresh": max(hass.reconnect_requests_until_fresh),
        "reconnect_fresh_s": round(hass.reconnect_fresh_s.median, 3),
        "reconnect": {
            "method": (
                f"no simulated latency; the box drops the link; requests it receives until every "
                f"key's state was read again (until_fresh), and until nothing came for "
                f"{QUIET_S:g} s (reconnect_requests: everything the recovery sends, topology "
                "check included); fresh_s: from the drop to the last state read"
            ),
            "requests": list(hass.reconnect_requests),
            "requests_until_fresh": list(hass.reconnect_requests_until_fresh),
            "fresh_s": hass.reconnect_fresh_s.to_dict(3),
        },
        "latency_ms": {
            "method": (
                f"no simulated latency; large_installation({hass.nodes}), every push reaching "
                f"all {hass.entities} entities; {WARMUP_SAMPLES} warm-up samples of each kind "
                "not counted; push: just before the simulator writes it -> EVENT_STATE_CHANGED "
                "of the entity (ON/OFF in turn, or a short press on a key's event entity); "
                "command: turn_on/turn_off action call -> the box's pushed state written; "
                "command_to_wire: -> the frame read by the simulator (an upper bound)"
            ),
            "push": push.to_dict(MS, 3),
            "push_state_change": hass.push_state.to_dict(MS, 3),
            "push_key_press": hass.push_press.to_dict(MS, 3),
            "command": command.to_dict(MS, 3),
            "command_to_wire": wire.to_dict(MS, 3),
        },
        "home_assistant": {
            "version": hass.home_assistant,
            "installation": f"large_installation({hass.nodes})",
            "nodes": hass.nodes,
            "rooms": hass.rooms,
            "keys": hass.keys,
            "entities": hass.entities,
            "latency_s": hass.latency_s,
        },
    }
    return out


def _library_json(library: ColdStartResult) -> dict[str, Any]:
    reference = library.reference_pacing_s
    speedup = library.speedup_vs_reference
    return {
        "library_cold_read_s": round(library.cold_start_s.median, 3),
        "library_requests_sent": library.requests_sent,
        "library_serial_bound_s": round(library.serial_bound_s, 3),
        "library_cold_read_vs_serial_bound": round(library.vs_serial_bound, 3),
        "library_speedup_vs_reference": round(speedup, 2) if speedup else None,
        "library_connect_s": round(library.connect_s.median, 4),
        "reference_pacing_s": round(reference.median, 3) if reference else None,
        "reference_pacing_extrapolated": library.reference_pacing_extrapolated,
        "reference_pacing_requests_measured": library.reference_requests_measured,
        "installation": {
            "nodes": library.nodes,
            "rooms": library.rooms,
            "keys": library.keys,
            "latency_s": library.latency_s,
        },
    }


def _pushes_json(pushes: tuple[PushResult, ...]) -> dict[str, Any]:
    return {
        "push_latency_p99_ms_by_nodes": {
            str(result.nodes): round(result.push.p99 * MS, 3) for result in pushes
        },
        "push_latency_by_nodes": {
            "method": (
                "as push_latency_ms, in a fresh Home Assistant per home size; "
                "large_installation(N); a node count is one byte on the wire, so a box holds "
                "at most 255 nodes"
            ),
            "sizes": [
                {"nodes": r.nodes, "entities": r.entities, "push": r.push.to_dict(MS, 3)}
                for r in pushes
            ],
        },
    }


def _slow_box_json(slow: SlowBoxResult) -> dict[str, Any]:
    cold = slow.cold_start_s
    return {
        "slow_box_cold_start_s": round(cold.median, 3) if cold else None,
        "slow_box_bound_s": round(slow.bound_s, 3),
        "slow_box_vs_bound": round(cold.median / slow.bound_s, 3) if cold else None,
        "slow_box_reference_pacing_s": round(slow.reference_pacing_s.median, 3),
        "slow_box": {
            "method": (
                "the library with the default ClientConfig: connect (ToggleHeartbeat, Login) and "
                f"read large_installation({slow.nodes}) with every state from a simulator with "
                f"{slow.latency_s * 1000:g} ms latency that ignores requests arriving within "
                f"{slow.gap_s * 1000:g} ms of its last reply; bound = requests_needed (the same "
                "on a box without the gap) x (latency + gap); a run not done within "
                f"{slow.timeout_s:.0f} s or failing counts as a failure; the 250 ms reference "
                f"pacing is extrapolated from its first {slow.reference_requests_measured} requests"
            ),
            "nodes": slow.nodes,
            "latency_s": slow.latency_s,
            "min_gap_s": slow.gap_s,
            "requests_needed": slow.requests_needed,
            "runs": len(slow.requests_sent),
            "failures": list(slow.failures),
            "cold_start_s": cold.to_dict(3) if cold else None,
            "requests_sent": list(slow.requests_sent),
            "requests_ignored": list(slow.requests_ignored),
            "reference_pacing_s": slow.reference_pacing_s.to_dict(3),
        },
    }


def _size_json(size: memory.Size) -> dict[str, Any]:
    return {
        "nodes": size.nodes,
        "entities": size.entities,
        "before_mb": round(size.before_mb.median, 1),
        "after_mb": round(size.after_mb.median, 1),
        "added_mb": round(size.added_mb.median, 2),
    }


def _memory_json(result: MemoryResult) -> dict[str, Any]:
    return {
        "rss_mb_per_1000_entities": round(result.mb_per_1000_entities.median, 2),
        "rss": {
            "method": (
                "VmRSS in MiB after gc.collect(), in a fresh process per size: Home Assistant "
                "and the simulator running (before), then the box added through the config "
                "flow (after); the slope of added_mb between the two sizes per 1000 entities"
            ),
            "sizes": [_size_json(result.small), _size_json(result.large)],
        },
    }


def to_json(results: Results) -> dict[str, Any]:
    out: dict[str, Any] = {"protocol": str(results.protocol)}
    run_detail: dict[str, Any] = {"count": results.runs}
    if (decoded := results.decoded) is not None:
        out |= _decode_json(decoded)
        run_detail |= {
            "decode_frames_per_s": decoded.frames_per_s.to_dict(0),
            "baseline_decode_frames_per_s": decoded.baseline_frames_per_s.to_dict(0),
            "decode_whole_frames_per_s": decoded.whole_frames_per_s.to_dict(0),
            "baseline_decode_whole_frames_per_s": decoded.whole_baseline_frames_per_s.to_dict(0),
        }
    if results.hass is not None:
        hass = results.hass
        out |= _hass_json(hass, results.library)
        if hass.cold_start_s is not None:
            run_detail["cold_start_s"] = hass.cold_start_s.to_dict(3)
            run_detail["requests_sent"] = list(hass.cold_start_requests)
        run_detail["warm_start_s"] = hass.warm_start_s.to_dict(3)
        run_detail["warm_start_states_s"] = hass.warm_start_states_s.to_dict(3)
    if results.library is not None:
        library = results.library
        out |= _library_json(library)
        run_detail |= {
            "library_cold_read_s": library.cold_start_s.to_dict(4),
            "library_connect_s": library.connect_s.to_dict(4),
        }
        if library.reference_pacing_s is not None:
            run_detail["reference_pacing_s"] = library.reference_pacing_s.to_dict(3)
    if results.memory is not None:
        out |= _memory_json(results.memory)
        run_detail["rss_mb_per_1000_entities"] = results.memory.mb_per_1000_entities.to_dict(2)
    if results.pushes_by_nodes:
        out |= _pushes_json(results.pushes_by_nodes)
    if results.slow_box is not None:
        out |= _slow_box_json(results.slow_box)
    out["machine"] = machine()
    out["runs"] = run_detail
    return out


# --------------------------------------------------------------------------- table


def _row(name: str, summary: Summary, unit: str, fmt: str, note: str = "") -> str:
    return (
        f"{name:<32} {format(summary.median, fmt):>12} {format(summary.min, fmt):>12} "
        f"{format(summary.max, fmt):>12}  {unit:<9}{note}"
    ).rstrip()


def _value(name: str, value: str, note: str = "") -> str:
    return f"{name:<32} {value:>12}  {note}".rstrip()


def _latency_row(name: str, samples: Distribution, note: str = "") -> str:
    return (
        f"{name:<32} {samples.p50 * MS:>12.3f} {samples.p99 * MS:>12.3f} "
        f"{samples.max * MS:>12.3f}  {'ms':<9}{note}"
    ).rstrip()


def _decode_table(decoded: DecodeResult) -> list[str]:
    capture = decoded.capture
    return [
        f"Decoder: {len(capture.frames)} frames, {len(capture.data)} bytes "
        f"({capture.startup_frames} of the demo home's read, "
        f"{len(capture.frames) - capture.startup_frames} of steady state), "
        f"{len(capture.chunks)} TCP-like reads",
        f"{'':<32} {'median':>12} {'min':>12} {'max':>12}",
        _row("decode_frames_per_s", decoded.frames_per_s, "frames/s", ",.0f", "  FrameDecoder"),
        _row(
            "baseline_decode_frames_per_s",
            decoded.baseline_frames_per_s,
            "frames/s",
            ",.0f",
            f"  hex split, {decoded.baseline_frames_lost} of {len(capture.frames)} frames lost",
        ),
        _row("  whole-frame reads: ours", decoded.whole_frames_per_s, "frames/s", ",.0f"),
        _row(
            "  whole-frame reads: baseline",
            decoded.whole_baseline_frames_per_s,
            "frames/s",
            ",.0f",
            "  (its best case: loses nothing)",
        ),
        f"{'decode speed-up':<32} {decoded.ratio:>11.2f}x  (whole-frame reads "
        f"{decoded.whole_ratio:.2f}x)",
    ]


def _library_table(cold: ColdStartResult) -> list[str]:
    extrapolated = (
        f"extrapolated from the first {cold.reference_requests_measured} requests"
        if cold.reference_pacing_extrapolated
        else "measured on whole reads"
    )
    lines = [
        f"Library cold read ({cold.protocol}): large installation, {cold.nodes} nodes, "
        f"{cold.rooms} rooms, {cold.keys} keys, {cold.latency_s * 1000:g} ms simulated latency",
        f"{'':<32} {'median':>12} {'min':>12} {'max':>12}",
        _row("library_cold_read_s", cold.cold_start_s, "s", ".3f", "  read_installation()"),
    ]
    if cold.reference_pacing_s is not None:
        lines.append(
            _row("reference_pacing_s", cold.reference_pacing_s, "s", ".2f", f"  {extrapolated}")
        )
    lines += [
        _row("library_connect_s", cold.connect_s, "s", ".4f", "  TCP + handshake, not in the read"),
        _value("library_requests_sent", str(cold.requests_sent)),
        _value("library_serial_bound_s", f"{cold.serial_bound_s:.3f}", "requests x latency"),
        _value("cold read / serial bound", f"{cold.vs_serial_bound:.3f}x", "target <= 1.1"),
    ]
    if (speedup := cold.speedup_vs_reference) is not None:
        lines.append(_value("speed-up vs reference pacing", f"{speedup:.2f}x"))
    return lines


def _hass_table(hass: HomeAssistantResult, library: ColdStartResult | None) -> list[str]:
    latency_ms = f"{hass.latency_s * 1000:g} ms"
    host = hass.protocol == Protocol.HOST
    reads = "one status sweep, a query per AC" if host else f"{hass.keys} reads"
    lines = [
        f"Home Assistant {hass.home_assistant} on port {hass.protocol}: "
        f"large_installation({hass.nodes}), {hass.rooms} rooms, {hass.keys} keys, "
        f"{hass.entities} entities",
        f"{'':<32} {'median':>12} {'min':>12} {'max':>12}",
    ]
    if hass.cold_start_s is not None:
        lines += [
            _row(
                "cold_start_s",
                hass.cold_start_s,
                "s",
                ".3f",
                f"  entry setup to every entity present, {latency_ms} latency, no cache",
            ),
            _value("requests_sent", str(hass.requests_sent), "handshake + installation read"),
            _value("serial_bound_s", f"{hass.serial_bound_s:.3f}", "requests x latency"),
            _value("cold start / serial bound", f"{hass.vs_serial_bound:.3f}x", "target <= 1.1"),
        ]
        if library is not None and library.reference_pacing_s is not None:
            speedup = library.reference_pacing_s.median / hass.cold_start_s.median
            lines.append(
                _value("speed-up vs reference pacing", f"{speedup:.2f}x", "reference / cold start")
            )
    lines += [
        _row(
            "warm_start_s",
            hass.warm_start_s,
            "s",
            ".3f",
            f"  topology cached, {latency_ms} latency, {max(hass.warm_start_requests)} "
            "requests; target < 1 s",
        ),
        _row(
            "warm_start_states_s",
            hass.warm_start_states_s,
            "s",
            ".3f",
            f"  until every key's state is re-read ({reads})",
        ),
        "",
        f"Latencies, no simulated latency, {hass.entities} entities listening to every push",
        f"{'':<32} {'p50':>12} {'p99':>12} {'max':>12}",
        _latency_row(
            f"push_latency ({len(hass.push.values)})",
            hass.push,
            "  box writes a push -> HA state written; target p99 < 5 ms",
        ),
        _latency_row(f"  state changes ({len(hass.push_state.values)})", hass.push_state),
        _latency_row(f"  key presses ({len(hass.push_press.values)})", hass.push_press),
        _latency_row(
            f"command_latency ({len(hass.command.values)})",
            hass.command,
            "  action call -> pushed state written in HA",
        ),
        _latency_row(
            "command_to_wire",
            hass.command_to_wire,
            "  action call -> frame read by the box; target p99 < 2 ms",
        ),
    ]
    return lines


def _reconnect_table(hass: HomeAssistantResult) -> list[str]:
    if hass.protocol == Protocol.HOST:
        # One sweep reads every key: the target of port 11501's read per key does not apply.
        note = "until the link is quiet: keep-alive, status sweep, layout check"
    else:
        note = (
            f"until the link is quiet; target <= keys + nodes + 10 = {hass.keys + hass.nodes + 10}"
        )
    return [
        f"Reconnect: the box drops the link ({hass.keys} keys, {hass.nodes} nodes)",
        _value("reconnect_requests", str(max(hass.reconnect_requests)), note),
        _value(
            "  until every state fresh",
            str(max(hass.reconnect_requests_until_fresh)),
            f"after {hass.reconnect_fresh_s.median:.2f} s (median)",
        ),
    ]


def _pushes_table(pushes: tuple[PushResult, ...]) -> list[str]:
    lines = [
        "Push latency by home size (a fresh Home Assistant each)",
        f"{'':<32} {'p50':>12} {'p99':>12} {'max':>12}",
    ]
    for result in pushes:
        name = f"  {result.nodes} nodes, {result.entities} entities"
        lines.append(_latency_row(name, result.push))
    if len(pushes) >= 2:
        ratio = pushes[-1].push.p99 / pushes[0].push.p99
        lines.append(_value("p99 ratio, largest / smallest", f"{ratio:.2f}x", "target <= 1.5"))
    return lines


def _slow_box_table(slow: SlowBoxResult) -> list[str]:
    lines = [
        f"Slow box: large installation, {slow.nodes} nodes, {slow.latency_s * 1000:g} ms latency, "
        f"requests within {slow.gap_s * 1000:g} ms of a reply ignored; default ClientConfig",
    ]
    if slow.cold_start_s is not None:
        lines.append(
            _row("slow_box_cold_start_s", slow.cold_start_s, "s", ".2f", "  connect + read")
        )
        ratio = slow.cold_start_s.median / slow.bound_s
        lines.append(_value("slow box / bound", f"{ratio:.3f}x", "target <= 1.3"))
    lines += [f"  FAILED: {failure}" for failure in slow.failures]
    lines += [
        _value(
            "slow_box_bound_s",
            f"{slow.bound_s:.2f}",
            f"{slow.requests_needed} requests x (latency + gap)",
        ),
        _value(
            "slow_box_reference_pacing_s",
            f"{slow.reference_pacing_s.median:.2f}",
            "250 ms after each reply, extrapolated",
        ),
        _value(
            "requests sent / ignored",
            f"{max(slow.requests_sent)} / {max(slow.requests_ignored)}",
            "per run, the most",
        ),
    ]
    return lines


def _memory_table(result: MemoryResult) -> list[str]:
    def size(s: memory.Size) -> str:
        return (
            f"  {s.nodes} nodes, {s.entities} entities: {s.before_mb.median:.1f} -> "
            f"{s.after_mb.median:.1f} MiB, +{s.added_mb.median:.2f} MiB"
        )

    return [
        "Memory: VmRSS after gc.collect(), a fresh process per size, before and after the "
        "box is added",
        f"{'':<32} {'median':>12} {'min':>12} {'max':>12}",
        _row(
            "rss_mb_per_1000_entities",
            result.mb_per_1000_entities,
            "MiB",
            ".2f",
            "  slope between the two sizes",
        ),
        size(result.small),
        size(result.large),
    ]


def to_table(results: Results) -> str:
    info = machine()
    lines = [
        f"Vitrea benchmarks, port {results.protocol}: {results.runs} run(s) each, Python "
        f"{info['python']} on {info['platform']}, {info['cpu_count']} CPUs. Figures vary with "
        "the machine: compare ratios, not seconds.",
    ]
    if results.decoded is not None:
        lines += ["", *_decode_table(results.decoded)]
    if results.library is not None:
        lines += ["", *_library_table(results.library)]
    if results.hass is not None:
        lines += ["", *_hass_table(results.hass, results.library)]
        lines += ["", *_reconnect_table(results.hass)]
    if results.pushes_by_nodes:
        lines += ["", *_pushes_table(results.pushes_by_nodes)]
    if results.slow_box is not None:
        lines += ["", *_slow_box_table(results.slow_box)]
    if results.memory is not None:
        lines += ["", *_memory_table(results.memory)]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if min(args.runs, args.reference_requests, args.pushes, args.commands, args.slow_box_runs) < 1:
        parser.error(
            "--runs, --reference-requests, --pushes, --commands and --slow-box-runs must be "
            "at least 1"
        )
    log_our_errors()

    def progress(what: str) -> None:
        if not args.json:
            print(f"measuring {what} ...", file=sys.stderr)

    host = args.protocol is Protocol.HOST
    decoded: DecodeResult | None = None
    if not host:  # the decoders compared are port 11501's
        progress("the decoders")
        decoded = run_decode(args.runs)
    # Home Assistant first: if it cannot start, that shows within seconds.
    hass: HomeAssistantResult | None = None
    mem: MemoryResult | None = None
    if not args.skip_home_assistant:
        progress("Home Assistant: starts, pushes and commands (a minute or two)")
        hass = measure_home_assistant(
            args.runs,
            nodes=args.nodes,
            latency=args.latency,
            cold=not args.skip_cold_start,
            pushes=args.pushes,
            commands=args.commands,
            log_file=args.ha_log,
            protocol=args.protocol,
        )
        # Two sizes: the installation and a quarter of it.
        if memory.available() and args.nodes >= 2 and not args.skip_memory:
            progress("Home Assistant's memory per entity (a fresh process per size)")
            mem = run_memory(
                args.runs, small=args.nodes // 4 or 1, large=args.nodes, protocol=args.protocol
            )
    library: ColdStartResult | None = None
    if not args.skip_cold_start:
        progress("the library's cold read (a minute or two)")
        library = asyncio.run(
            without_leaks(
                run_cold_start(
                    args.runs,
                    nodes=args.nodes,
                    latency=args.latency,
                    full=args.full,
                    reference_requests=args.reference_requests,
                    protocol=args.protocol,
                )
            )
        )
    pushes: list[PushResult] = []
    if not (args.skip_home_assistant or args.skip_push_by_nodes):
        for nodes in args.push_nodes:
            progress(f"push latency with {nodes} nodes (a fresh Home Assistant)")
            pushes.append(measure_push_latency(nodes, args.pushes, args.ha_log, args.protocol))
    slow: SlowBoxResult | None = None
    if not (args.skip_slow_box or host):  # it measures port 11501's handshake and pacing
        progress("the cold start against a slow box (minutes)")
        slow = asyncio.run(
            without_leaks(
                run_slow_box(
                    args.slow_box_runs,
                    nodes=args.nodes,
                    latency=args.latency,
                    gap=args.slow_box_gap_ms / 1000,
                    reference_requests=args.reference_requests,
                )
            )
        )
    results = Results(args.runs, decoded, library, hass, mem, tuple(pushes), slow, args.protocol)
    if args.json:
        print(json.dumps(to_json(results), ensure_ascii=False))
    else:
        print(to_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
