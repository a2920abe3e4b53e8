"""The simulator's control console: what a person types to press keys and inject faults."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from custom_components.vitrea.vbox.client import ConnectionState
from custom_components.vitrea.vbox.enums import KeyPowerStatus
from custom_components.vitrea.vbox.messages import KeyStatus
from custom_components.vitrea.vbox.simulator import VBoxSimulator
from custom_components.vitrea.vbox.simulator_cli import CONTROL_HELP, run_command

from .conftest import ClientFactory, ConnectionRecorder, wait_until

ROOT = Path(__file__).parents[2]


async def test_commands_reach_a_connected_client(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client()
    pushes: list[KeyStatus] = []
    client.add_key_listener(lambda status, _requested: pushes.append(status))

    assert await run_command(simulator, "press 8 3 long\n") == "ok"
    assert await run_command(simulator, "on 2 0 25") == "ok"
    assert await run_command(simulator, "off 3 0") == "ok"
    await wait_until(lambda: len(pushes) == 3)
    assert [(p.node_id, p.key_id, p.status, p.level) for p in pushes] == [
        (8, 3, KeyPowerStatus.LONG, 0),
        (2, 0, KeyPowerStatus.ON, 25),
        (3, 0, KeyPowerStatus.OFF, 0),
    ]
    state = json.loads(await run_command(simulator, "state 2 0") or "")
    assert (state["status"], state["level"]) == ("ON", 25)


async def test_fault_commands(simulator: VBoxSimulator, make_client: ClientFactory) -> None:
    client = await make_client()
    recorder = ConnectionRecorder(client)
    assert await run_command(simulator, "stall") == "ok"
    assert simulator.stalled
    assert await run_command(simulator, "unstall") == "ok"
    assert not simulator.stalled
    assert await run_command(simulator, "garbage") == "ok"
    await wait_until(lambda: sum(client.discarded.values()) > 0)
    assert await run_command(simulator, "drop") == "ok"
    await recorder.wait_for(ConnectionState.DISCONNECTED)
    await recorder.wait_for(ConnectionState.CONNECTED)


async def test_bad_commands_explain_themselves(simulator: VBoxSimulator) -> None:
    assert await run_command(simulator, "") == ""
    assert await run_command(simulator, "help") == CONTROL_HELP
    assert await run_command(simulator, "press 8 3") == CONTROL_HELP
    assert await run_command(simulator, "on 2 x") == CONTROL_HELP
    assert await run_command(simulator, "press 8 3 sideways") == (
        "error: 'sideways' is not a valid PressKind"
    )
    assert (await run_command(simulator, "on 99 0") or "").startswith("error: ")
    assert (await run_command(simulator, "on 2 0 101") or "").startswith("error: ")
    assert await run_command(simulator, "quit") is None


async def test_control_from_stdin(socket_enabled: None) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "custom_components.vitrea.vbox.simulator",
        "--port",
        "0",
        "--control",
        "--log-level",
        "WARNING",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(
        proc.communicate(b"state 2 0\non 2 0 40\nstate 2 0\nquit\n"), timeout=30
    )
    assert proc.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines[0].startswith("vBox simulator listening on 127.0.0.1:")
    assert json.loads(lines[1])["level"] == 60  # the demo's living-room light
    assert lines[2] == "ok"
    assert json.loads(lines[3])["level"] == 40
    assert lines[-1] == "vBox simulator stopped"
