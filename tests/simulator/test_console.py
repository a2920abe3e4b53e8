"""The simulator's control console: what a person types to press keys and inject faults."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import pytest_socket

from custom_components.vitrea.vbox.enums import KeyPowerStatus
from custom_components.vitrea.vbox.vtu.client import ConnectionState, VBoxClient
from custom_components.vitrea.vbox.vtu.messages import KeyStatus
from simulator import VBoxSimulator
from simulator.cli import main
from simulator.console import CONTROL_HELP, run_command, serve_console

from ..common import FAST, PASSWORD, USERNAME
from ..vbox.conftest import ClientFactory, ConnectionRecorder, wait_until

ROOT = Path(__file__).parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.fixture
def unix_sockets(socket_enabled: None) -> None:
    """Home Assistant's test plugin allows loopback TCP only; the console is a Unix socket."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)


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
        "simulator",
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


async def test_knob_commands(simulator: VBoxSimulator) -> None:
    assert await run_command(simulator, "gap 80") == "ok"
    assert await run_command(simulator, "push-delay 100") == "ok"
    assert await run_command(simulator, "latency 20") == "ok"
    assert await run_command(simulator, "refused-login keep") == "ok"
    assert await run_command(simulator, "malform length 2") == "ok"
    knobs = json.loads(await run_command(simulator, "knobs") or "")
    assert knobs == {
        "latency_ms": 20.0,
        "min_gap_ms": 80.0,
        "push_delay_ms": 100.0,
        "close_after_refused_login": False,
        "reply_faults": True,
        "stalled": False,
        "ignored_requests": 0,
    }
    assert (simulator.min_gap, simulator.push_delay, simulator.latency) == (0.08, 0.1, 0.02)
    assert await run_command(simulator, "clear") == "ok"
    assert not simulator.reply_faults
    assert await run_command(simulator, "late 3000") == "ok"
    assert simulator.reply_faults
    assert await run_command(simulator, "refused-login close") == "ok"
    assert simulator.close_after_refused_login


async def test_bad_knob_commands(simulator: VBoxSimulator) -> None:
    for line in ("gap", "gap 1 2", "malform sideways", "refused-login maybe", "clear now"):
        assert await run_command(simulator, line) == CONTROL_HELP, line
    for line in ("gap -5", "gap nan", "late 0", "malform short 0", "late 100 x"):
        assert (await run_command(simulator, line) or "").startswith("error: "), line
    assert not simulator.reply_faults
    assert simulator.min_gap == 0


async def _console_line(reader: asyncio.StreamReader) -> str:
    return (await asyncio.wait_for(reader.readline(), 5)).decode().rstrip("\n")


@pytest.mark.usefixtures("unix_sockets")
async def test_the_command_line_knobs_and_its_console_socket(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "console.sock"
    argv = ["--port", "0", "--username", USERNAME, "--password", PASSWORD, "--min-gap-ms", "80"]
    argv += ["--push-delay-ms", "100", "--refused-login", "keep", "--malformed-every", "50"]
    argv += ["--late-every", "40", "--late-ms", "2500", "--control-socket", str(path)]
    task = asyncio.create_task(main(argv))
    try:
        await wait_until(lambda: "listening on" in capsys.readouterr().out or path.is_socket())
        await wait_until(path.is_socket)
        reader, writer = await asyncio.open_unix_connection(path)
        assert (await _console_line(reader)).startswith("attached to the vBox simulator")
        writer.write(b"knobs\nquit\n")
        knobs = json.loads(await _console_line(reader))
        assert await _console_line(reader) == "detached"
        assert await reader.read() == b""  # quit detaches: the box goes on
        writer.close()
        assert knobs["min_gap_ms"] == 80.0
        assert knobs["push_delay_ms"] == 100.0
        assert knobs["close_after_refused_login"] is False
        assert knobs["reply_faults"] is True
        assert not task.done()
        with pytest.raises(SystemExit):  # a second simulator may not take the console
            await main(["--port", "0", "--control-socket", str(path)])
        assert "another simulator serves its console there" in capsys.readouterr().err
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert not path.exists()


@pytest.mark.usefixtures("unix_sockets")
async def test_a_stale_console_socket_is_replaced(tmp_path: Path, simulator: VBoxSimulator) -> None:
    path = tmp_path / "console.sock"
    with socket.socket(socket.AF_UNIX) as stale:
        stale.bind(str(path))  # a simulator that was killed leaves its socket file behind
    assert path.is_socket()
    console = await serve_console(simulator, path)
    try:
        reader, writer = await asyncio.open_unix_connection(path)
        assert (await _console_line(reader)).startswith("attached")
        writer.write(b"on 2 0 35\nstate 2 0\n")
        assert await _console_line(reader) == "ok"
        assert json.loads(await _console_line(reader))["level"] == 35
        writer.close()
    finally:
        console.close()
        console.close_clients()
        await console.wait_closed()


def _python(*args: str) -> list[str]:
    return [sys.executable, "-m", "simulator", *args]


@asynccontextmanager
async def develop_box(path: Path) -> AsyncIterator[int]:
    """A simulator in its own process, as scripts/develop starts it; yields its port."""
    box = await asyncio.create_subprocess_exec(
        *_python("--port", "0", "--username", USERNAME, "--password", PASSWORD),
        "--control-socket",
        str(path),
        "--log-level",
        "WARNING",
        cwd=ROOT,
        env=ENV,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert box.stdout is not None
        line = (await asyncio.wait_for(box.stdout.readline(), 30)).decode()
        await wait_until(path.is_socket, 10)
        yield int(line.split("127.0.0.1:")[1].split()[0])
    finally:
        box.send_signal(signal.SIGINT)
        await asyncio.wait_for(box.wait(), 30)
    assert box.returncode == 0
    await wait_until(lambda: not path.exists())  # removed on the way out


async def _attached(*command: str, commands: bytes, env: dict[str, str] | None = None) -> list[str]:
    """Run an attaching command with ``commands`` on its stdin; its output lines."""
    proc = await asyncio.create_subprocess_exec(
        *command,
        cwd=ROOT,
        env={**ENV, **(env or {})},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(commands), 30)
    assert proc.returncode == 0, err.decode()
    return out.decode().splitlines()


async def test_attach_to_the_develop_box_and_press_a_key(tmp_path: Path) -> None:
    """Issue 11 item 7: a console attached to a running simulator; a connected client
    (Home Assistant, under scripts/develop) sees the press arrive."""
    async with develop_box(tmp_path / "simulator.sock") as port:
        client = VBoxClient("127.0.0.1", port, USERNAME, PASSWORD, config=FAST)
        try:
            await client.connect()
            pushes: list[KeyStatus] = []
            client.add_key_listener(lambda status, _requested: pushes.append(status))
            lines = await _attached(
                *_python("--attach", str(tmp_path / "simulator.sock")),
                commands=b"press 8 3 short\non 2 0 40\nstate 2 0\n",
            )
            assert lines[0].startswith("attached to the vBox simulator")
            assert lines[1:3] == ["ok", "ok"]
            assert json.loads(lines[3])["level"] == 40
            assert lines[4] == "detached"  # end of input detaches; the box runs on
            await wait_until(lambda: len(pushes) == 2)
            assert [(p.node_id, p.key_id, p.status) for p in pushes] == [
                (8, 3, KeyPowerStatus.SHORT),
                (2, 0, KeyPowerStatus.ON),
            ]
            assert client.connected
        finally:
            await client.close()


async def test_scripts_demo_attaches_to_a_running_develop_box(tmp_path: Path) -> None:
    path = tmp_path / "simulator.sock"
    async with develop_box(path) as port:
        lines = await _attached(
            str(ROOT / "scripts" / "demo"),
            commands=b"state 2 0\nquit\n",
            env={"VITREA_CONSOLE": str(path), "VITREA_DEMO_PORT": str(port)},
        )
    assert lines[0].startswith(
        f"Attaching to the simulated vBox of scripts/develop (127.0.0.1:{port}"
    )
    assert any(line.startswith("attached to the vBox simulator") for line in lines)
    assert json.loads(lines[-2])["level"] == 60  # the demo's living-room light
    assert lines[-1] == "detached"


async def test_attach_without_a_simulator(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        *_python("--attach", str(tmp_path / "none.sock")),
        cwd=ROOT,
        env=ENV,
        stdin=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    assert "is the simulator (scripts/develop) running?" in err.decode()
