"""The simulator's command line: ``python -m simulator --port P [--installation ...] ...``.

It builds a :class:`VBoxSimulator` from the options, serves it until Ctrl-C or
SIGTERM and, with ``--control`` or ``--control-socket``, runs its console.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import NoReturn

from custom_components.vitrea.vbox import InstallationFormatError, ProtocolVersion

from .console import (
    DEFAULT_LATE_MS,
    MS,
    SPOILS,
    attach,
    remove_socket,
    serve_console,
    stdin_console,
)
from .faults import ReplyFault
from .homes import load_installation
from .server import DEFAULT_PORT, BusyMode, VBoxSimulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Run a fake Vitrea vBox (VTU protocol) on a TCP port.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port (0: any)")
    parser.add_argument(
        "--installation",
        default="demo",
        metavar="demo|large:N|FILE.json",
        help="what the box serves (default: demo); FILE may be a diagnostics download",
    )
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay before every answer")
    parser.add_argument(
        "--min-gap-ms",
        type=float,
        default=0.0,
        help="ignore a request arriving sooner than this after the previous reply",
    )
    parser.add_argument(
        "--push-delay-ms",
        type=float,
        default=0.0,
        help="delay between a command's ACK and its state push (a real box: about 100)",
    )
    parser.add_argument(
        "--refused-login",
        choices=("close", "keep"),
        default="close",
        help="after a refused login, close the connection (like a box) or keep answering",
    )
    parser.add_argument(
        "--malformed-every", type=int, metavar="N", help="spoil every Nth reply (see below)"
    )
    parser.add_argument(
        "--malformed-kind",
        choices=SPOILS,
        default=ReplyFault.SHORT.value,
        help="short: a payload too short to decode, valid checksum; length: a corrupted "
        "length field",
    )
    parser.add_argument("--late-every", type=int, metavar="N", help="answer every Nth reply late")
    parser.add_argument(
        "--late-ms", type=float, default=DEFAULT_LATE_MS, help="how late (default: 3000)"
    )
    parser.add_argument("--layout", choices=("v1", "v2"), help="NodeMetaData/KeyParameters layout")
    parser.add_argument(
        "--busy-mode",
        choices=[mode.value for mode in BusyMode],
        default=BusyMode.IN_USE.value,
        help="what a second client gets",
    )
    parser.add_argument(
        "--control",
        action="store_true",
        help="read commands from stdin: key presses, state changes, faults ('help' lists them)",
    )
    parser.add_argument(
        "--control-socket",
        type=Path,
        metavar="PATH",
        help="also serve the control console on this Unix socket (see --attach)",
    )
    parser.add_argument(
        "--attach",
        type=Path,
        metavar="PATH",
        help="serve no box: connect this terminal to the console of the simulator "
        "started with --control-socket PATH",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        type=str.upper,
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
    )
    return parser


def _fail(message: str) -> NoReturn:
    print(f"vbox simulator: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _simulator(args: argparse.Namespace) -> VBoxSimulator:
    """The simulator the arguments describe; exits with code 2 on a bad one."""
    for name in ("latency_ms", "min_gap_ms", "push_delay_ms", "late_ms"):
        if getattr(args, name) < 0:
            _fail(f"--{name.replace('_', '-')} cannot be negative")
    for name in ("malformed_every", "late_every"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            _fail(f"--{name.replace('_', '-')} must be at least 1")
    try:
        installation, states = load_installation(args.installation)
        layout = ProtocolVersion(int(args.layout[1])) if args.layout else None
        simulator = VBoxSimulator(
            installation,
            username=args.username,
            password=args.password,
            layout=layout,
            latency=args.latency_ms / MS,
            busy_mode=BusyMode(args.busy_mode),
            states=states,
            min_gap=args.min_gap_ms / MS,
            push_delay=args.push_delay_ms / MS,
            close_after_refused_login=args.refused_login == "close",
        )
    except (InstallationFormatError, ValueError) as err:
        _fail(f"cannot load installation {args.installation!r}: {err}")
    if args.malformed_every:
        kind = ReplyFault(args.malformed_kind)
        simulator.malform_replies(kind, None, every=args.malformed_every)
    if args.late_every:
        if not args.late_ms:
            _fail("--late-ms must be above 0")
        simulator.delay_replies(args.late_ms / MS, None, every=args.late_every)
    return simulator


async def main(argv: list[str] | None = None) -> None:
    """Run the simulator until SIGINT/SIGTERM (or cancellation). Errors exit with code 2."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.attach is not None:
        raise SystemExit(await attach(args.attach))
    simulator = _simulator(args)
    try:
        port = await simulator.start(args.host, args.port)
    except OSError as err:
        _fail(f"cannot listen on {args.host}:{args.port}: {err.strerror or err}")
    await _serve(simulator, args, port)


async def _serve(simulator: VBoxSimulator, args: argparse.Namespace, port: int) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    path: Path | None = args.control_socket
    console: asyncio.Server | None = None
    control: asyncio.Task[None] | None = None
    signals: list[signal.Signals] = []
    try:
        if path is not None:
            try:
                console = await serve_console(simulator, path)
            except OSError as err:
                _fail(f"cannot serve the console at {path}: {err.strerror or err}")
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
                signals.append(sig)
        installation = simulator.installation
        print(
            f"vBox simulator listening on {args.host}:{port} "
            f"({len(installation.rooms)} rooms, {len(installation.nodes)} nodes, "
            f"{len(installation.active_keys())} keys, layout {simulator.layout.name}, "
            f"user {args.username!r}); Ctrl-C to stop",
            flush=True,
        )
        if args.control:
            control = loop.create_task(stdin_console(simulator, stop))
        await stop.wait()
    finally:
        if control is not None:
            control.cancel()
            await asyncio.gather(control, return_exceptions=True)
        for sig in signals:
            loop.remove_signal_handler(sig)
        if console is not None and path is not None:
            console.close()
            console.close_clients()
            await console.wait_closed()
            remove_socket(path)
        await simulator.stop()
    print("vBox simulator stopped", flush=True)


def run() -> None:
    """The command line's entry point."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
