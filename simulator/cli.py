"""The simulator's command line: ``python -m simulator --port P [--installation ...] ...``.

It builds a :class:`VBoxSimulator` from the options (and, with ``--host-api-port``,
a :class:`HostSimulator` serving port 11502's protocol on the same home), serves
them until Ctrl-C or SIGTERM and, with ``--control`` or ``--control-socket``, runs
its console.
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

from custom_components.vitrea.vbox import InstallationFormatError, MessageError, ProtocolVersion

from .console import (
    DEFAULT_LATE_MS,
    SPOILS,
    attach,
    remove_socket,
    serve_console,
    stdin_console,
)
from .console_args import MS
from .faults import ReplyFault
from .homes import host_extras, load_installation
from .host_console import HOST_SPOILS
from .host_server import DEFAULT_IDLE_TIMEOUT, DEFAULT_VERSION, HostSimulator
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
    _host_arguments(parser)
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


def _host_arguments(parser: argparse.ArgumentParser) -> None:
    host = parser.add_argument_group(
        "port 11502 (the integration protocol: text lines and the VTH database)"
    )
    host.add_argument(
        "--host-api-port",
        type=int,
        metavar="P",
        help="also serve port 11502's protocol on port P (0: any; not served when absent)",
    )
    host.add_argument(
        "--host-version",
        default=DEFAULT_VERSION,
        metavar="DIGITS",
        help="what G:V:S answers (default 866: 8.66)",
    )
    host.add_argument(
        "--host-idle-timeout",
        type=float,
        default=DEFAULT_IDLE_TIMEOUT,
        metavar="S",
        help="drop a client silent for longer (default 30; 0: never)",
    )
    for name, what in (
        ("latency", "delay before every answer"),
        ("min-gap", "ignore a line arriving sooner than this after the previous answer"),
        ("push-delay", "delay between a command's OK and its status line"),
    ):
        host.add_argument(f"--host-{name}-ms", type=float, default=0.0, metavar="MS", help=what)
    host.add_argument(
        "--host-malformed-every", type=int, metavar="N", help="spoil every Nth answer"
    )
    host.add_argument(
        "--host-malformed-kind",
        choices=HOST_SPOILS,
        default=ReplyFault.SHORT.value,
        help="a status line is always cut; a VTH reply is cut (short), gets a bad length "
        "field or a bad checksum",
    )
    host.add_argument("--host-late-every", type=int, metavar="N", help="answer every Nth late")
    host.add_argument(
        "--host-late-ms", type=float, default=DEFAULT_LATE_MS, metavar="MS", help="how late"
    )
    host.add_argument("--host-omit-ok", action="store_true", help="no OK after a command")
    host.add_argument("--host-echo", action="store_true", help="echo every H: line back")
    host.add_argument(
        "--host-duplicate-status", action="store_true", help="send every status line twice"
    )
    host.add_argument(
        "--host-bad-record",
        action="append",
        default=[],
        metavar="CMD:ID[:ID]",
        help="a VTH record with a bad name length, e.g. 6:8:2 (keypad 8, key digit 2)",
    )
    host.add_argument("--host-stalled", action="store_true", help="start without answering")
    host.add_argument("--host-refuse", action="store_true", help="refuse every connection")
    host.add_argument(
        "--host-drop-every",
        type=float,
        default=0.0,
        metavar="S",
        help="drop every client every S seconds (0: never)",
    )


def _fail(message: str) -> NoReturn:
    print(f"vbox simulator: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _check_ranges(args: argparse.Namespace, prefix: str) -> None:
    """Exit with code 2 on a negative delay or a fault every < 1 reply (options ``prefix``...)."""
    for name in ("latency_ms", "min_gap_ms", "push_delay_ms", "late_ms"):
        if getattr(args, prefix + name) < 0:
            _fail(f"--{(prefix + name).replace('_', '-')} cannot be negative")
    for name in ("malformed_every", "late_every"):
        value = getattr(args, prefix + name)
        if value is not None and value < 1:
            _fail(f"--{(prefix + name).replace('_', '-')} must be at least 1")


def _simulator(args: argparse.Namespace) -> VBoxSimulator:
    """The simulator the arguments describe; exits with code 2 on a bad one."""
    _check_ranges(args, "")
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


def _host(args: argparse.Namespace, box: VBoxSimulator) -> HostSimulator | None:
    """Port 11502 as the arguments describe it, or None; exits with code 2 on a bad one."""
    if args.host_api_port is None:
        return None
    _check_ranges(args, "host_")
    try:
        records = [tuple(int(part) for part in spec.split(":")) for spec in args.host_bad_record]
        ac_states, scenes = host_extras(args.installation, box.installation)
        host = HostSimulator(
            box,
            version=args.host_version,
            ac_states=ac_states,
            scenes=scenes,
            idle_timeout=args.host_idle_timeout,
            latency=args.host_latency_ms / MS,
            min_gap=args.host_min_gap_ms / MS,
            push_delay=args.host_push_delay_ms / MS,
        )
    except (ValueError, MessageError) as err:
        _fail(f"port 11502: {err}")
    for record in records:
        if len(record) < 2:
            _fail(f"--host-bad-record {':'.join(map(str, record))}: expected CMD:ID[:ID]")
        host.bad_vth_record(*record)
    if args.host_malformed_every:
        kind = ReplyFault(args.host_malformed_kind)
        host.malform_replies(kind, None, every=args.host_malformed_every)
    if args.host_late_every:
        if not args.host_late_ms:
            _fail("--host-late-ms must be above 0")
        host.delay_replies(args.host_late_ms / MS, None, every=args.host_late_every)
    host.omit_ok, host.echo = args.host_omit_ok, args.host_echo
    host.duplicate_status = args.host_duplicate_status
    host.stalled, host.refuse_connections = args.host_stalled, args.host_refuse
    if args.host_drop_every < 0:
        _fail("--host-drop-every cannot be negative")
    host.drop_every = args.host_drop_every  # from start()
    return host


async def main(argv: list[str] | None = None) -> None:
    """Run the simulator until SIGINT/SIGTERM (or cancellation). Errors exit with code 2."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.attach is not None:
        raise SystemExit(await attach(args.attach))
    simulator = _simulator(args)
    host = _host(args, simulator)
    try:
        port = await simulator.start(args.host, args.port)
    except OSError as err:
        _fail(f"cannot listen on {args.host}:{args.port}: {err.strerror or err}")
    if host is not None:
        try:
            await host.start(args.host, args.host_api_port)
        except OSError as err:
            await simulator.stop()
            _fail(f"cannot listen on {args.host}:{args.host_api_port}: {err.strerror or err}")
    await _serve(simulator, args, port, host)


async def _serve(
    simulator: VBoxSimulator, args: argparse.Namespace, port: int, host: HostSimulator | None
) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    path: Path | None = args.control_socket
    console: asyncio.Server | None = None
    control: asyncio.Task[None] | None = None
    signals: list[signal.Signals] = []
    try:
        if path is not None:
            try:
                console = await serve_console(simulator, path, host)
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
        if host is not None:
            print(
                f"port 11502 protocol listening on {args.host}:{host.port} "
                f"({len(installation.air_conditioners)} ACs, "
                f"{len(installation.scenarios)} scenarios, version {host.version}, no password)",
                flush=True,
            )
        if args.control:
            control = loop.create_task(stdin_console(simulator, stop, host))
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
        if host is not None:
            await host.stop()
        await simulator.stop()
    print("vBox simulator stopped", flush=True)


def run() -> None:
    """The command line's entry point."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
