"""Port 11502's fault knobs over loopback, each through the Python API, the console and
the command line: a minimum gap, delayed pushes, malformed and late answers, dropped,
stalled and refused connections, a missing OK, echoed commands, duplicated status
lines and a bad database record."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from custom_components.vitrea.vbox.enums import KeyPowerStatus
from custom_components.vitrea.vbox.errors import MessageError
from custom_components.vitrea.vbox.host.vth import KeyParams
from custom_components.vitrea.vbox.vtu import messages as m
from simulator import ReplyFault, VBoxSimulator
from simulator.cli import main
from simulator.console import CONTROL_HELP, run_command
from simulator.faults import BAD_LENGTH_FIELD
from simulator.host_console import HOST_HELP
from simulator.host_server import TEXT_ANSWER, HostSimulator

from .raw_clients import HostPeer, Peers, vth
from .test_server import Peer, wait_for_output

ON = KeyPowerStatus.ON
AC_LIST_REQUEST = bytes.fromhex("56 54 48 3E 07 00 01 38")
DEMO_AC_LIST = vth(0x07, b"\x04\x00\x01\x00\x02\x00\x03\x00\x07")


# ----------------------------------------------------------------------- min gap, delays


async def test_a_line_too_soon_after_an_answer_is_ignored(
    host: HostSimulator, peer: HostPeer
) -> None:
    host.min_gap = 30.0
    assert await peer.ask(b"P:VITREA") == [b"S:PSW:OK"]
    await peer.send(b"G:V:S")
    await peer.nothing()
    assert host.ignored == 1
    host.min_gap = 0.05
    await asyncio.sleep(0.1)
    assert await peer.ask(b"G:V:S") == [b"V:866"]


async def test_push_delay_holds_the_change_after_the_ok(
    box: VBoxSimulator, host: HostSimulator, peer: HostPeer, vtu: Peer
) -> None:
    host.push_delay = 0.3
    assert await peer.ask(b"H:N001:1:O:000") == [b"OK"]
    await peer.nothing(0.15)
    assert box.key_state(1, 0).status is KeyPowerStatus.OFF  # not done yet
    assert await peer.line() == b"S:N001:1:O:000"
    assert await vtu.message() == (0, m.KeyStatus(1, 0, ON, 0, 0, b"\0\0"))


async def test_a_late_answer_comes_after_the_next_and_tells_the_state_it_has_then(
    box: VBoxSimulator, host: HostSimulator, peer: HostPeer
) -> None:
    host.delay_replies(0.3, command=TEXT_ANSWER)
    await peer.send(b"H:N002:G:1")
    assert await peer.ask(b"G:V:S") == [b"V:866"]  # answered on meanwhile
    await box.set_key_state(2, 0, ON, 90)
    assert await peer.line() == b"S:N002:1:D:090"  # the push
    assert await peer.line() == b"S:N002:1:D:090"  # the late answer
    assert not host.reply_faults


# ----------------------------------------------------------------------- malformed


async def test_a_malformed_status_line_is_cut_until_it_no_longer_parses(
    host: HostSimulator, peer: HostPeer
) -> None:
    host.malform_replies()
    assert await peer.ask(b"H:N002:G:1") == [b"S:N002:1:"]
    assert await peer.ask(b"H:N002:G:1") == [b"S:N002:1:D:060"]  # one only
    host.malform_replies(count=2)
    assert await peer.ask(b"H:A001:G") == [b"S:A001:1:"]
    assert await peer.ask(b"H:N001:1:O:000", 2) == [b"O", b"S:N001:1:O:000"]  # the OK cut


@pytest.mark.parametrize(
    ("fault", "reply"),
    [
        (ReplyFault.CHECKSUM, DEMO_AC_LIST[:-1] + bytes(((DEMO_AC_LIST[-1] + 1) & 0xFF,))),
        (ReplyFault.SHORT, vth(0x07, b"\x04\x00\x01\x00\x02\x00\x03\x00")),
        (
            ReplyFault.LENGTH,
            vth(0x07, b"\x04\x00\x01\x00\x02\x00\x03\x00\x07")[:5]
            + BAD_LENGTH_FIELD.to_bytes(2, "big")
            + b"\x04\x00\x01\x00\x02\x00\x03\x00\x07",
        ),
    ],
)
async def test_a_malformed_vth_reply(
    host: HostSimulator, peer: HostPeer, fault: ReplyFault, reply: bytes
) -> None:
    host.malform_replies(fault, command=0x07)
    assert await peer.ask(b"H:N002:G:1") == [b"S:N002:1:D:060"]  # not a 07 reply
    await peer.write(AC_LIST_REQUEST)
    if fault is ReplyFault.LENGTH:
        body = reply + bytes((sum(reply) & 0xFF,))
        async with asyncio.timeout(2):
            assert await peer.reader.readexactly(len(body)) == body
    else:
        assert await peer.frame() == reply
    await peer.write(AC_LIST_REQUEST)
    if fault is not ReplyFault.LENGTH:
        assert await peer.frame() == DEMO_AC_LIST


def test_a_late_fault_is_not_a_malformed_one(host: HostSimulator) -> None:
    with pytest.raises(ValueError, match="delay_replies"):
        host.malform_replies(ReplyFault.LATE)


async def test_a_bad_vth_record_has_a_name_length_that_does_not_match(
    host: HostSimulator, peer: HostPeer
) -> None:
    host.bad_vth_record(0x06, 8, 2)
    good = vth(0x06, b"\x00\x08\x01", 0x3E)
    bad = vth(0x06, b"\x00\x08\x02", 0x3E)
    await peer.write(bad)
    frame = await peer.frame()
    name = "מנורת לילה (MW)".encode("utf-16-le")
    assert frame[-1 - len(name) - 1] == len(name) + 2
    with pytest.raises(MessageError, match="name length"):
        KeyParams.from_payload(frame[7:-1])
    await peer.write(good)
    assert KeyParams.from_payload((await peer.frame())[7:-1]).name == "Ceiling Light"
    await peer.write(bad)  # still bad: a record the client must skip
    with pytest.raises(MessageError):
        KeyParams.from_payload((await peer.frame())[7:-1])


# ----------------------------------------------------------------------- connections


async def test_drop_stall_and_refuse(host: HostSimulator, peers: Peers) -> None:
    first = await peers()
    await host.drop_connections()
    assert await first.until_eof() == b""

    second = await peers()
    host.stalled = True
    await second.send(b"P:VITREA")
    await host.box.set_key_state(1, 0, ON)  # no push either
    await second.nothing()
    host.stalled = False
    assert await second.ask(b"P:VITREA") == [b"S:PSW:OK"]

    host.refuse_connections = True
    refused = await peers()
    assert await refused.until_eof() == b""
    host.refuse_connections = False
    assert await (await peers()).ask(b"G:V:S") == [b"V:866"]


async def test_drop_every_client_periodically(host: HostSimulator, peers: Peers) -> None:
    await host.drop_connections_every(0.2)
    first = await peers()
    assert await first.ask(b"P:VITREA") == [b"S:PSW:OK"]
    assert await first.until_eof() == b""
    second = await peers()  # reconnecting works, and is dropped in turn
    assert await second.ask(b"P:VITREA") == [b"S:PSW:OK"]
    assert await second.until_eof() == b""
    await host.drop_connections_every(0)
    third = await peers()
    await third.nothing(0.4)
    assert await third.ask(b"P:VITREA") == [b"S:PSW:OK"]
    with pytest.raises(ValueError, match="negative"):
        await host.drop_connections_every(-1)


async def test_send_raw(host: HostSimulator, peer: HostPeer) -> None:
    assert await peer.ask(b"P:VITREA") == [b"S:PSW:OK"]
    await host.send_raw(b"T:05:14:03:12:2026:4\r\n")
    assert await peer.line() == b"T:05:14:03:12:2026:4"


# ----------------------------------------------------------------------- 11502's own


async def test_omit_ok_leaves_only_the_status_line(host: HostSimulator, peer: HostPeer) -> None:
    host.omit_ok = True
    assert await peer.ask(b"H:N001:1:O:000") == [b"S:N001:1:O:000"]
    assert await peer.ask(b"H:R0002", 3) == [b"S:R0002:OK", b"S:N001:1:O:000", b"S:N002:1:D:060"]
    assert await peer.ask(b"H:A001:2:F") == [b"S:A001:1:F:04:024:027:2:F:0"]


async def test_echo_sends_h_lines_back_first(host: HostSimulator, peer: HostPeer) -> None:
    host.echo = True
    assert await peer.ask(b"H:N001:1:O:000", 3) == [b"H:N001:1:O:000", b"OK", b"S:N001:1:O:000"]
    assert await peer.ask(b"P:VITREA") == [b"S:PSW:OK"]  # not an H: line


async def test_duplicate_status_sends_every_status_line_twice(
    host: HostSimulator, peers: Peers
) -> None:
    host.duplicate_status = True
    sender, other = await peers(), await peers()
    assert await sender.ask(b"H:N002:G:1", 2) == [b"S:N002:1:D:060"] * 2
    assert await sender.ask(b"H:N001:1:O:000", 3) == [b"OK"] + [b"S:N001:1:O:000"] * 2
    assert await other.lines(2) == [b"S:N001:1:O:000"] * 2
    assert await sender.ask(b"P:VITREA") == [b"S:PSW:OK"]


# ----------------------------------------------------------------------- console


async def test_console_sets_every_knob(box: VBoxSimulator, host: HostSimulator) -> None:
    async def run(line: str) -> str:
        return await run_command(box, line, host) or ""

    for line in (
        "host gap 20",
        "host latency 5",
        "host push-delay 30",
        "host idle 12",
        "host omit-ok on",
        "host echo on",
        "host duplicate on",
        "host refuse",
        "host stall",
        "host bad-record 6 8 2",
        "host drop-every 3600",
        "host malform checksum 2",
    ):
        assert await run(line) == "ok", line
    knobs = json.loads(await run("host knobs"))
    assert knobs == {
        "latency_ms": 5.0,
        "min_gap_ms": 20.0,
        "push_delay_ms": 30.0,
        "idle_timeout_s": 12.0,
        "reply_faults": True,
        "stalled": True,
        "refuse_connections": True,
        "drop_every_s": 3600.0,
        "omit_ok": True,
        "echo": True,
        "duplicate_status": True,
        "bad_records": [[6, 8, 2]],
        "ignored_lines": 0,
        "version": "866",
    }
    for line in ("host clear", "host unstall", "host accept", "host echo off", "host late 100 3"):
        assert await run(line) == "ok", line
    assert (host.stalled, host.refuse_connections, host.echo) == (False, False, False)
    assert host.reply_faults  # the late rule
    assert await run("host drop") == "ok"
    assert await run("host late 0") == "error: a late answer needs a delay above 0 ms"
    assert await run("host idle -1") == "error: the idle timeout cannot be negative"
    assert await run("host malform twice") == f"{CONTROL_HELP}\n{HOST_HELP}"
    assert await run("host") == f"{CONTROL_HELP}\n{HOST_HELP}"
    assert await run("help") == f"{CONTROL_HELP}\n{HOST_HELP}"
    assert await run_command(box, "help") == CONTROL_HELP  # no port 11502: no such commands


async def test_console_acs_leds_and_a_wall_press_on_both_ports(
    box: VBoxSimulator, host: HostSimulator, peer: HostPeer, vtu: Peer
) -> None:
    assert json.loads(await run_command(box, "ac 7", host) or "") == {
        "ac_id": 7,
        "on": True,
        "mode": "HEAT",
        "fan": "AUTO",
        "setpoint": 28,
        "temperature": 24,
        "type": "TMSF",
        "relay": True,
        "unit": "CELSIUS",
    }
    assert await run_command(box, "ac-temp 7 30", host) == "ok"
    assert await peer.line() == b"S:A007:1:O:14:028:030:4:F:0"
    assert (
        await run_command(box, "ac 9", host) == "error: 'no air conditioner 9 in the installation'"
    )
    assert await run_command(box, "led 8 3", host) == '{"on": false}'

    assert await run_command(box, "press 8 3 short", host) == "ok"
    assert await peer.line() == b"S:N008:4:S"
    _, push = await vtu.message()
    assert isinstance(push, m.KeyStatus)
    assert push.status is KeyPowerStatus.SHORT


# ----------------------------------------------------------------------- command line


@asynccontextmanager
async def cli_host(capsys: pytest.CaptureFixture[str], *options: str) -> AsyncIterator[HostPeer]:
    """``python -m simulator --port 0 --host-api-port 0 OPTIONS``, and a client of its 11502."""
    task = asyncio.create_task(main(["--port", "0", "--host-api-port", "0", *options]))
    try:
        out = await wait_for_output(capsys, "port 11502 protocol listening on")
        port = int(out.split("port 11502 protocol listening on 127.0.0.1:")[1].split()[0])
        peer = await HostPeer.open(port)
        try:
            yield peer
        finally:
            await peer.close()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_cli_serves_both_ports_with_the_host_knobs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    options = ["--host-version", "910", "--host-omit-ok", "--host-echo"]
    options += ["--host-duplicate-status", "--host-bad-record", "6:8:2"]
    options += ["--host-malformed-every", "1000", "--host-malformed-kind", "checksum"]
    options += ["--host-late-every", "1000"]
    async with cli_host(capsys, *options) as peer:
        assert await peer.ask(b"H:N001:1:O:000", 3) == [
            b"H:N001:1:O:000",  # echoed
            b"S:N001:1:O:000",  # no OK
            b"S:N001:1:O:000",  # twice
        ]
        await peer.write(vth(0x06, b"\x00\x08\x02", 0x3E))
        with pytest.raises(MessageError):
            KeyParams.from_payload((await peer.frame())[7:-1])
        assert await peer.ask(b"G:V:S") == [b"V:910"]


async def test_cli_timing_knobs(capsys: pytest.CaptureFixture[str]) -> None:
    options = ["--host-min-gap-ms", "30000", "--host-latency-ms", "1"]
    options += ["--host-push-delay-ms", "1", "--host-idle-timeout", "0"]
    async with cli_host(capsys, *options) as peer:
        assert await peer.ask(b"H:N001:1:O:000", 2) == [b"OK", b"S:N001:1:O:000"]
        await peer.send(b"G:V:S")  # within 30 s of the last answer: ignored
        await peer.nothing()


async def test_cli_malformed_answers(capsys: pytest.CaptureFixture[str]) -> None:
    async with cli_host(
        capsys, "--host-malformed-every", "1", "--host-malformed-kind", "checksum"
    ) as peer:
        assert await peer.ask(b"H:N002:G:1") == [b"S:N002:1:"]
        await peer.write(AC_LIST_REQUEST)
        frame = await peer.frame()
        assert frame[:-1] == DEMO_AC_LIST[:-1]  # all but the checksum, which is wrong
        assert frame[-1] != DEMO_AC_LIST[-1]


async def test_cli_late_answers_and_delayed_pushes(capsys: pytest.CaptureFixture[str]) -> None:
    options = ["--host-late-every", "2", "--host-late-ms", "300", "--host-push-delay-ms", "300"]
    async with cli_host(capsys, *options) as peer:
        assert await peer.ask(b"P:VITREA") == [b"S:PSW:OK"]
        await peer.send(b"G:V:S")  # the second answer: late
        assert await peer.ask(b"H:N001:1:O:000") == [b"OK"]  # its state push is delayed
        await peer.nothing(0.1)
        assert sorted(await peer.lines(2)) == [b"S:N001:1:O:000", b"V:866"]


async def test_cli_drops_every_client_periodically(capsys: pytest.CaptureFixture[str]) -> None:
    async with cli_host(capsys, "--host-drop-every", "0.2") as peer:
        assert await peer.ask(b"P:VITREA") == [b"S:PSW:OK"]
        assert await peer.until_eof() == b""


async def test_cli_starts_stalled_and_refusing(capsys: pytest.CaptureFixture[str]) -> None:
    async with cli_host(capsys, "--host-refuse", "--host-stalled") as peer:
        assert await peer.until_eof() == b""


async def test_cli_stops_both_ports_on_sigint(capsys: pytest.CaptureFixture[str]) -> None:
    task = asyncio.create_task(main(["--port", "0", "--host-api-port", "0"]))
    out = await wait_for_output(capsys, "port 11502 protocol listening on")
    assert "(4 ACs, 4 scenarios, version 866, no password)" in out
    port = int(out.split("port 11502 protocol listening on 127.0.0.1:")[1].split()[0])
    peer = await HostPeer.open(port)
    try:
        assert await peer.ask(b"P:VITREA") == [b"S:PSW:OK"]
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.wait_for(task, 5)
        assert await peer.until_eof() == b""
    finally:
        await peer.close()
    assert "stopped" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--host-min-gap-ms", "-1"], "--host-min-gap-ms cannot be negative"),
        (["--host-late-every", "0"], "--host-late-every must be at least 1"),
        (["--host-late-every", "2", "--host-late-ms", "0"], "--host-late-ms must be above 0"),
        (["--host-bad-record", "6"], "--host-bad-record 6: expected CMD:ID[:ID]"),
        (["--host-bad-record", "6:x"], "port 11502:"),
        (["--host-version", "8.6x"], "port 11502: version '8.6x'"),
        (["--host-idle-timeout", "-1"], "port 11502: idle_timeout"),
        (["--host-drop-every", "-1"], "--host-drop-every cannot be negative"),
    ],
)
async def test_cli_bad_host_arguments_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        await main(["--port", "0", "--host-api-port", "0", *argv])
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


async def test_cli_host_port_in_use_exits_2(
    host: HostSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        await main(["--port", "0", "--host-api-port", str(host.port)])
    assert caught.value.code == 2
    assert f"cannot listen on 127.0.0.1:{host.port}" in capsys.readouterr().err


async def test_garbage_from_a_client_is_discarded_and_the_link_goes_on(
    host: HostSimulator, peer: HostPeer
) -> None:
    bad_checksum = bytes.fromhex("56 54 48 3E 07 00 01 39")
    await peer.write(b"x" * 600 + b"\r\n" + bad_checksum + b"P:VITREA\r\n")
    assert await peer.line() == b"S:PSW:OK"
    await peer.nothing()
    assert host.received[-1] == b"P:VITREA"


async def test_latency_and_a_stall_while_waiting(host: HostSimulator, peer: HostPeer) -> None:
    host.latency = 0.2
    await peer.send(b"G:V:S")
    await peer.nothing(0.05)
    host.stalled = True  # during the latency: the answer is never written
    await peer.nothing(0.3)
    host.stalled, host.latency = False, 0.0
    assert await peer.ask(b"G:V:S") == [b"V:866"]


async def test_a_late_answer_to_a_client_gone_is_not_written(
    host: HostSimulator, peers: Peers, caplog: pytest.LogCaptureFixture
) -> None:
    gone, stays = await peers(), await peers()
    host.delay_replies(0.2)
    await gone.send(b"G:V:S")
    await asyncio.sleep(0.05)
    await gone.close()
    await asyncio.sleep(0.3)
    assert not host.reply_faults
    assert await stays.ask(b"G:V:S") == [b"V:866"]  # the late one went nowhere
    assert "Exception in callback" not in caplog.text


async def test_start_twice_and_stop_twice(host: HostSimulator) -> None:
    assert host.running
    with pytest.raises(RuntimeError, match="already"):
        await host.start()
    await host.stop()
    assert not host.running
    await host.stop()
