"""The simulator's command line and its control console (on stdin, or on a local socket).

``python -m custom_components.vitrea.vbox.simulator`` serves a box; with
``--control`` it reads console commands from stdin, with ``--control-socket PATH``
it also serves the console on a Unix socket, which ``--attach PATH`` connects a
terminal to (so a person can press keys on the box that ``scripts/develop`` runs).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import json
import logging
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Final, NoReturn

from .enums import KeyPowerStatus, ProtocolVersion
from .installation import InstallationFormatError
from .simulator import DEFAULT_PORT, BusyMode, PressKind, VBoxSimulator, load_installation
from .simulator_faults import ReplyFault

MS: Final = 1000.0
DEFAULT_LATE_MS: Final = 3000.0  # beyond the client's default 2 s request timeout
_SPOILS: Final = (ReplyFault.SHORT.value, ReplyFault.LENGTH.value)

CONTROL_HELP: Final = """commands:
  press NODE KEY short|long|release   a press on a wall key (pushes S/L/R)
  on NODE KEY [LEVEL] | off NODE KEY  change a key as if from the wall (pushes its state)
  state NODE KEY                      show a key's state
  drop | stall | unstall | garbage    faults: drop clients, stop/resume answering, send junk
  latency MS | gap MS | push-delay MS answer after MS; ignore requests within MS of a reply;
                                      push a command's state MS after its ACK (0: off)
  refused-login close|keep            after a refused login, close the connection or not
  malform short|length [COUNT]        spoil the next COUNT replies (default 1)
  late MS [COUNT]                     answer the next COUNT replies MS late
  clear                               no more spoiled or late replies
  knobs                               show the fault knobs
  quit                                stop the simulator (an attached console detaches)"""


def knobs(simulator: VBoxSimulator) -> dict[str, object]:
    """The run-time knobs, in the units of the console."""
    return {
        "latency_ms": simulator.latency * MS,
        "min_gap_ms": simulator.min_gap * MS,
        "push_delay_ms": simulator.push_delay * MS,
        "close_after_refused_login": simulator.close_after_refused_login,
        "reply_faults": bool(simulator.reply_faults),
        "stalled": simulator.stalled,
        "ignored_requests": simulator.ignored,
    }


def _milliseconds(text: str) -> float:
    value = float(text)
    if not 0 <= value < 3_600_000:
        raise ValueError(f"{text} ms is not between 0 and an hour")
    return value / MS


def _count(args: list[str], index: int) -> int:
    if len(args) <= index:
        return 1
    count = int(args[index])
    if count < 1:
        raise ValueError(f"count {count}: must be at least 1")
    return count


def _set_knob(simulator: VBoxSimulator, verb: str, args: list[str]) -> bool:
    """The knob commands; False when ``verb args`` is none of them."""
    if verb in ("latency", "gap", "push-delay") and len(args) == 1:
        seconds = _milliseconds(args[0])
        if verb == "latency":
            simulator.latency = seconds
        elif verb == "gap":
            simulator.min_gap = seconds
        else:
            simulator.push_delay = seconds
    elif verb == "refused-login" and args in (["close"], ["keep"]):
        simulator.close_after_refused_login = args[0] == "close"
    elif verb == "malform" and 1 <= len(args) <= 2 and args[0] in _SPOILS:
        simulator.malform_replies(ReplyFault(args[0]), _count(args, 1))
    elif verb == "late" and 1 <= len(args) <= 2:
        delay = _milliseconds(args[0])
        if not delay:
            raise ValueError("a late reply needs a delay above 0 ms")
        simulator.delay_replies(delay, _count(args, 1))
    elif verb == "clear" and not args:
        simulator.clear_reply_faults()
    else:
        return False
    return True


async def run_command(simulator: VBoxSimulator, line: str) -> str | None:
    """Carry out one control command; return what to print, None for ``quit``."""
    words = line.split()
    if not words:
        return ""
    verb, args = words[0].lower(), words[1:]
    try:
        numbers = [int(a) for a in args[:3] if a.isdigit()]
        if verb == "press" and len(args) == 3 and len(numbers) == 2:
            await simulator.press_key(numbers[0], numbers[1], PressKind(args[2].lower()))
        elif verb in ("on", "off") and len(numbers) == len(args) and 2 <= len(args) <= 3:
            status = KeyPowerStatus.ON if verb == "on" else KeyPowerStatus.OFF
            level = numbers[2] if len(numbers) == 3 else None
            await simulator.set_key_state(numbers[0], numbers[1], status, level)
        elif verb == "state" and len(numbers) == len(args) == 2:
            return json.dumps(simulator.key_state(numbers[0], numbers[1]).to_dict())
        elif verb == "knobs" and not args:
            return json.dumps(knobs(simulator))
        elif verb == "drop" and not args:
            await simulator.drop_connections()
        elif verb in ("stall", "unstall") and not args:
            simulator.stalled = verb == "stall"
        elif verb == "garbage" and not args:
            await simulator.send_raw(b"\x00garbage\xff")
        elif verb == "quit" and not args:
            return None
        elif not _set_knob(simulator, verb, args):
            return CONTROL_HELP
    except (KeyError, ValueError) as err:
        return f"error: {err}"
    return "ok"


# ---------------------------------------------------------------------- consoles


async def _stdin_lines() -> AsyncIterator[str]:
    """Lines typed on stdin, without blocking the loop, until end of input."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
    )
    try:
        while line := await reader.readline():
            yield line.decode(errors="replace")
    finally:
        transport.close()


async def _stdin_console(simulator: VBoxSimulator, stop: asyncio.Event) -> None:
    """Read control commands from stdin until ``quit`` or end of input, then stop."""
    try:
        async for line in _stdin_lines():
            answer = await run_command(simulator, line)
            if answer is None:
                break
            if answer:
                print(answer, flush=True)
    finally:
        stop.set()


async def serve_console(simulator: VBoxSimulator, path: Path) -> asyncio.Server:
    """Serve the console on a Unix socket at ``path``; ``quit`` there only detaches.

    A stale socket file (a simulator that was killed) is replaced; a live one is not.
    """
    if _is_socket(path):
        try:
            _, writer = await asyncio.open_unix_connection(path)
        except OSError:
            _remove(path)  # nobody listens: left by a simulator that was killed
        else:
            writer.close()
            raise OSError(errno.EADDRINUSE, "another simulator serves its console there")

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(b"attached to the vBox simulator: type 'help', 'quit' to detach\n")
            while line := await reader.readline():
                answer = await run_command(simulator, line.decode(errors="replace"))
                writer.write(b"detached\n" if answer is None else answer.encode() + b"\n")
                if answer is None:
                    break
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    return await asyncio.start_unix_server(session, path)


def _is_socket(path: Path) -> bool:
    return path.is_socket()


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


async def attach(path: Path) -> int:
    """Relay stdin to the console at ``path`` and its answers to stdout; the exit code."""
    try:
        reader, writer = await asyncio.open_unix_connection(path)
    except OSError as err:
        print(
            f"vbox simulator: no console at {path} ({err.strerror or err}); is the simulator "
            "(scripts/develop) running?",
            file=sys.stderr,
        )
        return 2

    detached = False

    async def commands() -> None:
        nonlocal detached
        async for line in _stdin_lines():
            writer.write(line.encode())
            await writer.drain()
        detached = True
        writer.write(b"quit\n")  # end of input: detach, once the answers so far are in
        await writer.drain()

    sender = asyncio.get_running_loop().create_task(commands())
    try:
        # Until the console closes: after a quit, or when the simulator stops.
        while line := await reader.readline():
            print(line.decode(errors="replace"), end="", flush=True)
            detached = detached or line.strip() == b"detached"
    except ConnectionError:
        pass
    finally:
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)
        writer.close()
    if not detached:
        print("vbox simulator: the console closed: the simulator stopped", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.vitrea.vbox.simulator",
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
        choices=_SPOILS,
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
            control = loop.create_task(_stdin_console(simulator, stop))
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
            _remove(path)
        await simulator.stop()
    print("vBox simulator stopped", flush=True)


def run() -> None:
    """The command line's entry point."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
