"""The command-line tool, run as a user runs it: ``python -m custom_components.vitrea.vbox``."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from custom_components.vitrea.vbox.__main__ import decode_hex, main
from custom_components.vitrea.vbox.enums import KeyPowerStatus, KeyType
from custom_components.vitrea.vbox.vtu.enums import Direction
from custom_components.vitrea.vbox.vtu.frames import Frame
from simulator import VBoxSimulator

from .conftest import PASSWORD, USERNAME
from .host_box import HostBox

ROOT = Path(__file__).parents[2]


async def _cli(*args: str, password: str | None = PASSWORD) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("VITREA_PASSWORD", None)
    if password is not None:
        env["VITREA_PASSWORD"] = password
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "custom_components.vitrea.vbox",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def test_decode_prints_one_object_per_frame(capsys: pytest.CaptureFixture[str]) -> None:
    hex_args = [
        "56 54 55 3C 00 00 03 00 00 3E",  # an ACK, one argument with spaces
        # one byte per argument, as a shell splits unquoted hex
        *["56", "54", "55", "3c", "29", "00", "0a", "48", "01"],
        *["00", "46", "00", "00", "00", "41", "00", "3e"],
        "5654553E0800040101014C",  # a request, no spaces
    ]
    assert main(["decode", *hex_args]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["command"] for line in lines] == [
        "Acknowledgement",
        "KeyStatus",
        "ToggleHeartbeat",
    ]
    assert lines[0]["ack"] == "ACK"
    assert lines[1] | {"node_id": 1, "key_id": 0, "status": "OFF", "message_id": 0x48} == lines[1]
    assert lines[2]["direction"] == "to_vbox"


def test_decode_masks_the_login_password(capsys: pytest.CaptureFixture[str]) -> None:
    login = "56 54 55 3E 01 00 16 01 08 75 00 73 00 65 00 72 00 0A 73 00 75 00 70 00 65 00 72 00 55"
    assert main(["decode", login]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["username"] == "user"
    assert out["password"] == "***"


def test_decode_unknown_command_is_generic(capsys: pytest.CaptureFixture[str]) -> None:
    frame = Frame(Direction.FROM_VBOX, 0x77, 9, b"\xab").to_bytes()
    assert main(["decode", frame.hex(" ")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["command"] == "Unknown-0x77"
    assert out["command_id"] == "0x77"
    assert out["data"] == "AB"


@pytest.mark.parametrize(
    ("hex_text", "message"),
    [
        ("zz", "not hexadecimal"),
        ("565455", "do not complete a frame"),
        ("00 01 02", "junk"),
        ("56 54 55 3C 00 00 03 00 00 3F", "bad_checksum"),
        ("56 54 55 3C 1D 00 03 01 05 61", "RoomCount"),  # count 5, no ids
    ],
)
def test_decode_errors_are_one_line(
    hex_text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["decode", hex_text]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert err.startswith("error: ")


def test_decode_hex_reports_nothing_found() -> None:
    frames, problems = decode_hex([""])
    assert frames == []
    assert problems == ["no frame found"]


async def test_dump_prints_installation_with_states(
    simulator: VBoxSimulator, socket_enabled: None
) -> None:
    code, out, err = await _cli(
        "--host", "127.0.0.1", "--port", str(simulator.port), "--username", USERNAME, "dump"
    )
    assert code == 0, err
    document = json.loads(out)
    assert [n["id"] for n in document["nodes"]] == [n.id for n in simulator.installation.nodes]
    rooms = simulator.installation.rooms
    assert [r["name"] for r in document["rooms"]] == [r.name.rstrip() for r in rooms]
    active = sum(1 for n in simulator.installation.nodes for k in n.keys if k.type.exists)
    assert len(document["states"]) == active
    assert PASSWORD not in out + err


async def test_set_then_status(simulator: VBoxSimulator, socket_enabled: None) -> None:
    node, key = next(
        (n.id, k.id)
        for n in simulator.installation.nodes
        for k in n.keys
        if k.type is KeyType.DIMMER
    )
    base = ("--host", "127.0.0.1", "--port", str(simulator.port), "--username", USERNAME)
    code, out, err = await _cli(*base, "set", str(node), str(key), "on", "--level", "55")
    assert code == 0, err
    assert json.loads(out)["level"] == 55
    state = simulator.key_state(node, key)
    assert (state.status, state.level) == (KeyPowerStatus.ON, 55)
    code, out, err = await _cli(*base, "status", str(node), str(key))
    assert code == 0, err
    assert json.loads(out)["status"] == "ON"


async def test_watch_prints_pushes(simulator: VBoxSimulator, socket_enabled: None) -> None:
    node, key = next(
        (n.id, k.id)
        for n in simulator.installation.nodes
        for k in n.keys
        if k.type is KeyType.TOGGLE
    )
    watcher = asyncio.create_task(
        _cli(
            "--host",
            "127.0.0.1",
            "--port",
            str(simulator.port),
            "--username",
            USERNAME,
            "watch",
            "--seconds",
            "1.5",
        )
    )
    async with asyncio.timeout(10):
        while simulator.connected_clients == 0:
            await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)  # the CLI is logged in and listening
    await simulator.set_key_state(node, key, KeyPowerStatus.ON)
    code, out, err = await watcher
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert events[0] == {"event": "connection", "state": "connected"}
    assert {"event": "key", "node_id": node, "key_id": key, "status": "ON"}.items() <= events[
        1
    ].items()


async def test_wrong_password_is_one_clear_line(
    simulator: VBoxSimulator, socket_enabled: None
) -> None:
    code, out, err = await _cli(
        "--host", "127.0.0.1", "--port", str(simulator.port), "dump", password="nope"
    )
    assert code == 1
    assert out == ""
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert "refused" in err
    assert "nope" not in err


async def test_missing_host_is_an_error(socket_enabled: None) -> None:
    code, _, err = await _cli("dump")
    assert code == 1
    assert "--host" in err


async def test_dump_on_the_integration_port_needs_no_credentials(host_box: HostBox) -> None:
    code, out, err = await _cli(
        "--protocol",
        "host",
        "--host",
        "127.0.0.1",
        "--port",
        str(host_box.port),
        "dump",
        password=None,
    )
    assert code == 0, err
    document = json.loads(out)
    assert document["protocol"] == "host"
    assert document["firmware"] == "8.66"
    assert [n["id"] for n in document["nodes"]] == [18, 0]
    assert [a["id"] for a in document["air_conditioners"]] == [1, 4]
    assert {"node_id": 18, "key_id": 1, "status": "OFF"}.items() <= document["states"][1].items()
    assert (
        document["ac_states"][0] | {"ac_id": 1, "mode": "COOL", "unit": "CELSIUS"}
        == (document["ac_states"][0])
    )
    assert host_box.lines()[0] == b"P:VITREA"


async def test_watch_on_the_integration_port_prints_key_and_ac_pushes(host_box: HostBox) -> None:
    watcher = asyncio.create_task(
        _cli(
            "--protocol",
            "host",
            "--host",
            "127.0.0.1",
            "--port",
            str(host_box.port),
            "watch",
            "--seconds",
            "1.5",
            password=None,
        )
    )
    async with asyncio.timeout(10):
        while not watcher.done():  # until the CLI listens, then some more
            host_box.push(b"S:N018:1:O:000\r\nS:A001:1:O:02:024:026:2:F:0\r\n")
            await asyncio.sleep(0.1)
    code, out, err = await watcher
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert events[0] == {"event": "connection", "state": "connected"}
    assert {"event": "key", "node_id": 18, "key_id": 0, "status": "ON"}.items() <= events[1].items()
    assert {"event": "ac", "ac_id": 1, "on": True, "fan": "HIGH", "setpoint": 24}.items() <= (
        next(e for e in events if e["event"] == "ac").items()
    )
