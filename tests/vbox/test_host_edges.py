"""HostClient's edges: failed connects, links lost mid-request, results that never come, garbage."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

import pytest

from custom_components.vitrea.vbox.enums import KeyPowerStatus
from custom_components.vitrea.vbox.errors import (
    CannotConnectError,
    CommandRejectedError,
    VBoxConnectionError,
    VBoxTimeoutError,
)
from custom_components.vitrea.vbox.host.client import HostClient
from custom_components.vitrea.vbox.host.lines import KeyLine
from custom_components.vitrea.vbox.host.states import key_status
from custom_components.vitrea.vbox.host.stream import DiscardReason
from custom_components.vitrea.vbox.host.vth import (
    KeyParams,
    VTHCommand,
    VTHFrame,
    ac_params,
    key_params,
    vth_reply,
)
from custom_components.vitrea.vbox.vtu.replies import KeyStatus

from .conftest import FAST_HOST, wait_until
from .host_box import SILENT, HostBox, Later, Received

type Factory = Callable[..., Awaitable[HostClient]]
ON = KeyPowerStatus.ON


async def test_connect_to_a_closed_port_cannot_connect() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = HostClient("127.0.0.1", port, config=FAST_HOST)
    with pytest.raises(CannotConnectError):
        await client.connect()
    assert not client.connected
    await client.close()


async def test_a_box_that_closes_at_once_cannot_connect(host_box: HostBox) -> None:
    host_box.refuse = True
    client = HostClient("127.0.0.1", host_box.port, config=FAST_HOST)
    with pytest.raises(CannotConnectError, match="closed the connection"):
        await client.connect()
    await client.close()


async def test_a_box_that_never_answers_the_keepalive_times_out(
    make_host_client: Factory, host_box: HostBox
) -> None:
    host_box.script = lambda message: SILENT
    with pytest.raises(VBoxTimeoutError, match="P:VITREA"):
        await make_host_client()


async def test_connect_twice_is_a_bug(make_host_client: Factory) -> None:
    client = await make_host_client()
    with pytest.raises(RuntimeError):
        await client.connect()
    assert (client.current_gap, client.unanswered_requests) == (0.0, 0)


async def test_a_link_lost_during_a_command_or_a_database_read_fails_it(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client(request_timeout=5.0, database_timeout=5.0)
    await client.read_installation()

    def drop_on(prefix: bytes) -> Callable[[Received], bytes | None]:
        def script(message: Received) -> bytes | None:
            text = message if isinstance(message, bytes) else b"VTH"
            if text.startswith(prefix):
                asyncio.get_running_loop().call_soon(lambda: asyncio.ensure_future(host_box.drop()))
                return SILENT
            return None

        return script

    host_box.script = drop_on(b"H:N018:1:O")
    with pytest.raises(VBoxConnectionError):
        await client.set_key(18, 0, ON)
    await wait_until(lambda: client.connected)
    host_box.script = drop_on(b"VTH")
    with pytest.raises(VBoxConnectionError):
        await client.read_installation()


async def test_a_scenario_whose_result_never_comes_but_whose_ok_did_ran(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client(request_timeout=0.2)
    host_box.script = lambda message: b"OK\r\nS:R0099:OK\r\n" if message == b"H:R0012" else None
    await client.activate_scenario(12)  # the other scenario's result is not this one's
    host_box.script = lambda message: SILENT if message == b"H:R0012" else None
    with pytest.raises(VBoxTimeoutError):
        await client.activate_scenario(12)
    assert host_box.commands().count(b"H:R0012") == 2  # never retried


async def test_an_unverifiable_command_times_out(
    make_host_client: Factory, host_box: HostBox
) -> None:
    host_box.home.version = "900"
    client = await make_host_client(request_timeout=0.2)
    host_box.script = lambda message: SILENT if message == b"L:N018:1:F" else None
    with pytest.raises(VBoxTimeoutError):
        await client.set_led(18, 0, False)


async def test_a_status_query_never_answered_times_out(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client(request_timeout=0.2)
    host_box.script = lambda message: SILENT if message == b"H:N018:G:1" else None
    with pytest.raises(VBoxTimeoutError):
        await client.key_status(18, 0)


async def test_an_owed_ok_expires(make_host_client: Factory, host_box: HostBox) -> None:
    client = await make_host_client(request_timeout=0.3)
    await client.read_installation()

    def script(message: Received) -> bytes | None:
        if message == b"H:N018:1:O:000":  # done, said by its status line only: owes an OK
            host_box.home.keys[(18, 1)] = ("O", 0)
            return host_box.home.key_line(18, 1)
        if message == b"H:N018:1:F":  # only an OK: taken as the owed one, this would fail
            return b"OK\r\n"
        return None

    host_box.script = script
    await client.set_key(18, 0, ON)
    await asyncio.sleep(0.35)  # longer than an owed OK may be late
    await client.set_key(18, 0, KeyPowerStatus.OFF)
    # Its own OK answered it: not asked for, not sent again.
    assert host_box.lines()[-2:] == [b"H:N018:1:O:000", b"H:N018:1:F"]


async def test_garbage_frames_are_counted_and_captured(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client()
    host_box.push(b"VTH<\x07\x00\x02\x00\x00" + b"x" * 600 + b"\r\n")
    await wait_until(lambda: client.discarded[DiscardReason.BAD_CHECKSUM] == 1)
    await wait_until(lambda: client.discarded[DiscardReason.LINE_TOO_LONG] == 1)
    assert [d.reason for d in client.capture.discards()] == ["bad_checksum", "line_too_long"]
    assert client.capture.to_dict()["frames"][0]["source"] == "host"


async def test_tracking_and_forgetting_keys(make_host_client: Factory, host_box: HostBox) -> None:
    client = await make_host_client()
    await client.read_key_states([(18, 0), (18, 1)])
    assert client.key_states[(18, 0)] == KeyStatus(18, 0, KeyPowerStatus.OFF)
    client.untrack_keys([(18, 0)])
    assert (18, 0) not in client.key_states
    client.forget_states([(18, 1)])
    assert (18, 1) not in client.key_states


async def test_a_sweep_with_no_key_known_still_takes_its_lines_as_state(
    make_host_client: Factory, host_box: HostBox
) -> None:
    host_box.home.keys[(0, 1)] = ("S", None)
    client = await make_host_client()
    seen: list[tuple[KeyStatus, bool]] = []
    client.add_key_listener(lambda status, requested: seen.append((status, requested)))
    host_box.script = lambda message: (
        [host_box.home.key_line(18, 1), Later(0.05, host_box.home.key_line(0, 1))]
        if message == b"H:NALL:G"
        else None
    )
    await client.read_key_states([])
    assert (KeyStatus(0, 0, KeyPowerStatus.SHORT), True) in seen


async def test_a_vth_reply_with_nothing_waiting_is_dropped(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client()
    host_box.push(vth_reply(VTHCommand.AC_NUMBERS, b"\x00"))
    await client.set_key(18, 0, ON)
    assert client.key_states[(18, 0)].is_on


@pytest.mark.parametrize(
    "line",
    [
        KeyLine(18, 0, "O"),
        KeyLine(18, 1, "D", 300),
        KeyLine(18, 1, "o", 70000),
        KeyLine(18, 1, "d", 1),
    ],
)
def test_key_lines_the_model_has_no_state_for(line: KeyLine) -> None:
    assert key_status(line) is None


async def test_a_query_for_a_key_the_box_does_not_have_is_rejected(
    make_host_client: Factory,
) -> None:
    client = await make_host_client()
    with pytest.raises(CommandRejectedError, match="Wrong key number"):
        await client.key_status(18, 8)


async def test_ac_lines_in_the_sweep_are_states_too(
    make_host_client: Factory, host_box: HostBox
) -> None:
    host_box.home.sweep_acs = True
    client = await make_host_client()
    await client.read_key_states([(18, 0)])
    assert client.ac_states == host_box.home.ac_states


async def test_keypad_zero_answered_as_256_is_keypad_zero(
    make_host_client: Factory, host_box: HostBox
) -> None:
    def script(message: Received) -> bytes | None:
        if isinstance(message, VTHFrame) and message.payload == key_params(0, 1):
            return vth_reply(VTHCommand.KEY_PARAMS, KeyParams(256, 1, 12, 3, "Sat").to_payload())
        return None

    host_box.script = script
    client = await make_host_client()
    installation = await client.read_installation(with_states=False)
    node = installation.node(0)
    assert node is not None
    assert (node.keys[0].name, node.room_id) == ("Sat", 3)


async def test_an_ac_of_a_type_that_is_no_digit_is_skipped(
    make_host_client: Factory, host_box: HostBox
) -> None:
    def script(message: Received) -> bytes | None:
        if isinstance(message, VTHFrame) and message.payload == ac_params(4):
            return vth_reply(VTHCommand.AC_PARAMS, b"\x00\x04X\x00\x00\x00")
        return None

    host_box.script = script
    client = await make_host_client()
    installation = await client.read_installation(with_states=False)
    assert [a.id for a in installation.air_conditioners] == [1]


async def test_an_ok_after_a_scenario_result_is_that_scenario_s(
    make_host_client: Factory, host_box: HostBox
) -> None:
    held: list[Received] = []

    def script(message: Received) -> bytes | None:
        if message == b"H:R0012":
            return b"S:R0012:OK\r\n"  # its OK only later
        if message == b"L:N018:1:O":
            held.append(message)
            return SILENT
        return None

    host_box.home.version = "900"
    client = await make_host_client(request_timeout=5.0)
    host_box.script = script
    await client.activate_scenario(12)
    led = asyncio.create_task(client.set_led(18, 0, True))
    await wait_until(lambda: bool(held))
    host_box.push(b"OK\r\n")  # the scenario's
    await wait_until(lambda: _ok_count(client) == 1)
    for _ in range(3):
        await asyncio.sleep(0)
    assert not led.done()
    host_box.push(b"OK\r\n")  # the LED's
    await led


def _ok_count(client: HostClient) -> int:
    return sum(f.data == b"OK" for f in client.capture.frames())
