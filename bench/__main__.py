"""``python -m bench``: run the library benchmarks and print a table or one JSON object."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import sys
from typing import Any

from .cold_start import ColdStartResult, leftover_tasks, run_cold_start
from .decode import DecodeResult, run_decode
from .stats import Summary


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description=(
            "Library benchmarks against the vBox simulator on loopback: decoder throughput "
            "versus the public client's hex-split framing, and the cold read of a large "
            "installation versus the serial bound and the reference 250 ms pacing."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print exactly one JSON object")
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
        "--skip-cold-start", action="store_true", help="measure the decoders only (seconds)"
    )
    return parser


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
    }


async def _cold(args: argparse.Namespace) -> ColdStartResult:
    try:
        return await run_cold_start(
            args.runs,
            nodes=args.nodes,
            latency=args.latency,
            full=args.full,
            reference_requests=args.reference_requests,
        )
    finally:
        leaks = leftover_tasks()
        if leaks:
            raise RuntimeError(f"tasks left running: {[t.get_name() for t in leaks]}")


def to_json(decoded: DecodeResult, cold: ColdStartResult | None, runs: int) -> dict[str, Any]:
    capture = decoded.capture
    out: dict[str, Any] = {
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
    run_detail: dict[str, Any] = {
        "count": runs,
        "decode_frames_per_s": decoded.frames_per_s.to_dict(0),
        "baseline_decode_frames_per_s": decoded.baseline_frames_per_s.to_dict(0),
        "decode_whole_frames_per_s": decoded.whole_frames_per_s.to_dict(0),
        "baseline_decode_whole_frames_per_s": decoded.whole_baseline_frames_per_s.to_dict(0),
    }
    if cold is not None:
        out |= {
            "cold_start_s": round(cold.cold_start_s.median, 3),
            "requests_sent": cold.requests_sent,
            "serial_bound_s": round(cold.serial_bound_s, 3),
            "cold_start_vs_serial_bound": round(cold.vs_serial_bound, 3),
            "reference_pacing_s": round(cold.reference_pacing_s.median, 3),
            "reference_pacing_extrapolated": cold.reference_pacing_extrapolated,
            "reference_pacing_requests_measured": cold.reference_requests_measured,
            "speedup_vs_reference": round(cold.speedup_vs_reference, 2),
            "connect_s": round(cold.connect_s.median, 4),
            "installation": {
                "nodes": cold.nodes,
                "rooms": cold.rooms,
                "keys": cold.keys,
                "latency_s": cold.latency_s,
            },
        }
        run_detail |= {
            "cold_start_s": cold.cold_start_s.to_dict(4),
            "reference_pacing_s": cold.reference_pacing_s.to_dict(3),
            "connect_s": cold.connect_s.to_dict(4),
        }
    out["machine"] = machine()
    out["runs"] = run_detail
    return out


def _row(name: str, summary: Summary, unit: str, fmt: str, note: str = "") -> str:
    return (
        f"{name:<32} {format(summary.median, fmt):>12} {format(summary.min, fmt):>12} "
        f"{format(summary.max, fmt):>12}  {unit:<9}{note}"
    )


def to_table(decoded: DecodeResult, cold: ColdStartResult | None, runs: int) -> str:
    capture = decoded.capture
    info = machine()
    lines = [
        f"Vitrea benchmarks: {runs} run(s) each, Python {info['python']} on {info['platform']}, "
        f"{info['cpu_count']} CPUs. Figures vary with the machine: compare ratios, not seconds.",
        "",
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
    if cold is not None:
        extrapolated = (
            f"extrapolated from the first {cold.reference_requests_measured} requests"
            if cold.reference_pacing_extrapolated
            else "measured on whole reads"
        )
        lines += [
            "",
            f"Cold read: large installation, {cold.nodes} nodes, {cold.rooms} rooms, "
            f"{cold.keys} keys, {cold.latency_s * 1000:g} ms simulated latency",
            f"{'':<32} {'median':>12} {'min':>12} {'max':>12}",
            _row("cold_start_s", cold.cold_start_s, "s", ".3f", "  read_installation()"),
            _row("reference_pacing_s", cold.reference_pacing_s, "s", ".2f", f"  {extrapolated}"),
            _row("connect_s", cold.connect_s, "s", ".4f", "  TCP + handshake, not in the read"),
            f"{'requests_sent':<32} {cold.requests_sent:>12}",
            f"{'serial_bound_s':<32} {cold.serial_bound_s:>12.3f}  requests x latency",
            f"{'cold start / serial bound':<32} {cold.vs_serial_bound:>11.3f}x  target <= 1.1",
            f"{'speed-up vs reference pacing':<32} {cold.speedup_vs_reference:>11.2f}x",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.runs < 1 or args.reference_requests < 1:
        _parser().error("--runs and --reference-requests must be at least 1")
    logging.basicConfig(level=logging.ERROR)
    if not args.json:
        print("measuring the decoders ...", file=sys.stderr)
    decoded = run_decode(args.runs)
    cold: ColdStartResult | None = None
    if not args.skip_cold_start:
        if not args.json:
            print("measuring the cold read (about a minute or two) ...", file=sys.stderr)
        cold = asyncio.run(_cold(args))
    if args.json:
        print(json.dumps(to_json(decoded, cold, args.runs), ensure_ascii=False))
    else:
        print(to_table(decoded, cold, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
