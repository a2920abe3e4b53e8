"""Command line: decode frames, read an installation, watch pushes, control a key.

Run from the repository root::

    python -m custom_components.vitrea.vbox decode 56 54 55 3C 00 00 03 00 00 3E
    python -m custom_components.vitrea.vbox --host H --username U --password W dump
    python -m custom_components.vitrea.vbox --host H ... watch --seconds 60
    python -m custom_components.vitrea.vbox --host H ... set 3 1 on --level 60
    python -m custom_components.vitrea.vbox --host H ... status 3 1
    python -m custom_components.vitrea.vbox --protocol host --host H dump

``--protocol host`` talks to the integration port (11502 unless ``--port`` says
otherwise), which needs no credentials and also reports air conditioners.

Output is JSON (one object per line for ``decode`` and ``watch``). The password may
also come from the VITREA_PASSWORD environment variable, which keeps it out of the
shell history. Errors print one line on stderr and exit non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from enum import Enum
from typing import Any

from . import (
    DEFAULT_HOST_PORT,
    DEFAULT_PORT,
    ACState,
    BoxClient,
    ConnectionState,
    HostClient,
    KeyPowerStatus,
    KeyStatus,
    MessageError,
    Protocol,
    VBoxClient,
    VBoxError,
)
from .vtu.frames import DiscardReason, FrameDecoder
from .vtu.messages import decode

_ACTIONS = {
    "on": KeyPowerStatus.ON,
    "off": KeyPowerStatus.OFF,
    "short": KeyPowerStatus.SHORT,
    "long": KeyPowerStatus.LONG,
    "release": KeyPowerStatus.RELEASED,
}


class CliError(Exception):
    """A user-facing error: printed as one line, exit status 1."""


def _print(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def decode_hex(parts: Sequence[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Decode hex text (spaces, colons allowed; frames of either direction).

    Returns the decoded frames and a description of every byte that was not one.
    """
    text = "".join(parts).replace(" ", "").replace(":", "")
    try:
        data = bytes.fromhex(text)
    except ValueError:
        raise CliError("not hexadecimal: give bytes like '56 54 55 3C ...'") from None
    problems: list[str] = []

    def on_discard(reason: DiscardReason, chunk: bytes) -> None:
        problems.append(f"skipped {len(chunk)} bytes ({reason}): {chunk.hex(' ')}")

    decoder = FrameDecoder(None, max_frame_size=0x10006, on_discard=on_discard)
    out: list[dict[str, Any]] = []
    for frame in decoder.feed(data):
        try:
            message = decode(frame)
        except MessageError as err:
            problems.append(f"frame 0x{frame.command:02X} id {frame.message_id}: {err}")
            continue
        fields = message.to_dict()
        fields.pop("command", None)  # UnknownMessage's number, shown as command_id
        out.append(
            {
                "command": message.name,
                "command_id": f"0x{frame.command:02X}",
                "direction": frame.direction.name.lower(),
                "message_id": frame.message_id,
                **fields,
            }
        )
    if decoder.buffered:
        problems.append(f"{decoder.buffered} bytes at the end do not complete a frame")
    if not out and not problems:
        problems.append("no frame found")
    return out, problems


def _status(status: KeyStatus) -> dict[str, Any]:
    return status.to_dict()


def _ac(state: ACState) -> dict[str, Any]:
    fields = dataclasses.asdict(state)
    return {k: v.name if isinstance(v, Enum) else v for k, v in fields.items()}


def _client(args: argparse.Namespace) -> VBoxClient | HostClient:
    if args.protocol == Protocol.HOST:
        return HostClient(args.host, args.port or DEFAULT_HOST_PORT)
    password = args.password if args.password is not None else os.environ.get("VITREA_PASSWORD")
    return VBoxClient(args.host, args.port or DEFAULT_PORT, args.username, password or "")


async def _run_online(args: argparse.Namespace) -> None:
    if not args.host:
        raise CliError("--host is required for this command")
    client = _client(args)
    await client.connect()
    try:
        if args.command == "dump":
            installation = await client.read_installation()
            document = installation.to_dict()
            document["states"] = [_status(s) for _, s in sorted(client.key_states.items())]
            if isinstance(client, HostClient):
                document["ac_states"] = [_ac(s) for _, s in sorted(client.ac_states.items())]
            print(json.dumps(document, ensure_ascii=False, indent=2))
        elif args.command == "status":
            _print(_status(await client.key_status(args.node, args.key)))
        elif args.command == "set":
            await client.set_key(
                args.node, args.key, _ACTIONS[args.action], dimmer=args.level, timer=args.timer
            )
            if not _ACTIONS[args.action].is_press:
                _print(_status(await client.key_status(args.node, args.key)))
        else:  # watch
            await _watch(client, args.seconds)
    finally:
        await client.close()


async def _watch(client: BoxClient, seconds: float | None) -> None:
    def on_key(status: KeyStatus, requested: bool) -> None:
        if not requested:
            _print({"event": "key", **_status(status)})

    def on_connection(state: ConnectionState) -> None:
        _print({"event": "connection", "state": state.value})

    client.add_key_listener(on_key)
    client.add_connection_listener(on_connection)
    if isinstance(client, HostClient):
        client.add_ac_listener(lambda state: _print({"event": "ac", **_ac(state)}))
    _print({"event": "connection", "state": ConnectionState.CONNECTED.value})
    await asyncio.sleep(seconds if seconds is not None else float("inf"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.vitrea.vbox",
        description="Talk to a Vitrea vBox: its binary protocol (port 11501) or, with "
        "--protocol host, its integration protocol (port 11502).",
    )
    parser.add_argument("--host", help="vBox address")
    parser.add_argument(
        "--protocol", choices=[p.value for p in Protocol], default=Protocol.VTU.value
    )
    parser.add_argument("--port", type=int, help="default: 11501 (vtu) or 11502 (host)")
    parser.add_argument("--username", default=os.environ.get("VITREA_USERNAME", ""))
    parser.add_argument("--password", help="or set VITREA_PASSWORD (vtu only)")
    sub = parser.add_subparsers(dest="command", required=True)
    dec = sub.add_parser("decode", help="decode hex frames to JSON (offline)")
    dec.add_argument("hex", nargs="+")
    sub.add_parser("dump", help="print rooms, nodes, keys (ACs, scenarios) and states as JSON")
    watch = sub.add_parser("watch", help="print key (and AC) pushes and connection changes")
    watch.add_argument("--seconds", type=float, help="stop after this long")
    status = sub.add_parser("status", help="print one key's state")
    status.add_argument("node", type=int)
    status.add_argument("key", type=int)
    setter = sub.add_parser("set", help="control a key")
    setter.add_argument("node", type=int)
    setter.add_argument("key", type=int)
    setter.add_argument("action", choices=sorted(_ACTIONS))
    setter.add_argument("--level", type=int, default=0, help="dimmer level / blind position")
    setter.add_argument("--timer", type=int, default=0, help="timer (minutes, unverified)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "decode":
            frames, problems = decode_hex(args.hex)
            for obj in frames:
                _print(obj)
            if problems:
                raise CliError("; ".join(problems))
        else:
            asyncio.run(_run_online(args))
    except (CliError, VBoxError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
