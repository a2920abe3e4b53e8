"""Port 11502 of the fake vBox over loopback: raw lines and VTH frames in, exact bytes out.

The expected lines and frames are written out by hand from docs/vbox-protocol.md
§3-4 (the VTH vectors are the doc's own), not produced by the codec under test.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from custom_components.vitrea.vbox.climate import ACState, ACType
from custom_components.vitrea.vbox.enums import KeyCategory, KeyPowerStatus, KeyType
from custom_components.vitrea.vbox.installation import (
    AirConditioner,
    Installation,
    Key,
    Node,
    Room,
    Scenario,
)
from custom_components.vitrea.vbox.vtu import messages as m
from simulator import (
    PressKind,
    SceneStep,
    VBoxSimulator,
    demo_installation,
    host_extras,
    large_installation,
    load_installation,
)
from simulator.host_server import HostSimulator

from ..common import wait_until
from .conftest import ACK
from .raw_clients import HostPeer, Peers, name, vth
from .test_server import Peer

ON, OFF = KeyPowerStatus.ON, KeyPowerStatus.OFF

# H:NALL:G on the demo home: every existing key in node order, then every AC.
DEMO_SWEEP = [
    b"S:N001:1:F:000",
    b"S:N001:2:F:000",
    b"S:N001:3:F:000",
    b"S:N001:4:R",  # scenario keys report their last letter: R before any press
    b"S:N001:5:R",
    b"S:N002:1:D:060",
    b"S:N002:2:D:000",
    b"S:N002:3:D:000",
    b"S:N003:1:B:040",
    b"S:N003:2:B:000",
    b"S:N005:1:F:000",
    b"S:N005:2:F:000",
    b"S:N005:3:F:000",
    b"S:N005:4:F:000",
    b"S:N006:1:O:000",
    b"S:N006:2:F:000",
    b"S:N008:1:F:000",
    b"S:N008:2:D:000",
    b"S:N008:3:B:000",
    b"S:N008:4:R",
    b"S:N008:5:R",
    b"S:N011:1:D:000",
    b"S:N011:2:D:000",
    b"S:N011:3:F:000",
    b"S:N013:1:D:000",
    b"S:N013:2:D:000",
    b"S:N014:1:B:000",
    b"S:N016:1:f:000",
    b"S:N020:1:O:000",
    b"S:N020:2:F:000",
    b"S:N020:3:F:000",
    b"S:N022:1:F:000",
    b"S:N022:2:F:000",
    b"S:N022:3:R",
    b"S:N022:4:R",
    b"S:N025:1:F:000",
    b"S:N031:1:F:000",
    b"S:A001:1:O:04:024:027:2:F:0",
    b"S:A002:1:F:10:022:021:1:F:0",
    b"S:A003:1:F:44:072:075:3:F:1",
    b"S:A007:1:O:14:028:024:4:O:0",  # the floor heating calls for heat: relay on
]


# ----------------------------------------------------------------------- session


async def test_keepalive_and_version(peer: HostPeer) -> None:
    assert await peer.ask(b"P:VITREA") == [b"S:PSW:OK"]
    assert await peer.ask(b"G:V:S") == [b"V:866"]
    assert await peer.ask(b"P:VITREA") == [b"S:PSW:OK"]  # at any time


async def test_commands_before_the_keepalive_are_answered(
    peer: HostPeer, caplog: pytest.LogCaptureFixture
) -> None:
    assert await peer.ask(b"G:V:S") == [b"V:866"]
    assert "before P:VITREA" in caplog.text


async def test_the_version_is_a_knob(box: VBoxSimulator) -> None:
    host = HostSimulator(box, version="910")
    await host.start()
    peer = await HostPeer.open(host.port)
    try:
        assert await peer.ask(b"G:V:S") == [b"V:910"]
        host.version = "1003"
        assert await peer.ask(b"G:V:S") == [b"V:1003"]
        with pytest.raises(ValueError, match="digits"):
            host.version = "8.6x"
        assert host.version == "1003"
    finally:
        await peer.close()
        await host.stop()


async def test_lines_split_across_writes_and_joined_in_one(peer: HostPeer) -> None:
    await peer.write(b"P:VIT")
    await peer.nothing(0.05)
    await peer.write(b"REA\r\nG:V")
    assert await peer.line() == b"S:PSW:OK"
    await peer.write(b":S\r\nP:VITREA\r\n")
    assert await peer.lines(2) == [b"V:866", b"S:PSW:OK"]


async def test_a_silent_client_is_dropped_after_the_idle_timeout(
    host: HostSimulator, peers: Peers
) -> None:
    host.idle_timeout = 0.3
    silent, talking = await peers(), await peers()
    for _ in range(4):  # 0.4 s of keep-alives, each well within the timeout
        assert await talking.ask(b"P:VITREA") == [b"S:PSW:OK"]
        await asyncio.sleep(0.1)
    assert await silent.until_eof() == b""
    assert await talking.ask(b"P:VITREA") == [b"S:PSW:OK"]
    assert host.connected_clients == 1


async def test_idle_timeout_zero_never_drops(host: HostSimulator, peer: HostPeer) -> None:
    host.idle_timeout = 0
    await peer.nothing(0.3)
    assert await peer.ask(b"P:VITREA") == [b"S:PSW:OK"]


# ----------------------------------------------------------------------- status


async def test_the_sweep_reports_every_key_and_ac(peer: HostPeer) -> None:
    assert await peer.ask(b"H:NALL:G", len(DEMO_SWEEP)) == DEMO_SWEEP
    await peer.nothing()  # no OK after a query


@pytest.mark.parametrize(
    ("query", "answer"),
    [
        (b"H:N002:G", [b"S:N002:1:D:060", b"S:N002:2:D:000", b"S:N002:3:D:000"]),
        (b"H:N002:G:1", [b"S:N002:1:D:060"]),
        (b"H:N002:1:G", [b"S:N002:1:D:060"]),  # the other source's order
        (b"H:N003:G:1", [b"S:N003:1:B:040"]),
        (b"H:N016:G:1", [b"S:N016:1:f:000"]),
        (b"H:A007:G", [b"S:A007:1:O:14:028:024:4:O:0"]),
        (b"H:N099:G", [b"E:6:node not found"]),
        (b"H:N002:G:7", [b"E:3:wrong key number"]),
        (b"H:N013:G:3", [b"E:3:wrong key number"]),  # a position without a key
        (b"H:A009:G", [b"E:6:node not found"]),
        (b"H:I001:G", [b"E:4:wrong input"]),
        (b"H:X:G", [b"E:1:wrong command"]),
        (b"garbage", [b"E:1:wrong command"]),
        (b"H:N002:1:D:100", [b"E:1:wrong command"]),  # dimmer up/down: meaning unknown
    ],
)
async def test_queries_and_errors(peer: HostPeer, query: bytes, answer: list[bytes]) -> None:
    assert await peer.ask(query, len(answer)) == answer
    await peer.nothing(0.05)


# ----------------------------------------------------------------------- keys


async def test_a_key_command_is_ok_then_its_state_on_both_ports(
    box: VBoxSimulator, peers: Peers, vtu: Peer
) -> None:
    sender, other = await peers(), await peers()
    assert await sender.ask(b"H:N001:1:O:000", 2) == [b"OK", b"S:N001:1:O:000"]
    assert await other.line() == b"S:N001:1:O:000"
    assert await vtu.message() == (0, m.KeyStatus(1, 0, ON, 0, 0, b"\0\0"))
    assert box.key_state(1, 0).status is ON

    assert await sender.ask(b"H:N001:1:F", 2) == [b"OK", b"S:N001:1:F:000"]
    assert await other.line() == b"S:N001:1:F:000"
    assert box.key_state(1, 0).status is OFF


async def test_a_boiler_on_a_timer_reports_its_minutes(peer: HostPeer) -> None:
    assert await peer.ask(b"H:N016:1:O:030", 2) == [b"OK", b"S:N016:1:o:030"]
    # The box's 0.05 s minutes run out: it turns the boiler off by itself and says so.
    assert await peer.line(timeout=5) == b"S:N016:1:f:000"


async def test_toggle_back_to_the_previous_state(peer: HostPeer) -> None:
    assert await peer.ask(b"H:N020:1:T", 2) == [b"OK", b"S:N020:1:F:000"]
    assert await peer.ask(b"H:N020:1:T", 2) == [b"OK", b"S:N020:1:O:000"]


async def test_dimmer_levels_stop_and_recall(peer: HostPeer) -> None:
    assert await peer.ask(b"H:N002:2:D:000:075", 2) == [b"OK", b"S:N002:2:D:075"]
    assert await peer.ask(b"H:N002:2:D:000:000", 2) == [b"OK", b"S:N002:2:D:000"]
    assert await peer.ask(b"H:N002:2:D:000:254", 2) == [b"OK", b"S:N002:2:D:075"]  # recall
    assert await peer.ask(b"H:N002:2:D:000:255", 2) == [b"OK", b"S:N002:2:D:075"]  # stop
    assert await peer.ask(b"H:N002:2:F", 2) == [b"OK", b"S:N002:2:D:000"]
    assert await peer.ask(b"H:N002:2:O:000", 2) == [b"OK", b"S:N002:2:D:075"]
    assert await peer.ask(b"H:N002:2:D:000:101") == [b"E:1:wrong command"]
    assert await peer.ask(b"H:N001:1:D:000:050") == [b"E:1:wrong command"]  # not a dimmer


async def test_blind_positions_and_stop(peer: HostPeer) -> None:
    assert await peer.ask(b"H:N003:1:B:070", 2) == [b"OK", b"S:N003:1:B:070"]
    assert await peer.ask(b"H:N003:1:B:255", 2) == [b"OK", b"S:N003:1:B:070"]
    assert await peer.ask(b"H:N003:1:B:000", 2) == [b"OK", b"S:N003:1:B:000"]
    assert await peer.ask(b"H:N003:1:B:101") == [b"E:1:wrong command"]
    assert await peer.ask(b"H:N001:1:B:050") == [b"E:1:wrong command"]  # not a blind


async def test_key_commands_to_what_does_not_exist(peer: HostPeer) -> None:
    assert await peer.ask(b"H:N099:1:O:000") == [b"E:6:node not found"]
    assert await peer.ask(b"H:N001:6:O:000") == [b"E:3:wrong key number"]
    assert await peer.ask(b"H:N001:0:O:000") == [b"E:3:wrong key number"]


async def test_on_to_a_press_key_is_a_press_on_both_ports(peer: HostPeer, vtu: Peer) -> None:
    assert await peer.ask(b"H:N008:4:O:000", 2) == [b"OK", b"S:N008:4:S"]
    _, push = await vtu.message()
    assert isinstance(push, m.KeyStatus)
    assert (push.node_id, push.key_id, push.status) == (8, 3, KeyPowerStatus.SHORT)
    assert await peer.ask(b"H:N008:G:4") == [b"S:N008:4:S"]  # its last letter


async def test_a_wall_press_and_an_11501_command_reach_11502(
    box: VBoxSimulator, peer: HostPeer, vtu: Peer
) -> None:
    assert await vtu.ask(m.ToggleKeyStatus(5, 2, ON)) == ACK
    assert await peer.line() == b"S:N005:3:O:000"

    await box.press_key(22, 2, PressKind.LONG)
    assert await peer.line() == b"S:N022:3:L"
    await box.press_key(22, 2, PressKind.RELEASE)
    assert await peer.line() == b"S:N022:3:R"

    await box.set_key_state(11, 1, ON, 35)
    assert await peer.line() == b"S:N011:2:D:035"


async def test_led_commands_need_firmware_9(host: HostSimulator, peer: HostPeer) -> None:
    assert await peer.ask(b"L:N008:4:O") == [b"E:1:wrong command"]
    assert host.led(8, 3) is False
    host.version = "910"
    assert await peer.ask(b"L:N008:4:O") == [b"OK"]
    assert host.led(8, 3) is True
    assert await peer.ask(b"L:N008:4:F") == [b"OK"]
    assert host.led(8, 3) is False
    assert await peer.ask(b"L:N099:1:O") == [b"E:6:node not found"]
    host.version = "012"
    assert await peer.ask(b"L:N022:4:O") == [b"OK"]


# ----------------------------------------------------------------------- scenarios


async def test_a_scenario_answers_and_changes_its_keys_on_both_ports(
    box: VBoxSimulator, peers: Peers, vtu: Peer
) -> None:
    sender, other = await peers(), await peers()
    assert await sender.ask(b"H:R0005", 5) == [
        b"OK",
        b"S:R0005:OK",
        b"S:N002:1:D:020",
        b"S:N002:2:D:000",
        b"S:N003:1:B:000",
    ]
    assert await other.lines(3) == [b"S:N002:1:D:020", b"S:N002:2:D:000", b"S:N003:1:B:000"]
    pushed = [await vtu.message() for _ in range(3)]
    assert [(p.node_id, p.key_id, p.level) for _, p in pushed if isinstance(p, m.KeyStatus)] == [
        (2, 0, 20),
        (2, 1, 0),
        (3, 0, 0),
    ]
    assert box.key_state(3, 0).status is OFF


async def test_an_unknown_scenario_is_an_error(peer: HostPeer) -> None:
    assert await peer.ask(b"H:R0099") == [b"S:R0099:ERROR"]
    await peer.nothing()


async def test_a_scenario_without_effects_still_answers(box: VBoxSimulator) -> None:
    host = HostSimulator(box)  # no scenario effects given
    await host.start()
    peer = await HostPeer.open(host.port)
    try:
        assert await peer.ask(b"H:R0012", 2) == [b"OK", b"S:R0012:OK"]
        await peer.nothing()
    finally:
        await peer.close()
        await host.stop()


# ----------------------------------------------------------------------- ACs


@pytest.mark.parametrize(
    ("command", "status"),
    [
        (b"H:A001:2:F", b"S:A001:1:F:04:024:027:2:F:0"),
        (b"H:A001:3:1", b"S:A001:1:O:14:024:027:2:F:0"),
        (b"H:A001:4:2", b"S:A001:1:O:02:024:027:2:F:0"),
        (b"H:A001:5:026", b"S:A001:1:O:04:026:027:2:F:0"),
        (b"H:A001:5:040", b"S:A001:1:O:04:030:027:2:F:0"),  # clamped to 15-30 °C
        (b"H:A001:5:005", b"S:A001:1:O:04:015:027:2:F:0"),
        (b"H:A001:6", b"S:A001:1:O:04:025:027:2:F:0"),
        (b"H:A001:7", b"S:A001:1:O:04:023:027:2:F:0"),
        (b"H:A001:8:1", b"S:A001:1:O:04:075:081:2:F:1"),  # to °F: both temperatures convert
        (b"H:A002:1:O:21:023:0", b"S:A002:1:O:21:023:021:1:F:0"),  # full set: also on
        (b"H:A002:2:O", b"S:A002:1:O:10:022:021:1:F:0"),
        (b"H:A003:3:4", b"S:A003:1:F:44:072:075:3:F:1"),  # type 3 offers AUTO
        (b"H:A003:5:095", b"S:A003:1:F:44:090:075:3:F:1"),  # clamped to 60-90 °F
        (b"H:A003:8:0", b"S:A003:1:F:44:022:024:3:F:0"),  # to °C
        (b"H:A007:2:F", b"S:A007:1:F:14:028:024:4:F:0"),  # the relay needs it on
        (b"H:A007:5:022", b"S:A007:1:O:14:022:024:4:F:0"),  # warm enough: relay off
    ],
)
async def test_ac_sub_commands(peers: Peers, command: bytes, status: bytes) -> None:
    sender, other = await peers(), await peers()
    assert await sender.ask(command, 2) == [b"OK", status]
    assert await other.line() == status
    assert await sender.ask(command[:6] + b":G") == [status]


@pytest.mark.parametrize(
    "command",
    [
        b"H:A002:3:4",  # type 1 has no AUTO
        b"H:A002:3:3",  # nobody offers DRY
        b"H:A001:4:3",  # nor TOP
        b"H:A003:4:0",  # type 3 has no fan speeds
        b"H:A007:3:1",  # TMSF: on and off only
        b"H:A007:1:O:14:025:0",
        b"H:A001:1:O:09:024:0",  # an unknown fan code
        b"H:A001:8:2",  # an unknown unit
        b"H:A001:9",  # no sub-command 9
        b"H:A001:3",  # a mode without its value
    ],
)
async def test_ac_commands_the_ac_refuses(
    host: HostSimulator, peer: HostPeer, command: bytes
) -> None:
    before = [host.ac_state(ac) for ac in (1, 2, 3, 7)]
    assert await peer.ask(command) == [b"E:1:wrong command"]
    await peer.nothing(0.05)
    assert [host.ac_state(ac) for ac in (1, 2, 3, 7)] == before


async def test_an_unknown_ac(peer: HostPeer) -> None:
    assert await peer.ask(b"H:A009:2:O") == [b"E:6:node not found"]


async def test_a_sensor_change_is_pushed(host: HostSimulator, peer: HostPeer) -> None:
    await host.set_ac_temperature(7, 29)
    assert await peer.line() == b"S:A007:1:O:14:028:029:4:F:0"
    with pytest.raises(KeyError):
        await host.set_ac_temperature(9, 20)


# ----------------------------------------------------------------------- VTH database


def two_keypad_home() -> Installation:
    """The home of the doc's VTH vectors (§4.6): keypads 0 and 18, ACs 1 and 2."""
    return Installation(
        rooms=(Room(3, "Hall", 1),),
        nodes=(
            Node(0, "", 0, 3, (Key(0, KeyType.TOGGLE, name="A"), Key(1, KeyType.TOGGLE))),
            Node(
                18,
                "",
                0,
                3,
                (
                    Key(0, KeyType.TOGGLE, KeyCategory.FAN, "Fan"),
                    Key(1, KeyType.BOILER, KeyCategory.BOILER, "Boiler"),
                    Key(2, KeyType.NOT_EXIST),
                    Key(3, KeyType.SATELLITE, name="Sat"),
                ),
            ),
        ),
        air_conditioners=(
            AirConditioner(1, "AC", ACType.TYPE_2, 3),
            AirConditioner(2, "מזגן", ACType.TMSF),
        ),
        scenarios=(Scenario(5, "Night", 3),),
    )


@pytest.fixture
async def vth_peer() -> AsyncIterator[HostPeer]:
    box = VBoxSimulator(two_keypad_home())
    host = HostSimulator(box)
    await host.start()  # port 11502 alone: 11501 is not served
    peer = await HostPeer.open(host.port)
    try:
        yield peer
    finally:
        await peer.close()
        await host.stop()


@pytest.mark.parametrize(
    ("request_hex", "reply"),
    [
        # The doc's vectors (§4.2 requests, §4.6 replies).
        ("56 54 48 3E 05 00 01 36", "56 54 48 3C 05 00 09 00 02 00 00 02 00 12 04 56"),
        ("56 54 48 3E 07 00 01 38", "56 54 48 3C 07 00 06 02 00 01 00 02 40"),
        (
            "56 54 48 3E 08 00 03 00 01 3C",
            "56 54 48 3C 08 00 0B 00 01 32 00 03 04 41 00 43 00 FF",
        ),
        (
            "56 54 48 3E 06 00 04 00 12 02 4E",
            "56 54 48 3C 06 00 14 00 12 02 0A 00 03 0C 42 00 6F 00 69 00 6C 00 65 00 72 00 D2",
        ),
        # Hand-built from §4.2 and §4.4.
        ("56 54 48 3E 01 00 01 32", vth(0x01, b"\x01\x00\x01").hex(" ")),
        ("56 54 48 3E 02 00 03 00 01 36", vth(0x02, b"\x00\x01" + name("Floor 1")).hex(" ")),
        ("56 54 48 3E 03 00 02 00 35", vth(0x03, b"\x01\x00\x03").hex(" ")),
        ("56 54 48 3E 04 00 03 00 03 3A", vth(0x04, b"\x00\x03\x00\x01" + name("Hall")).hex(" ")),
        # Keypad 0 requested as 256 (§4.3) answers as keypad 0.
        (
            "56 54 48 3E 06 00 04 01 00 01 3C",
            vth(0x06, b"\x00\x00\x01\x01\x00\x03" + name("A")).hex(" "),
        ),
        (
            vth(0x06, b"\x00\x12\x01", 0x3E).hex(" "),
            vth(0x06, b"\x00\x12\x01\x12\x00\x03" + name("Fan")).hex(" "),
        ),
        (
            vth(0x06, b"\x00\x12\x03", 0x3E).hex(" "),
            vth(0x06, b"\x00\x12\x03\x00\x00\x03" + name("")).hex(" "),
        ),
        (
            vth(0x06, b"\x00\x12\x04", 0x3E).hex(" "),
            vth(0x06, b"\x00\x12\x04\x0c\x00\x03" + name("Sat")).hex(" "),
        ),
        (
            vth(0x08, b"\x00\x02", 0x3E).hex(" "),
            vth(0x08, b"\x00\x02\x34\x00\x00" + name("מזגן")).hex(" "),
        ),
        ("56 54 48 3E 09 00 01 3A", vth(0x09, b"\x01\x00\x05").hex(" ")),
        ("56 54 48 3E 0A 00 03 00 05 42", vth(0x0A, b"\x00\x05\x00\x03" + name("Night")).hex(" ")),
    ],
)
async def test_vth_requests_get_their_replies(
    vth_peer: HostPeer, request_hex: str, reply: str
) -> None:
    await vth_peer.write(bytes.fromhex(request_hex))
    assert (await vth_peer.frame()).hex(" ") == bytes.fromhex(reply).hex(" ")


@pytest.mark.parametrize(
    "request_frame",
    [
        vth(0x06, b"\x00\x12\x05", 0x3E),  # keypad 18 has 4 keys
        vth(0x06, b"\x00\x07\x01", 0x3E),  # no keypad 7
        vth(0x02, b"\x00\x09", 0x3E),
        vth(0x04, b"\x00\x09", 0x3E),
        vth(0x08, b"\x00\x09", 0x3E),
        vth(0x0A, b"\x00\x09", 0x3E),
        vth(0x0A, b"\x00", 0x3E),  # too short to read
        vth(0x0B, b"", 0x3E),  # no such command
    ],
)
async def test_vth_requests_for_nothing_get_no_reply(
    vth_peer: HostPeer, request_frame: bytes
) -> None:
    await vth_peer.write(request_frame)
    await vth_peer.nothing()
    assert await vth_peer.ask(b"P:VITREA") == [b"S:PSW:OK"]  # and the link goes on


async def test_vth_and_lines_interleave_in_one_write(vth_peer: HostPeer) -> None:
    await vth_peer.write(b"P:VITREA\r\n" + bytes.fromhex("56 54 48 3E 07 00 01 38") + b"G:V:S\r\n")
    assert await vth_peer.line() == b"S:PSW:OK"
    assert await vth_peer.frame() == bytes.fromhex("56 54 48 3C 07 00 06 02 00 01 00 02 40")
    assert await vth_peer.line() == b"V:866"


async def test_the_database_follows_a_restart_with_a_new_home(
    box: VBoxSimulator, host: HostSimulator, peers: Peers
) -> None:
    await box.restart(two_keypad_home())
    peer = await peers()
    await peer.write(bytes.fromhex("56 54 48 3E 07 00 01 38"))
    assert await peer.frame() == bytes.fromhex("56 54 48 3C 07 00 06 02 00 01 00 02 40")
    assert await peer.ask(b"H:A002:G") == [b"S:A002:1:F:14:024:026:4:F:0"]
    assert await peer.ask(b"H:A003:G") == [b"E:6:node not found"]
    await wait_until(lambda: host.connected_clients == 1)


async def test_commands_in_one_write_are_carried_out_in_order(peer: HostPeer) -> None:
    await peer.send(b"H:N001:1:O:000", b"H:N001:1:F", b"H:N008:4:F", b"G:V:S")
    assert await peer.lines(7) == [
        b"OK",
        b"S:N001:1:O:000",
        b"OK",
        b"S:N001:1:F:000",
        b"OK",
        b"S:N008:4:R",  # F on a press key: a release
        b"V:866",
    ]


async def test_keys_beyond_the_one_digit_key_field(box: VBoxSimulator) -> None:
    """A keypad of 10 keys: the 10th cannot be addressed in a line, only listed."""
    keys = tuple(Key(k, KeyType.TOGGLE, name=f"K{k}") for k in range(10))
    home = Installation(nodes=(Node(4, "", 0, 0, keys),))
    await box.restart(home)
    host = HostSimulator(box)
    await host.start()
    peer = await HostPeer.open(host.port)
    try:
        sweep = await peer.ask(b"H:NALL:G", 9)
        assert sweep == [b"S:N004:%d:F:000" % digit for digit in range(1, 10)]
        await peer.nothing()
        await box.set_key_state(4, 9, ON)  # pushed on 11501 only
        await peer.nothing()
        await peer.write(vth(0x05, b"", 0x3E))
        assert await peer.frame() == vth(0x05, b"\x00\x01\x00\x04\x0a")
    finally:
        await peer.close()
        await host.stop()


# ----------------------------------------------------------------------- homes


def test_large_homes_have_a_few_acs_of_every_type_and_scenarios() -> None:
    assert large_installation(0).air_conditioners == ()
    assert large_installation(0).scenarios == ()
    small = large_installation(4)
    assert [(ac.id, ac.type) for ac in small.air_conditioners] == [(1, ACType.TYPE_1)]
    assert [s.id for s in small.scenarios] == [1]
    big = large_installation(64)
    assert [ac.type for ac in big.air_conditioners] == list(ACType)
    assert len(big.scenarios) == 3
    states, scenes = host_extras("large:64", big)
    assert states == []
    assert scenes[2] == tuple(SceneStep(n.id, 0, OFF) for n in big.nodes[4:8])


async def test_a_large_home_is_served_with_its_acs_and_scenarios() -> None:
    home = large_installation(16)
    box = VBoxSimulator(home)
    states, scenes = host_extras("large:16", home)
    host = HostSimulator(box, ac_states=states, scenes=scenes)
    await host.start()
    peer = await HostPeer.open(host.port)
    try:
        assert await peer.ask(b"H:N001:1:O:000", 2) == [b"OK", b"S:N001:1:O:000"]
        assert await peer.ask(b"H:R0001", 6) == [
            b"OK",
            b"S:R0001:OK",
            *(
                b"S:N%03d:1:%s" % (n.id, b"F:000" if n.keys[0].type is KeyType.TOGGLE else b"D:000")
                for n in home.nodes[:4]
            ),
        ]
        assert await peer.ask(b"H:A001:G") == [b"S:A001:1:F:00:024:026:1:F:0"]
    finally:
        await peer.close()
        await host.stop()


async def test_a_home_file_with_acs_and_scenarios(tmp_path: Path) -> None:
    document = two_keypad_home().to_dict()
    path = tmp_path / "home.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    home, _states = load_installation(str(path))
    assert home == two_keypad_home()
    assert host_extras(str(path), home) == ([], {})
    host = HostSimulator(VBoxSimulator(home))
    await host.start()
    peer = await HostPeer.open(host.port)
    try:
        assert await peer.ask(b"H:R0005", 2) == [b"OK", b"S:R0005:OK"]
        assert await peer.ask(b"H:A001:G") == [b"S:A001:1:F:00:024:026:2:F:0"]
    finally:
        await peer.close()
        await host.stop()


def test_ac_states_must_name_an_ac() -> None:
    with pytest.raises(ValueError, match="AC 9"):
        HostSimulator(VBoxSimulator(demo_installation()), ac_states=[ACState(9, True)])
    with pytest.raises(ValueError, match="negative"):
        HostSimulator(VBoxSimulator(demo_installation()), push_delay=-1)
