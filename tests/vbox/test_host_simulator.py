"""HostClient end to end against the simulator's port 11502, on the same home as its port 11501."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest

from custom_components.vitrea.vbox import (
    ACMode,
    ACType,
    CommandRejectedError,
    ConnectionState,
    FanSpeed,
    HostClient,
    KeyPowerStatus,
    KeyType,
    Protocol,
    detect_protocol,
)
from custom_components.vitrea.vbox.host.database import key_type_from_vth, key_type_to_vth
from custom_components.vitrea.vbox.host.vth import VTHCommand
from custom_components.vitrea.vbox.vtu.replies import KeyStatus
from simulator import (
    HostSimulator,
    PressKind,
    VBoxSimulator,
    demo_installation,
    demo_states,
)

from ..common import running_box, running_demo_host_port
from .conftest import FAST_HOST, wait_until

ON, OFF = KeyPowerStatus.ON, KeyPowerStatus.OFF


@pytest.fixture
async def box() -> AsyncIterator[VBoxSimulator]:
    async with running_box(demo_installation(), demo_states()) as sim:
        yield sim


@pytest.fixture
async def host(box: VBoxSimulator) -> AsyncIterator[HostSimulator]:
    async with running_demo_host_port(box) as port:
        yield port


@pytest.fixture
async def client(host: HostSimulator) -> AsyncIterator[HostClient]:
    connected = HostClient("127.0.0.1", host.port, config=FAST_HOST)
    await connected.connect()
    try:
        yield connected
    finally:
        await connected.close()


def _first(box: VBoxSimulator, key_type: KeyType) -> tuple[int, int]:
    return next((n.id, k.id) for n in box.installation.nodes for k in n.keys if k.type is key_type)


async def test_the_same_home_on_both_ports(box: VBoxSimulator, client: HostClient) -> None:
    installation = await client.read_installation()
    home = box.installation
    assert installation.protocol is Protocol.HOST
    assert client.firmware == "8.66"
    assert [n.id for n in installation.nodes] == [n.id for n in home.nodes]
    for node in installation.nodes:
        expected = home.node(node.id)
        assert expected is not None
        # Each key as VTH carries it: its type through the VTH table and back.
        assert [k.type for k in node.keys] == [
            key_type_from_vth(key_type_to_vth(k.type, k.category))[0] for k in expected.keys
        ]
    assert installation.air_conditioners == home.air_conditioners
    assert {a.type for a in installation.air_conditioners} == set(ACType)
    assert [s.id for s in installation.scenarios] == [s.id for s in home.scenarios]
    toggle = _first(box, KeyType.TOGGLE)
    assert client.key_states[toggle].status is box.key_state(*toggle).status
    assert set(client.ac_states) == {a.id for a in home.air_conditioners}


async def test_a_command_on_11502_changes_the_home_and_a_wall_change_reaches_11502(
    box: VBoxSimulator, client: HostClient
) -> None:
    await client.read_installation()
    dimmer = _first(box, KeyType.DIMMER)
    await client.set_key(*dimmer, ON, dimmer=35)
    assert (box.key_state(*dimmer).status, box.key_state(*dimmer).level) == (ON, 35)
    assert client.key_states[dimmer] == KeyStatus(*dimmer, ON, level=35)
    toggle = _first(box, KeyType.TOGGLE)
    await box.set_key_state(*toggle, OFF)
    await wait_until(lambda: not client.key_states[toggle].is_on)
    await box.set_key_state(*toggle, ON)
    await wait_until(lambda: client.key_states[toggle].is_on)


async def test_a_wall_press_reaches_11502_as_a_press(
    box: VBoxSimulator, client: HostClient
) -> None:
    await client.read_installation()
    seen: list[tuple[KeyStatus, bool]] = []
    client.add_key_listener(lambda status, requested: seen.append((status, requested)))
    satellite = _first(box, KeyType.SATELLITE)
    await box.press_key(*satellite, PressKind.SHORT)
    await wait_until(lambda: bool(seen))
    assert seen == [(KeyStatus(*satellite, KeyPowerStatus.SHORT), False)]


async def test_boiler_timer_and_blind_position(box: VBoxSimulator, client: HostClient) -> None:
    await client.read_installation()
    boiler = _first(box, KeyType.BOILER)
    await client.set_key(*boiler, ON, timer=30)
    assert client.key_states[boiler].is_on
    assert box.key_state(*boiler).timer == 30
    blind = _first(box, KeyType.BLIND)
    await client.set_key(*blind, ON, dimmer=40)
    assert box.key_state(*blind).level == 40
    await client.set_key(*blind, OFF)
    assert client.key_states[blind] == KeyStatus(*blind, OFF, level=0)


async def test_air_conditioners_and_scenarios(host: HostSimulator, client: HostClient) -> None:
    installation = await client.read_installation()
    ac = next(a for a in installation.air_conditioners if a.type is ACType.TYPE_2)
    await client.set_ac(ac.id, on=True, mode=ACMode.HEAT, fan=FanSpeed.AUTO, setpoint=26)
    state = host.ac_state(ac.id)
    assert (state.on, state.mode, state.fan, state.setpoint) == (
        True,
        ACMode.HEAT,
        FanSpeed.AUTO,
        26,
    )
    assert client.ac_states[ac.id] == state
    await client.set_ac(ac.id, on=False)
    assert not host.ac_state(ac.id).on
    await client.activate_scenario(installation.scenarios[0].id)
    with pytest.raises(CommandRejectedError):
        await client.activate_scenario(9999)


@pytest.mark.parametrize(
    ("ac_type", "values"),
    [
        # Type 3 has modes but no fan speeds: the full set's fan field would carry the
        # fan the box reports (AUTO), which the type does not offer.
        (ACType.TYPE_3, {"mode": ACMode.HEAT, "setpoint": 70}),
        # TMSF has neither: switched on, then its set-point alone.
        (ACType.TMSF, {"setpoint": 22}),
    ],
)
async def test_an_ac_switched_on_with_values_its_type_lacks_no_full_set_for(
    host: HostSimulator, client: HostClient, ac_type: ACType, values: dict[str, Any]
) -> None:
    installation = await client.read_installation()
    ac = next(a for a in installation.air_conditioners if a.type is ac_type)
    await client.set_ac(ac.id, on=False)
    await client.set_ac(ac.id, on=True, **values)
    state = host.ac_state(ac.id)
    assert state.on
    assert {name: getattr(state, name) for name in values} == values
    assert client.ac_states[ac.id] == state


async def test_the_box_omitting_ok_and_duplicating_lines(
    box: VBoxSimulator, host: HostSimulator, client: HostClient
) -> None:
    await client.read_installation()
    host.omit_ok = True
    host.duplicate_status = True
    host.echo = True
    toggle = _first(box, KeyType.TOGGLE)
    for action in (OFF, ON, OFF):
        await client.set_key(*toggle, action)
        assert box.key_state(*toggle).status is action
    await wait_until(lambda: client.key_states[toggle].status is OFF)


async def test_a_bad_record_of_the_simulator_is_skipped(
    box: VBoxSimulator, host: HostSimulator, client: HostClient
) -> None:
    node = box.installation.nodes[0]
    host.bad_vth_record(VTHCommand.KEY_PARAMS, node.id, 1)
    installation = await client.read_installation(with_states=False)
    read = installation.node(node.id)
    assert read is not None
    assert read.keys[0].type is KeyType.NOT_EXIST
    assert len(read.keys) == len(node.keys)


async def test_a_stalled_box_is_reconnected(host: HostSimulator) -> None:
    config = dataclasses.replace(FAST_HOST, heartbeat_interval=0.3, request_timeout=0.2)
    client = HostClient("127.0.0.1", host.port, config=config)
    states: list[ConnectionState] = []
    client.add_connection_listener(states.append)
    await client.connect()
    try:
        host.stalled = True
        await wait_until(lambda: ConnectionState.DISCONNECTED in states)
        host.stalled = False
        await wait_until(lambda: states[-1] is ConnectionState.CONNECTED and client.connected)
    finally:
        await client.close()


async def test_detect_protocol_on_both_ports(box: VBoxSimulator, host: HostSimulator) -> None:
    assert await detect_protocol("127.0.0.1", host.port) is Protocol.HOST
    assert await detect_protocol("127.0.0.1", box.port, timeout=0.5) is Protocol.VTU
