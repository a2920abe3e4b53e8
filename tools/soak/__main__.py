"""``python -m tools.soak``: run the soak and print one JSON object; exit 1 on any failure."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
from pathlib import Path

from tools.harness import add_protocol_option
from tools.soak.faults import FAULTS, Fault
from tools.soak.report import Report
from tools.soak.run import Settings, soak


def _minutes(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be a positive number of minutes")
    return value


def _faults(text: str) -> tuple[Fault, ...]:
    try:
        return tuple(Fault(name.strip()) for name in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated list of: {', '.join(Fault)}"
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/soak",
        description=(
            "Run Home Assistant with the Vitrea integration against the vBox simulator under "
            "random wall changes, service calls and injected faults; check every state after "
            "each recovery. Progress goes to stderr, one JSON object to stdout. Exit code 1 "
            "when a command was lost, late or repeated, a state mismatched, a recovery failed "
            "or a task leaked."
        ),
    )
    parser.add_argument(
        "--minutes", type=_minutes, default=1.0, help="how long to run (default: 1)"
    )
    parser.add_argument(
        "--seed", type=int, help="seed of the random choices (default: a random one, printed)"
    )
    parser.add_argument(
        "--installation",
        default="demo",
        metavar="demo|large:N|FILE.json",
        help="what the simulated box serves (default: demo)",
    )
    add_protocol_option(parser, "the faults are those that port has")
    parser.add_argument(
        "--ha-log",
        type=Path,
        metavar="FILE",
        help="keep Home Assistant's log in FILE (default: a temporary folder, removed)",
    )
    parser.add_argument(
        "--faults",
        type=_faults,
        metavar="KIND,...",
        help=f"only these faults (default: all of the protocol's, of {', '.join(Fault)})",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="a progress line for every command, wall action and link change",
    )
    return parser


async def _interruptible(settings: Settings) -> Report:
    """The soak, which SIGTERM (a CI timeout) stops like Ctrl-C: cleaned up, with its JSON."""
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await soak(settings)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    possible = FAULTS[args.protocol]
    faults = args.faults or possible
    if unfit := [fault for fault in faults if fault not in possible]:
        _parser().error(f"port {args.protocol} has no fault {', '.join(unfit)}")
    settings = Settings(
        args.minutes,
        seed,
        args.installation,
        faults,
        args.protocol,
        args.ha_log,
        args.verbose,
    )
    print(
        f"soak: {args.minutes:g} min, seed {seed}, {args.installation}, {args.protocol}",
        file=sys.stderr,
    )
    report = asyncio.run(_interruptible(settings))
    print(json.dumps(report.to_json(), ensure_ascii=False))
    if report.error:
        return 2
    return 1 if report.failures() else 0


if __name__ == "__main__":
    sys.exit(main())
