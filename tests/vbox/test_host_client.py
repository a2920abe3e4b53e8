"""HostClient against a scripted port-11502 box over real loopback sockets: the happy paths."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from custom_components.vitrea.vbox.climate import ACMode, ACState, ACType, FanSpeed
from custom_components.vitrea.vbox.climate import TemperatureUnit as Unit
from custom_components.vitrea.vbox.enums import KeyCategory, KeyPowerStatus, KeyType, Protocol
from custom_components.vitrea.vbox.errors import CommandRejectedError, VBoxError
from custom_components.vitrea.vbox.host.client import HostClient
from custom_components.vitrea.vbox.installation import AirConditioner, Key, Room, Scenario
from custom_components.vitrea.vbox.vtu.replies import KeyStatus

from .conftest import wait_until
from .host_box import HostBox

type Factory = Callable[..., Awaitable[HostClient]]
ON, OFF = KeyPowerStatus.ON, KeyPowerStatus.OFF


async def test_connect_reads_the_database_firmware_and_states(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client()
    assert client.connected
    assert client.firmware == "8.66"
    assert client.protocol is Protocol.HOST
    assert host_box.lines()[:2] == [b"P:VITREA", b"G:V:S"]
    installation = await client.read_installation()
    assert installation.protocol is Protocol.HOST
    assert installation.firmware == "8.66"
    assert installation.rooms == (Room(3, "Salon", 1),)
    node = installation.node(18)
    assert node is not None
    assert (node.mac, node.room_id) == ("", 3)
    assert node.keys == (
        Key(0, KeyType.TOGGLE, KeyCategory.UNDEFINED, "Light"),
        Key(1, KeyType.BOILER, KeyCategory.BOILER, "Boiler"),
        Key(2, KeyType.DIMMER, KeyCategory.LIGHT, "Dimmer"),
        Key(3, KeyType.BLIND, KeyCategory.UNDEFINED, "Blind"),
    )
    keypad0 = installation.node(0)
    assert keypad0 is not None
    assert keypad0.keys == (Key(0, KeyType.SATELLITE, name="Satellite"), Key(1, KeyType.NOT_EXIST))
    assert installation.air_conditioners == (
        AirConditioner(1, "מזגן", ACType.TYPE_2, 3),
        AirConditioner(4, "Floor", ACType.TMSF, 0),
    )
    assert installation.scenarios == (Scenario(12, "Movie", 0),)
    # The states: the sweep's key lines, then each AC asked for.
    assert client.key_states[(18, 1)] == KeyStatus(18, 1, OFF)
    assert (0, 0) not in client.key_states  # a satellite's letter is no load state
    assert client.ac_states[1] == host_box.home.ac_states[1]
    assert b"H:A004:G" in host_box.lines()


async def test_key_commands_follow_the_key_type(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client()
    await client.read_installation()
    await client.set_key(18, 0, ON)
    await client.set_key(18, 1, ON, timer=30)
    await client.set_key(18, 1, OFF)
    await client.set_key(18, 2, ON, dimmer=40)
    await client.set_key(18, 2, ON)  # no level: full, as on 11501
    await client.set_key(18, 2, OFF)
    await client.set_key(18, 3, ON, dimmer=60)
    await client.set_key(18, 3, ON, dimmer=0xFF)  # stop
    await client.set_key(18, 3, OFF)
    await client.set_key(18, 0, KeyPowerStatus.RELEASED)  # nothing to send
    assert host_box.commands() == [
        b"H:N018:1:O:000",
        b"H:N018:2:O:030",
        b"H:N018:2:F",
        b"H:N018:3:D:000:040",
        b"H:N018:3:D:000:100",
        b"H:N018:3:D:000:000",
        b"H:N018:4:B:060",
        b"H:N018:4:B:255",
        b"H:N018:4:B:000",
    ]
    assert client.key_states[(18, 1)] == KeyStatus(18, 1, OFF)
    assert client.key_states[(18, 3)] == KeyStatus(18, 3, OFF, level=0)


async def test_boiler_minutes_and_levels_reach_the_state(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client()
    await client.read_installation()
    await client.set_key(18, 1, ON, timer=45)
    assert client.key_states[(18, 1)] == KeyStatus(18, 1, ON, timer=45)
    await client.set_key(18, 3, ON, dimmer=60)
    assert client.key_states[(18, 3)] == KeyStatus(18, 3, ON, level=60)


async def test_a_push_reaches_listeners_and_a_press_is_not_a_state(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client()
    await client.read_installation()
    seen: list[tuple[KeyStatus, bool]] = []
    client.add_key_listener(lambda status, requested: seen.append((status, requested)))
    host_box.push(b"S:N018:1:O:000\r\nS:N000:1:S\r\n")
    await wait_until(lambda: len(seen) == 2)
    assert seen == [
        (KeyStatus(18, 0, ON), False),
        (KeyStatus(0, 0, KeyPowerStatus.SHORT), False),
    ]
    assert (0, 0) not in client.key_states


async def test_ac_commands(make_host_client: Factory, host_box: HostBox) -> None:
    client = await make_host_client()
    await client.read_installation()
    seen: list[ACState] = []
    client.add_ac_listener(seen.append)
    await client.set_ac(1, setpoint=22)  # one value: its own sub-command
    await client.set_ac(1, mode=ACMode.HEAT, fan=FanSpeed.AUTO)  # several: sub 1
    await client.set_ac(1, on=False)
    await client.set_ac(1, on=True)
    await client.set_ac(4, on=True, setpoint=25)  # TMSF: no mode or fan known
    await client.set_ac(1)  # nothing asked, nothing sent
    assert [c for c in host_box.commands() if c.startswith(b"H:A")] == [
        b"H:A001:5:022",
        b"H:A001:1:O:14:022:0",
        b"H:A001:2:F",
        b"H:A001:2:O",
        b"H:A004:2:O",
        b"H:A004:5:025",
    ]
    assert client.ac_states[1] == ACState(
        1, True, ACMode.HEAT, FanSpeed.AUTO, 22, 26, ACType.TYPE_2, False, Unit.CELSIUS
    )
    assert seen[-1] == client.ac_states[4]


async def test_scenarios_and_their_result(make_host_client: Factory, host_box: HostBox) -> None:
    client = await make_host_client()
    await client.activate_scenario(12)
    with pytest.raises(CommandRejectedError, match="scenario 13"):
        await client.activate_scenario(13)
    assert host_box.commands() == [b"H:R0012", b"H:R0013"]


async def test_led_commands_are_gated_by_firmware(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client()
    with pytest.raises(VBoxError, match=r"firmware 9\.x"):
        await client.set_led(0, 0, True)
    host_box.home.version = "901"
    newer = await make_host_client()
    assert newer.firmware == "9.01"
    await newer.set_led(0, 0, True)
    assert host_box.commands() == [b"L:N000:1:O"]


async def test_check_installation_is_cheap_when_nothing_changed(
    make_host_client: Factory, host_box: HostBox
) -> None:
    client = await make_host_client()
    known = await client.read_installation(with_states=False)
    before = len(host_box.received)
    assert await client.check_installation(known) == known
    assert len(host_box.received) - before == 3  # keypad, AC and scenario lists
    host_box.home.acs[7] = (ACType.TYPE_1, 3, "New")
    host_box.home.ac_states[7] = ACState(7, False)
    fresh = await client.check_installation(known)
    assert fresh.air_conditioner(7) == AirConditioner(7, "New", ACType.TYPE_1, 3)
