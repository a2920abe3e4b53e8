"""HostClient against a port-11502 box less kind than the docs say: late, short, twice, never."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest

from custom_components.vitrea.vbox.climate import ACState, ACType
from custom_components.vitrea.vbox.enums import KeyPowerStatus, KeyType
from custom_components.vitrea.vbox.errors import (
    CommandRejectedError,
    VBoxConnectionError,
    VBoxTimeoutError,
)
from custom_components.vitrea.vbox.host import commands, vth
from custom_components.vitrea.vbox.host.client import HostClient
from custom_components.vitrea.vbox.host.stream import DiscardReason
from custom_components.vitrea.vbox.host.vth import KeyParams, VTHCommand, VTHFrame
from custom_components.vitrea.vbox.supervisor import ConnectionState
from custom_components.vitrea.vbox.vtu.replies import KeyStatus

from .conftest import wait_until
from .host_box import SILENT, HostBox, Later, Received

type Factory = Callable[..., Awaitable[HostClient]]
ON, OFF, SHORT = KeyPowerStatus.ON, KeyPowerStatus.OFF, KeyPowerStatus.SHORT


def _line(message: Received, prefix: bytes) -> bool:
    return isinstance(message, bytes) and message.startswith(prefix)


def _record(client: HostClient) -> list[tuple[KeyStatus, bool]]:
    seen: list[tuple[KeyStatus, bool]] = []
    client.add_key_listener(lambda status, requested: seen.append((status, requested)))
    return seen


def _received(client: HostClient, text: bytes) -> bool:
    return any(f.data == text for f in client.capture.frames())


# --------------------------------------------------------------------------- completion


async def test_a_command_completes_on_its_status_line_when_the_ok_is_missing(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client(request_timeout=5.0)
    await client.read_installation()

    def no_ok(message: Received) -> bytes | None:
        if _line(message, b"H:N018:1:O"):
            host_box.home.keys[(18, 1)] = ("O", 0)
            return host_box.home.key_line(18, 1)
        return None

    host_box.script = no_ok
    await client.set_key(18, 0, ON)
    assert client.key_states[(18, 0)] == KeyStatus(18, 0, ON)
    # Done without waiting out the 5 s request timeout: the key was never asked for.
    assert not [line for line in host_box.lines() if line.startswith(b"H:N018:G")]


async def test_an_unanswered_command_is_checked_by_asking_the_key_once(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client(request_timeout=0.2)
    await client.read_installation()

    def silent_but_done(message: Received) -> bytes | None:
        if _line(message, b"H:N018:1:"):
            host_box.home.keys[(18, 1)] = ("O", 0)
            return SILENT
        return None

    host_box.script = silent_but_done
    await client.set_key(18, 0, ON)
    assert host_box.lines()[-2:] == [b"H:N018:1:O:000", b"H:N018:G:1"]
    assert client.key_states[(18, 0)].is_on


async def test_an_unanswered_command_not_done_times_out_after_its_retry(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client(request_timeout=0.2)
    await client.read_installation()
    host_box.script = lambda message: SILENT if _line(message, b"H:N018:1:O") else None
    with pytest.raises(VBoxTimeoutError, match="not done"):
        await client.set_key(18, 0, ON)
    assert host_box.commands()[-2:] == [b"H:N018:1:O:000", b"H:N018:1:O:000"]
    assert host_box.lines().count(b"H:N018:G:1") == 2


async def test_a_late_ok_does_not_complete_the_next_command(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client(request_timeout=5.0)
    await client.read_installation()
    held: list[bytes] = []

    def script(message: Received) -> bytes | None:
        if _line(message, b"H:N018:1:O"):  # status first; its OK held back
            host_box.home.keys[(18, 1)] = ("O", 0)
            return host_box.home.key_line(18, 1)
        if _line(message, b"H:N018:1:F"):  # answered only when the test says
            held.append(message)  # type: ignore[arg-type]
            return SILENT
        return None

    host_box.script = script
    await client.set_key(18, 0, ON)
    second = asyncio.create_task(client.set_key(18, 0, OFF))
    await wait_until(lambda: bool(held))
    host_box.push(b"OK\r\n")  # the first command's OK, late
    await wait_until(lambda: _received(client, b"OK"))  # and handled, in the same callback
    for _ in range(3):
        await asyncio.sleep(0)
    assert not second.done()
    host_box.push(b"OK\r\nS:N018:1:F\r\n")
    async with asyncio.timeout(2):
        await second
    assert not client.key_states[(18, 0)].is_on


async def test_a_stale_ok_with_nothing_waiting_is_ignored(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client()
    await client.read_installation()
    host_box.push(b"OK\r\nOK\r\n")
    await wait_until(lambda: _received(client, b"OK"))
    await client.set_key(18, 0, ON)
    assert client.key_states[(18, 0)].is_on


@pytest.mark.parametrize(
    ("answer", "text"),
    [
        (b"E:3:Wrong key number\r\n", "Wrong key number"),
        (b"E:N018:1:004\r\n", "wrong key number"),
        (b"ERROR\r\n", "ERROR"),
        (b"E:1\r\n", "wrong command"),
    ],
)
async def test_error_lines_in_either_format_reject_the_command(
    make_host_client: Factory, host_box: HostBox, answer: bytes, text: str
) -> None:
    client = await make_host_client()
    await client.read_installation()
    host_box.script = lambda message: answer if _line(message, b"H:N018:1:O") else None
    with pytest.raises(CommandRejectedError, match=text):
        await client.set_key(18, 0, ON)
    assert host_box.commands() == [b"H:N018:1:O:000"]  # a rejection is not retried


async def test_an_error_with_nothing_waiting_and_garbage_are_survived(
    make_host_client: Factory, host_box: HostBox, caplog: pytest.LogCaptureFixture
) -> None:
    client = await make_host_client()
    await client.read_installation()
    caplog.set_level(logging.DEBUG)
    host_box.push(b"E:2:Wrong node\r\nS:N018:x:Q\r\nS:N018:1:M:2\r\nS:N018:1:M:1\r\n")
    await wait_until(lambda: _received(client, b"S:N018:1:M:1"))
    await client.set_key(18, 0, ON)
    assert client.key_states[(18, 0)].is_on
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("Wrong node" in w for w in warnings)
    assert any("not a number" in w for w in warnings)
    assert sum("not understood" in w for w in warnings) == 1  # the second M: debug only


async def test_answers_split_into_single_bytes_arrive_whole(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client()
    await client.read_installation()

    def dribble(message: Received) -> list[bytes | Later] | None:
        if not _line(message, b"H:N018:3:D"):
            return None
        host_box.home.keys[(18, 3)] = ("D", 70)
        answer = commands.ok() + host_box.home.key_line(18, 3)
        return [Later(0.002 * i, answer[i : i + 1]) for i in range(len(answer))]

    host_box.script = dribble
    await client.set_key(18, 2, ON, dimmer=70)
    await wait_until(lambda: client.key_states[(18, 2)].level == 70)


async def test_an_ac_command_completes_on_its_status_line(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client(request_timeout=5.0)
    await client.read_installation()

    def no_ok(message: Received) -> bytes | None:
        if _line(message, b"H:A001:"):
            answer = host_box.answer(message)
            assert isinstance(answer, bytes)
            return answer.removeprefix(b"OK\r\n")
        return None

    host_box.script = no_ok
    queries = host_box.lines().count(b"H:A001:G")
    await client.set_ac(1, setpoint=20)
    assert client.ac_states[1].setpoint == 20
    assert host_box.lines().count(b"H:A001:G") == queries  # not checked by a query


# --------------------------------------------------------------------------- state or press


async def test_a_satellite_letter_in_the_sweep_is_state_and_a_later_one_a_press(
    make_host_client: Factory, host_box: HostBox
) -> None:
    host_box.home.keys[(0, 1)] = ("S", None)
    client = await make_host_client()
    seen = _record(client)
    await client.read_installation()
    assert (KeyStatus(0, 0, SHORT), True) in seen
    seen.clear()
    host_box.push(b"S:N000:1:S\r\n")
    await wait_until(lambda: bool(seen))
    assert seen == [(KeyStatus(0, 0, SHORT), False)]


async def test_a_status_line_twice_is_state_once_then_a_push(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client()
    await client.read_installation()
    seen = _record(client)
    host_box.script = lambda message: (
        b"S:N000:1:L\r\nS:N000:1:L\r\n" if message == b"H:N000:G:1" else None
    )
    assert await client.key_status(0, 0) == KeyStatus(0, 0, KeyPowerStatus.LONG)
    await wait_until(lambda: len(seen) == 2)
    assert [requested for _, requested in seen] == [True, False]


async def test_a_reconnect_sweep_fires_no_press(
    make_host_client: Factory, host_box: HostBox
) -> None:
    host_box.home.keys[(0, 1)] = ("S", None)
    client = await make_host_client()
    await client.read_installation()
    seen = _record(client)
    states: list[ConnectionState] = []
    client.add_connection_listener(states.append)
    await host_box.drop()
    await wait_until(
        lambda: states[-2:] == [ConnectionState.DISCONNECTED, ConnectionState.CONNECTED]
    )
    assert host_box.lines(2)[:3] == [b"P:VITREA", b"G:V:S", b"H:NALL:G"]
    assert b"H:A001:G" in host_box.lines(2)
    assert all(requested for status, requested in seen if status.status.is_press)


# --------------------------------------------------------------------------- the database


async def test_a_bad_record_is_skipped_with_a_warning_and_setup_continues(
    make_host_client: Factory, host_box: HostBox, caplog: pytest.LogCaptureFixture
) -> None:
    bad = KeyParams(18, 2, 10, 3, "Boiler").to_payload()
    bad = bad[:6] + bytes((bad[6] + 2,)) + bad[7:]  # name length says 2 bytes more

    def script(message: Received) -> bytes | None:
        if isinstance(message, VTHFrame) and message.payload == vth.key_params(18, 2):
            return vth.vth_reply(VTHCommand.KEY_PARAMS, bad)
        return None

    host_box.script = script
    client = await make_host_client()
    installation = await client.read_installation()
    node = installation.node(18)
    assert node is not None
    assert [k.type for k in node.keys] == [
        KeyType.TOGGLE,
        KeyType.NOT_EXIST,
        KeyType.DIMMER,
        KeyType.BLIND,
    ]
    assert installation.air_conditioners  # the read went on
    assert any(
        "key 2 of keypad 18" in r.getMessage() and r.levelno == logging.WARNING
        for r in caplog.records
    )


async def test_a_reply_with_another_command_byte_is_dropped(
    make_host_client: Factory, host_box: HostBox, caplog: pytest.LogCaptureFixture
) -> None:
    def script(message: Received) -> list[bytes | Later] | None:
        if isinstance(message, VTHFrame) and message.command == VTHCommand.AC_NUMBERS:
            wrong = vth.vth_reply(VTHCommand.SCENE_NUMBERS, vth.IdList((12,)).to_payload())
            right = host_box.database(message)
            assert isinstance(right, bytes)
            return [wrong, Later(0.05, right)]
        return None

    host_box.script = script
    client = await make_host_client()
    installation = await client.read_installation(with_states=False)
    assert [a.id for a in installation.air_conditioners] == [1, 4]
    assert any("while waiting for VTH AC_NUMBERS" in r.getMessage() for r in caplog.records)


async def test_a_record_that_never_answers_is_skipped_and_a_late_reply_not_misread(
    make_host_client: Factory, host_box: HostBox, caplog: pytest.LogCaptureFixture
) -> None:
    def script(message: Received) -> Later | None:
        if isinstance(message, VTHFrame) and message.command == VTHCommand.AC_PARAMS:
            reply = host_box.database(message)
            assert isinstance(reply, bytes)
            # AC 1 answers each attempt after all 3 gave up, while AC 4's slow reply is awaited.
            return Later(0.95 if message.payload == vth.ac_params(1) else 0.2, reply)
        return None

    host_box.script = script
    client = await make_host_client(database_timeout=0.3)
    installation = await client.read_installation(with_states=False)
    assert [(a.id, a.type) for a in installation.air_conditioners] == [(4, ACType.TMSF)]
    assert any("for another VTH AC_PARAMS" in r.getMessage() for r in caplog.records)


async def test_a_vth_body_with_crlf_is_read_whole(
    make_host_client: Factory, host_box: HostBox
) -> None:
    host_box.home.keypads[18][0] = (1, 0x0D0A, "\u0a0d\r\n")
    host_box.home.rooms[0x0D0A] = (0x0D0A, "Room \u0a0d")
    client = await make_host_client()
    installation = await client.read_installation(with_states=False)
    node = installation.node(18)
    assert node is not None
    assert (node.keys[0].name, node.room_id) == ("\u0a0d\r\n", 0x0D0A)
    assert client.discarded == dict.fromkeys(DiscardReason, 0)


async def test_without_a_keypad_list_there_is_nothing_to_set_up(
    make_host_client: Factory, host_box: HostBox
) -> None:
    host_box.script = lambda message: (
        SILENT
        if isinstance(message, VTHFrame) and message.command == VTHCommand.KEYPAD_NUMBERS
        else None
    )
    client = await make_host_client()
    with pytest.raises(VBoxTimeoutError):
        await client.read_installation()


async def test_lists_that_never_answer_leave_their_category_empty(
    make_host_client: Factory, host_box: HostBox
) -> None:
    host_box.script = lambda message: (
        SILENT
        if isinstance(message, VTHFrame)
        and message.command in (VTHCommand.ROOM_NUMBERS, VTHCommand.SCENE_NUMBERS)
        else None
    )
    client = await make_host_client()
    installation = await client.read_installation(with_states=False)
    assert (installation.rooms, installation.scenarios) == ((), ())
    assert len(installation.nodes) == 2


# --------------------------------------------------------------------------- the link


async def test_a_silent_box_is_a_dead_link_and_is_reconnected_forever(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client(heartbeat_interval=0.3, request_timeout=0.2)
    await client.read_installation()
    states: list[ConnectionState] = []
    client.add_connection_listener(states.append)
    host_box.script = lambda message: SILENT  # alive socket, nothing said
    await wait_until(lambda: ConnectionState.DISCONNECTED in states)
    host_box.refuse = True  # the box restarting: connections closed at once
    await wait_until(lambda: client.last_error is not None)
    assert isinstance(client.last_error, VBoxConnectionError)
    host_box.refuse = False
    host_box.script = lambda message: None
    await wait_until(lambda: states[-1] is ConnectionState.CONNECTED)
    assert host_box.connections >= 2
    assert client.connected
    await client.set_key(18, 0, ON)


async def test_a_box_that_drops_the_link_mid_sweep(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client()
    states: list[ConnectionState] = []
    client.add_connection_listener(states.append)
    dropped: list[bool] = []

    def script(message: Received) -> bytes | None:
        if message == b"H:NALL:G" and not dropped:
            dropped.append(True)
            asyncio.get_running_loop().call_later(
                0.05, lambda: asyncio.ensure_future(host_box.drop())
            )
            return host_box.home.key_line(18, 1)
        return None

    host_box.script = script
    with pytest.raises(VBoxConnectionError):
        await client.read_installation()
    await wait_until(lambda: states[-1:] == [ConnectionState.CONNECTED] and len(states) >= 2)
    await wait_until(lambda: (18, 3) in client.key_states)


async def test_the_keepalive_goes_out_even_while_the_box_talks(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client(heartbeat_interval=0.2)
    pushes = asyncio.get_running_loop().create_task(_chatter(host_box))
    try:
        await wait_until(lambda: host_box.lines(1).count(b"P:VITREA") >= 3)
    finally:
        pushes.cancel()
    assert client.connected


async def _chatter(box: HostBox) -> None:
    while True:
        box.push(b"S:N018:1:F\r\n")
        await asyncio.sleep(0.02)


async def test_an_unknown_version_is_no_reason_to_refuse(
    make_host_client: Factory, host_box: HostBox, caplog: pytest.LogCaptureFixture
) -> None:
    host_box.home.version = "512"
    client = await make_host_client()
    assert client.firmware == "5.12"
    assert any("does not support" in r.getMessage() for r in caplog.records)
    host_box.script = lambda message: SILENT if message == b"G:V:S" else None
    quiet = await make_host_client()
    assert quiet.connected
    assert quiet.firmware is None


async def test_close_leaves_nothing_running(make_host_client: Factory, host_box: HostBox) -> None:
    client = await make_host_client()
    before = len(asyncio.all_tasks())
    await client.close()
    assert len(asyncio.all_tasks()) < before
    assert not client.connected
    assert client.state is None
    assert client.ac_states == {} or isinstance(next(iter(client.ac_states.values())), ACState)


async def test_a_database_read_that_saw_the_link_drop_is_no_installation(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client(
        heartbeat_interval=0.3, request_timeout=0.2, database_timeout=0.3
    )

    def silent_on_the_first_link(message: Received) -> bytes | None:
        seen_keypads = any(
            isinstance(m, VTHFrame) and m.command == VTHCommand.KEYPAD_NUMBERS
            for _, m in host_box.received
        )
        return SILENT if host_box.connections == 1 and seen_keypads else None

    host_box.script = silent_on_the_first_link
    with pytest.raises(VBoxConnectionError):  # never an installation with keys skipped
        await client.read_installation(with_states=False)
    await wait_until(lambda: host_box.connections == 2 and client.connected)
    installation = await client.read_installation(with_states=False)
    node = installation.node(18)
    assert node is not None
    assert all(k.type.exists for k in node.keys)


async def test_a_database_read_spanning_two_links_is_read_again(
    make_host_client: Factory, host_box: HostBox
) -> None:
    host_box.home.acs.clear()
    del host_box.home.keypads[0]
    # A pause after each answer: the link drops between two requests, not during one.
    client = await make_host_client(request_gap=0.1)

    def answer_then_close(message: Received) -> bytes | None:
        is_key_2 = isinstance(message, VTHFrame) and message.payload == vth.key_params(18, 2)
        if host_box.connections == 1 and is_key_2:
            answer = host_box.answer(message)
            assert isinstance(answer, bytes)
            host_box.push(answer)
            asyncio.get_running_loop().create_task(host_box.drop())  # answered, then gone
            return SILENT
        return None

    host_box.script = answer_then_close
    with pytest.raises(VBoxConnectionError, match="dropped during the database read"):
        await client.read_installation(with_states=False)
    assert host_box.connections == 2
