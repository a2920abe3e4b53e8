"""The simulator's control console: commands that press keys and set faults, on stdin or a socket.

``--control`` reads console commands from stdin; ``--control-socket PATH`` also
serves them on a Unix socket, which ``--attach PATH`` connects a terminal to (so a
person can press keys on the box that ``scripts/develop`` runs).
"""

from __future__ import annotations

import asyncio
import errno
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Final

from custom_components.vitrea.vbox import KeyPowerStatus

from .console_args import count, milliseconds, port_knobs
from .faults import ReplyFault
from .host_console import HOST_HELP, run_host_command
from .host_server import HostSimulator
from .server import VBoxSimulator
from .state import PressKind

DEFAULT_LATE_MS: Final = 3000.0  # beyond the client's default 2 s request timeout
SPOILS: Final = (ReplyFault.SHORT.value, ReplyFault.LENGTH.value, ReplyFault.CHECKSUM.value)

CONTROL_HELP: Final = """commands:
  press NODE KEY short|long|release   a press on a wall key (pushes S/L/R)
  on NODE KEY [LEVEL] | off NODE KEY  change a key as if from the wall (pushes its state)
  state NODE KEY                      show a key's state
  drop | stall | unstall | garbage    faults: drop clients, stop/resume answering, send junk
  latency MS | gap MS | push-delay MS answer after MS; ignore requests within MS of a reply;
                                      push a command's state MS after its ACK (0: off)
  refused-login close|keep            after a refused login, close the connection or not
  malform short|length|checksum [COUNT]  spoil the next COUNT replies (default 1)
  late MS [COUNT]                     answer the next COUNT replies MS late
  clear                               no more spoiled or late replies
  knobs                               show the fault knobs
  quit                                stop the simulator (an attached console detaches)"""


def knobs(simulator: VBoxSimulator) -> dict[str, object]:
    """The run-time knobs, in the units of the console."""
    return {
        **port_knobs(simulator),
        "close_after_refused_login": simulator.close_after_refused_login,
        "ignored_requests": simulator.ignored,
    }


def _set_knob(simulator: VBoxSimulator, verb: str, args: list[str]) -> bool:
    """The knob commands; False when ``verb args`` is none of them."""
    if verb in ("latency", "gap", "push-delay") and len(args) == 1:
        seconds = milliseconds(args[0])
        if verb == "latency":
            simulator.latency = seconds
        elif verb == "gap":
            simulator.min_gap = seconds
        else:
            simulator.push_delay = seconds
    elif verb == "refused-login" and args in (["close"], ["keep"]):
        simulator.close_after_refused_login = args[0] == "close"
    elif verb == "malform" and 1 <= len(args) <= 2 and args[0] in SPOILS:
        simulator.malform_replies(ReplyFault(args[0]), count(args, 1))
    elif verb == "late" and 1 <= len(args) <= 2:
        delay = milliseconds(args[0])
        if not delay:
            raise ValueError("a late reply needs a delay above 0 ms")
        simulator.delay_replies(delay, count(args, 1))
    elif verb == "clear" and not args:
        simulator.clear_reply_faults()
    else:
        return False
    return True


async def run_command(
    simulator: VBoxSimulator, line: str, host: HostSimulator | None = None
) -> str | None:
    """Carry out one control command; return what to print, None for ``quit``.

    ``host``: the box's port 11502, whose commands (host_console) then apply too.
    """
    words = line.split()
    if not words:
        return ""
    verb, args = words[0].lower(), words[1:]
    try:
        if host is not None and (answer := await run_host_command(host, verb, args)) is not None:
            return answer
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
            return CONTROL_HELP if host is None else f"{CONTROL_HELP}\n{HOST_HELP}"
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


async def stdin_console(
    simulator: VBoxSimulator, stop: asyncio.Event, host: HostSimulator | None = None
) -> None:
    """Read control commands from stdin until ``quit`` or end of input, then stop."""
    try:
        async for line in _stdin_lines():
            answer = await run_command(simulator, line, host)
            if answer is None:
                break
            if answer:
                print(answer, flush=True)
    finally:
        stop.set()


async def serve_console(
    simulator: VBoxSimulator, path: Path, host: HostSimulator | None = None
) -> asyncio.Server:
    """Serve the console on a Unix socket at ``path``; ``quit`` there only detaches.

    A stale socket file (a simulator that was killed) is replaced; a live one is not.
    """
    if _is_socket(path):
        try:
            _, writer = await asyncio.open_unix_connection(path)
        except OSError:
            remove_socket(path)  # nobody listens: left by a simulator that was killed
        else:
            writer.close()
            raise OSError(errno.EADDRINUSE, "another simulator serves its console there")

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(b"attached to the vBox simulator: type 'help', 'quit' to detach\n")
            while line := await reader.readline():
                answer = await run_command(simulator, line.decode(errors="replace"), host)
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


def remove_socket(path: Path) -> None:
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
