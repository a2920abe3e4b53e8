"""The client against the simulator, over real loopback sockets."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import socket

import pytest

from custom_components.vitrea.vbox.enums import (
    KeyPowerStatus,
    KeyType,
    LEDBackgroundBrightness,
    LockStatus,
)
from custom_components.vitrea.vbox.errors import (
    AuthenticationError,
    BoxBusyError,
    CannotConnectError,
    CommandRejectedError,
    ConnectionLostError,
    NotConnectedError,
    VBoxError,
    VBoxTimeoutError,
)
from custom_components.vitrea.vbox.installation import Installation, Key, Room
from custom_components.vitrea.vbox.vtu.client import ConnectionState, VBoxClient
from custom_components.vitrea.vbox.vtu.enums import AckType, CommandId, Direction, ProtocolVersion
from custom_components.vitrea.vbox.vtu.frames import DiscardReason, Frame
from custom_components.vitrea.vbox.vtu.messages import (
    Heartbeat,
    KeyParametersRequest,
    KeyStatus,
    KeyStatusRequest,
    Login,
    NodeCountRequest,
    NodeMetaDataRequest,
    RoomCountRequest,
    ToggleHeartbeat,
    ToggleKeyStatus,
    decode,
)
from custom_components.vitrea.vbox.vtu.reader import read_node_macs
from simulator import BusyMode, PressKind, VBoxSimulator, demo_installation, large_installation

from .conftest import PASSWORD, USERNAME, ClientFactory, ConnectionRecorder, wait_until


def _key_of(sim: VBoxSimulator, key_type: KeyType) -> tuple[int, int]:
    for node in sim.installation.nodes:
        for key in node.keys:
            if key.type is key_type:
                return node.id, key.id
    raise AssertionError(f"demo has no {key_type.name}")


def _sent(sim: VBoxSimulator, cls: type) -> list[object]:
    return [m for m in (decode(f) for f in sim.received) if isinstance(m, cls)]


# --------------------------------------------------------------------- connect


async def test_connect_sends_toggle_heartbeat_then_login(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client()
    assert client.connected
    first, second = (decode(f) for f in simulator.received[:2])
    assert first == ToggleHeartbeat(True, True)
    assert second == Login(USERNAME, PASSWORD)


async def test_wrong_password_is_an_authentication_error(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client(connect=False, password="wrong")
    with pytest.raises(AuthenticationError):
        await client.connect()
    assert not client.connected
    await wait_until(lambda: simulator.connected_clients == 0)


async def test_unreachable_box_is_cannot_connect() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = VBoxClient("127.0.0.1", port, USERNAME, PASSWORD)
    with pytest.raises(CannotConnectError):
        await client.connect()
    await client.close()


async def test_silent_box_is_a_timeout(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    simulator.stalled = True
    client = await make_client(connect=False, connect_timeout=0.3)
    with pytest.raises(VBoxTimeoutError):
        await client.connect()


async def test_box_in_use_is_busy(simulator: VBoxSimulator, make_client: ClientFactory) -> None:
    await make_client()
    second = await make_client(connect=False)
    with pytest.raises(BoxBusyError):
        await second.connect()


async def test_box_refusing_a_second_client_is_cannot_connect(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    simulator.busy_mode = BusyMode.REFUSE
    await make_client()
    second = await make_client(connect=False)
    with pytest.raises(CannotConnectError):
        await second.connect()


async def test_connect_twice_is_a_programming_error(make_client: ClientFactory) -> None:
    client = await make_client()
    with pytest.raises(RuntimeError):
        await client.connect()


async def test_request_before_connect_fails_at_once(make_client: ClientFactory) -> None:
    client = await make_client(connect=False)
    with pytest.raises(NotConnectedError):
        await client.request(NodeCountRequest())


async def test_password_never_logged(
    simulator: VBoxSimulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = await make_client()
    await client.read_installation()
    bad = await make_client(connect=False, password="another-secret")
    with pytest.raises(BoxBusyError):
        await bad.connect()
    assert PASSWORD not in caplog.text
    assert "another-secret" not in caplog.text
    assert PASSWORD not in repr(Login(USERNAME, PASSWORD))


# --------------------------------------------------------------------- reading


@pytest.mark.parametrize("layout", [ProtocolVersion.V1, ProtocolVersion.V2])
async def test_read_installation_matches_the_box(
    layout: ProtocolVersion, make_client: ClientFactory, socket_enabled: None
) -> None:
    home = demo_installation()
    sim = VBoxSimulator(home, username=USERNAME, password=PASSWORD, layout=layout)
    await sim.start()
    client = VBoxClient("127.0.0.1", sim.port, USERNAME, PASSWORD)
    try:
        await client.connect()
        read = await client.read_installation()
    finally:
        await client.close()
        await sim.stop()
    assert client.protocol_version is layout
    # The box pads some names with spaces; the client trims them.
    assert read.rooms == tuple(dataclasses.replace(r, name=r.name.rstrip()) for r in home.rooms)
    assert [n.id for n in read.nodes] == [n.id for n in home.nodes]
    for got, want in zip(read.nodes, home.nodes, strict=True):
        assert (got.mac, got.model, got.room_id, got.firmware) == (
            want.mac,
            want.model,
            want.room_id,
            want.firmware,
        )
        assert [k.type for k in got.keys] == [k.type for k in want.keys]
        existing = [
            dataclasses.replace(k, name=k.name.rstrip()) for k in want.keys if k.type.exists
        ]
        assert [got.key(k.id) for k in existing] == existing
    states = {
        (n.id, k.id): sim.key_state(n.id, k.id) for n in home.nodes for k in n.keys if k.type.exists
    }
    assert client.key_states == states


async def test_names_are_trimmed_and_hebrew(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client()
    read = await client.read_installation(with_states=False)
    names = [r.name for r in read.rooms] + [k.name for n in read.nodes for k in n.keys]
    assert all(name == name.rstrip(" \x00") for name in names)
    assert any("\u05d0" <= ch <= "\u05ea" for name in names for ch in name)
    assert client.key_states == {}
    assert read.room(0) is not None


async def test_read_node_macs_reads_only_the_node_list_and_metadata(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client()
    simulator.clear_received()
    macs = await read_node_macs(client)
    assert macs == {n.id: n.mac for n in simulator.installation.nodes}
    assert {f.command for f in simulator.received} == {
        CommandId.NODE_COUNT,
        CommandId.NODE_METADATA,
    }


async def test_check_installation_rereads_only_the_nodes_that_changed(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    """After a reconnect: the node list and each node's metadata; key names only of a
    rewired node and of a new one, room names only because the new one is in a new room."""
    client = await make_client()
    known = await client.read_installation(with_states=False)
    home = simulator.installation
    rewired = home.nodes[1]
    rewired = dataclasses.replace(
        rewired, keys=(*rewired.keys[:-1], Key(rewired.keys[-1].id, KeyType.TOGGLE, name="Socket"))
    )
    attic = dataclasses.replace(
        home.nodes[0], id=90, mac="00:15:8D:00:04:11:22:99", room_id=99, lock=LockStatus.LOCKED
    )
    changed = Installation(
        (*home.rooms, Room(99, "Attic")),
        (home.nodes[0], rewired, *home.nodes[2:], attic),
        home.protocol_version,
    )
    await simulator.restart(changed)
    await client.request(NodeCountRequest())  # reconnected
    simulator.clear_received()

    checked = await client.check_installation(known)

    read_keys = {(m.node_id, m.key_id) for m in _sent(simulator, KeyParametersRequest)}
    assert {node for node, _ in read_keys} == {rewired.id, attic.id}
    assert len(_sent(simulator, RoomCountRequest)) == 1
    assert len(_sent(simulator, NodeMetaDataRequest)) == len(changed.nodes)
    assert checked == await client.read_installation(with_states=False)


async def test_read_installation_skips_a_key_that_refuses_its_state(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    simulator.forget_key(2, 1)  # the box answers ERROR for this key's state
    client = await make_client()
    read = await client.read_installation()
    assert len(read.nodes) == len(simulator.installation.nodes)
    assert (2, 1) not in client.key_states
    assert (2, 0) in client.key_states
    assert (2, 2) in client.key_states


async def test_untracked_keys_are_not_reread_after_a_reconnect(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client()
    await client.read_installation()
    recorder = ConnectionRecorder(client)
    client.untrack_keys([(2, 0), (2, 1)])
    assert (2, 0) not in client.key_states
    simulator.clear_received()
    await simulator.drop_connections()
    await recorder.wait_for(ConnectionState.CONNECTED)
    reread = {
        (m.node_id, m.key_id)
        for m in (decode(f) for f in simulator.received)
        if isinstance(m, KeyStatusRequest)
    }
    assert (2, 2) in reread
    assert not reread & {(2, 0), (2, 1)}


# ------------------------------------------------------------------- requests


async def test_set_key_acknowledged_and_pushed(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client()
    node, key = _key_of(simulator, KeyType.DIMMER)
    events: list[tuple[KeyStatus, bool]] = []
    client.add_key_listener(lambda s, requested: events.append((s, requested)))
    await client.set_key(node, key, KeyPowerStatus.ON, dimmer=42)
    await wait_until(lambda: bool(events))
    status, requested = events[-1]
    assert (status.node_id, status.key_id, status.status, status.level) == (
        node,
        key,
        KeyPowerStatus.ON,
        42,
    )
    assert requested is False
    assert client.key_states[(node, key)] == status == simulator.key_state(node, key)


async def test_set_node_changes_lock_and_backlight(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client()
    node = simulator.installation.nodes[0].id
    await client.set_node(node, LockStatus.LOCKED, LEDBackgroundBrightness.MAX)
    read = await client.read_installation(with_states=False)
    read_node = read.node(node)
    assert read_node is not None
    assert (read_node.lock, read_node.led_level) == (
        LockStatus.LOCKED,
        LEDBackgroundBrightness.MAX,
    )


async def test_command_for_unknown_key_is_rejected(make_client: ClientFactory) -> None:
    client = await make_client()
    with pytest.raises(CommandRejectedError) as err:
        await client.set_key(250, 0, KeyPowerStatus.ON)
    assert err.value.ack is AckType.ERROR
    with pytest.raises(CommandRejectedError):
        await client.key_status(250, 0)


async def test_key_status_is_never_answered_by_another_key(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client()
    asked = _key_of(simulator, KeyType.TOGGLE)
    other = _key_of(simulator, KeyType.DIMMER)
    simulator.latency = 0.2
    pending = asyncio.create_task(client.key_status(*asked))
    await asyncio.sleep(0.05)
    await simulator.set_key_state(*other, KeyPowerStatus.ON, level=77)  # push meanwhile
    status = await pending
    assert (status.node_id, status.key_id) == asked
    assert client.key_states[other].level == 77


async def test_concurrent_requests_with_pushes_in_between(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client()
    satellite = _key_of(simulator, KeyType.SATELLITE)
    # Not the satellite itself: a press while its own state is being read may answer
    # that read (every 0x29 of a key is its state), and then it is no push.
    keys = [
        (n.id, k.id)
        for n in simulator.installation.nodes
        for k in n.keys
        if k.type.exists and (n.id, k.id) != satellite
    ]
    pushes: list[KeyStatus] = []
    client.add_key_listener(lambda s, requested: None if requested else pushes.append(s))

    async def presses() -> None:
        for _ in range(5):
            await simulator.press_key(*satellite, PressKind.SHORT)
            await asyncio.sleep(0.005)

    results, _ = await asyncio.gather(
        asyncio.gather(*(client.key_status(*k) for k in keys)), presses()
    )
    assert [(s.node_id, s.key_id) for s in results] == keys
    assert [s.status for s in pushes] == [KeyPowerStatus.SHORT] * 5
    # Presses are events, not states: the satellite's state is untouched.
    assert satellite not in client.key_states


async def test_timeout_retries_idempotent_requests_only(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client(request_timeout=0.2, max_retries=2)
    simulator.stalled = True
    simulator.clear_received()
    with pytest.raises(VBoxTimeoutError):
        await client.key_status(*_key_of(simulator, KeyType.TOGGLE))
    assert len(_sent(simulator, KeyStatusRequest)) == 3
    simulator.clear_received()
    with pytest.raises(VBoxTimeoutError):
        await client.set_key(*_key_of(simulator, KeyType.SATELLITE), KeyPowerStatus.SHORT)
    assert len(_sent(simulator, ToggleKeyStatus)) == 1


async def test_request_gap_paces_requests(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client(request_gap=0.1)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await asyncio.gather(*(client.request(NodeCountRequest()) for _ in range(3)))
    # Three answers, each followed by the gap: at least 0.3 s however fast the box.
    assert loop.time() - start >= 0.3


async def test_garbage_and_bad_checksums_are_skipped(
    simulator: VBoxSimulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client = await make_client()
    pushes: list[KeyStatus] = []
    client.add_key_listener(lambda s, _requested: pushes.append(s))
    node, key = _key_of(simulator, KeyType.TOGGLE)
    await simulator.send_raw(b"\x00garbage VT\xff")
    await simulator.send_bad_checksum()
    await simulator.send_raw(b"VTUnoise")
    await simulator.set_key_state(node, key, KeyPowerStatus.ON)
    await wait_until(lambda: bool(pushes))
    assert [(p.node_id, p.key_id, p.status) for p in pushes] == [(node, key, KeyPowerStatus.ON)]
    assert client.discarded[DiscardReason.JUNK] >= 1
    assert client.discarded[DiscardReason.BAD_CHECKSUM] == 1
    assert "bad_checksum" in caplog.text
    assert client.connected


async def test_failing_listener_does_not_stop_the_reader(
    simulator: VBoxSimulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client = await make_client()
    good: list[KeyStatus] = []

    def broken(status: KeyStatus, requested: bool) -> None:
        raise ValueError("listener bug")

    remove = client.add_key_listener(broken)
    client.add_key_listener(lambda s, _r: good.append(s))
    await simulator.set_key_state(*_key_of(simulator, KeyType.TOGGLE), KeyPowerStatus.ON)
    await wait_until(lambda: bool(good))
    assert "listener bug" in caplog.text
    remove()
    assert await client.key_status(*_key_of(simulator, KeyType.TOGGLE))


# ------------------------------------------------------------------ heartbeat


async def test_heartbeat_sent_when_idle(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    await make_client(heartbeat_interval=0.1)
    await wait_until(lambda: len(_sent(simulator, Heartbeat)) >= 3)


async def test_no_heartbeat_while_requests_flow(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client(heartbeat_interval=1.0)
    simulator.clear_received()
    loop = asyncio.get_running_loop()
    end = loop.time() + 2.0
    while loop.time() < end:
        await client.request(NodeCountRequest())
    assert _sent(simulator, Heartbeat) == []
    assert len(_sent(simulator, NodeCountRequest)) > 10


async def test_silent_link_detected_by_heartbeat_then_recovered(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client(heartbeat_interval=0.1, request_timeout=0.2, max_retries=0)
    recorder = ConnectionRecorder(client)
    simulator.stalled = True  # half-open: the box reads but never answers
    await recorder.wait_for(ConnectionState.DISCONNECTED)
    assert not client.connected
    simulator.stalled = False
    await recorder.wait_for(ConnectionState.CONNECTED)
    assert client.connected


# ------------------------------------------------------------------ reconnect


async def test_half_open_link_detected_while_commands_keep_coming(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    """Unanswered commands are writes too: they must not keep the heartbeat away."""
    client = await make_client(heartbeat_interval=1.0)
    recorder = ConnectionRecorder(client)
    node_id, key_id = _key_of(simulator, KeyType.TOGGLE)
    simulator.stalled = True  # a write every 0.5 s: never a second without one
    async with asyncio.timeout(5):
        while ConnectionState.DISCONNECTED not in recorder.states:
            with contextlib.suppress(VBoxError):
                await client.set_key(node_id, key_id, KeyPowerStatus.ON)
    simulator.stalled = False
    await recorder.wait_for(ConnectionState.CONNECTED)


async def test_box_silent_while_states_are_read_back_is_reconnected(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    """Logged in again, then no answer: start over, never stay half-connected."""
    client = await make_client()
    await client.read_installation()  # every key's state is read back after a reconnect
    recorder = ConnectionRecorder(client)
    simulator.latency = 0.05  # reading the states back takes seconds
    await simulator.drop_connections()
    await recorder.wait_for(ConnectionState.DISCONNECTED)
    await wait_until(lambda: client.connected)  # logged in; reading the states back
    simulator.stalled = True
    simulator.latency = 0
    await wait_until(lambda: not client.connected)
    simulator.stalled = False
    await recorder.wait_for(ConnectionState.CONNECTED)
    assert client.connected


async def test_reconnect_after_drop_rereads_states(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client(reconnect_initial=0.3, reconnect_max=0.3)
    await client.read_installation()
    recorder = ConnectionRecorder(client)
    node, key = _key_of(simulator, KeyType.DIMMER)
    await simulator.drop_connections()
    await recorder.wait_for(ConnectionState.DISCONNECTED)
    # Changed while we were away (no push reaches us): only the re-read can tell.
    await simulator.set_key_state(node, key, KeyPowerStatus.ON, level=33)
    await recorder.wait_for(ConnectionState.CONNECTED)
    assert client.key_states[(node, key)].level == 33
    assert client.key_states == {k: simulator.key_state(*k) for k in client.key_states}
    assert recorder.states == [ConnectionState.DISCONNECTED, ConnectionState.CONNECTED]


async def test_reconnect_after_drop_mid_frame(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client()
    recorder = ConnectionRecorder(client)
    await simulator.drop_connections(mid_frame=True)
    await recorder.wait_for(ConnectionState.CONNECTED)
    assert await client.request(NodeCountRequest())
    assert client.discarded[DiscardReason.BAD_CHECKSUM] == 0


async def test_reconnect_after_restart_with_changed_installation(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client()
    before = await client.read_installation()
    recorder = ConnectionRecorder(client)
    await simulator.restart(large_installation(8))
    await recorder.wait_for(ConnectionState.CONNECTED)
    after = await client.read_installation()
    assert [n.id for n in after.nodes] != [n.id for n in before.nodes]
    assert [n.id for n in after.nodes] == [n.id for n in simulator.installation.nodes]


async def test_request_waits_for_reconnect(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client(reconnect_initial=0.3, reconnect_max=0.3)
    recorder = ConnectionRecorder(client)
    await simulator.drop_connections()
    await recorder.wait_for(ConnectionState.DISCONNECTED)
    reply = await client.request(NodeCountRequest())  # sent once the link is back
    assert client.connected
    assert reply.name == "NodeCount"


async def test_request_fails_when_link_stays_down(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client(link_wait=0.2)
    recorder = ConnectionRecorder(client)
    await simulator.stop()
    await recorder.wait_for(ConnectionState.DISCONNECTED)
    with pytest.raises(NotConnectedError):
        await client.request(NodeCountRequest())
    await simulator.start(port=client.port)
    await recorder.wait_for(ConnectionState.CONNECTED)


async def test_command_during_an_outage_is_sent_once_when_the_link_returns_in_time(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client(link_wait=3.0)
    recorder = ConnectionRecorder(client)
    node_id, key_id = _key_of(simulator, KeyType.TOGGLE)
    await simulator.stop()
    await recorder.wait_for(ConnectionState.DISCONNECTED)
    command = asyncio.create_task(client.set_key(node_id, key_id, KeyPowerStatus.ON))
    await asyncio.sleep(0.3)
    assert not command.done()  # waiting for the link, not failed, not dropped
    await simulator.start(port=client.port)
    await command
    assert simulator.key_state(node_id, key_id).status is KeyPowerStatus.ON
    assert len(_sent(simulator, ToggleKeyStatus)) == 1


async def test_command_whose_link_returns_too_late_is_never_sent(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client(link_wait=0.3)
    recorder = ConnectionRecorder(client)
    node_id, key_id = _key_of(simulator, KeyType.TOGGLE)
    await simulator.stop()
    await recorder.wait_for(ConnectionState.DISCONNECTED)
    with pytest.raises(NotConnectedError, match="not sent"):
        await client.set_key(node_id, key_id, KeyPowerStatus.ON)
    await simulator.start(port=client.port)
    await recorder.wait_for(ConnectionState.CONNECTED)
    await client.request(Heartbeat())  # anything still queued would have gone out first
    assert _sent(simulator, ToggleKeyStatus) == []
    assert simulator.key_state(node_id, key_id).status is KeyPowerStatus.OFF


async def test_command_stuck_behind_a_slow_request_is_never_sent_late(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client(link_wait=0.3)
    node_id, key_id = _key_of(simulator, KeyType.TOGGLE)
    simulator.stalled = True
    slow = asyncio.create_task(client.request(KeyStatusRequest(node_id, key_id), timeout=1.0))
    await asyncio.sleep(0.05)
    with pytest.raises(VBoxTimeoutError, match="not sent"):
        await client.set_key(node_id, key_id, KeyPowerStatus.ON)
    with pytest.raises(VBoxTimeoutError):
        await slow  # its retry would come after its own deadline: not sent either
    simulator.stalled = False
    await client.request(Heartbeat())
    assert _sent(simulator, ToggleKeyStatus) == []
    assert simulator.key_state(node_id, key_id).status is KeyPowerStatus.OFF


async def test_request_waiting_for_the_link_fails_at_once_on_close(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client(link_wait=30.0)
    recorder = ConnectionRecorder(client)
    await simulator.stop()
    await recorder.wait_for(ConnectionState.DISCONNECTED)
    waiting = asyncio.create_task(client.request(NodeCountRequest()))
    await asyncio.sleep(0.05)
    await client.close()
    async with asyncio.timeout(1):
        with pytest.raises(NotConnectedError):
            await waiting


async def test_pending_request_fails_when_link_drops(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client(request_timeout=5)
    simulator.latency = 1.0
    pending = asyncio.create_task(client.request(NodeCountRequest()))
    await asyncio.sleep(0.1)
    await simulator.drop_connections()
    with pytest.raises(ConnectionLostError):
        await pending


async def test_login_refused_on_reconnect_stops_reconnecting(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client()
    recorder = ConnectionRecorder(client)
    simulator.set_credentials(USERNAME, "changed-by-the-installer")
    await simulator.drop_connections()
    await recorder.wait_for(ConnectionState.AUTH_FAILED)
    assert isinstance(client.last_error, AuthenticationError)
    logins = len(_sent(simulator, Login))
    await asyncio.sleep(0.5)  # several backoff periods: no retry storm
    assert len(_sent(simulator, Login)) == logins


async def test_busy_box_retried_until_free(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client(reconnect_initial=0.3, reconnect_max=0.3)
    recorder = ConnectionRecorder(client)
    await simulator.drop_connections()
    await recorder.wait_for(ConnectionState.DISCONNECTED)
    # Another client (the Vitrea app, say) takes the box while we are away.
    _, intruder = await asyncio.open_connection("127.0.0.1", simulator.port)
    await wait_until(lambda: isinstance(client.last_error, BoxBusyError))
    assert not client.connected
    intruder.close()
    await intruder.wait_closed()
    await recorder.wait_for(ConnectionState.CONNECTED)
    assert client.last_error is None


async def test_close_leaves_nothing_behind(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client(heartbeat_interval=0.05)
    await asyncio.sleep(0.1)
    await client.close()
    assert not client.connected
    await wait_until(lambda: simulator.connected_clients == 0)
    with pytest.raises(NotConnectedError):
        await client.request(NodeCountRequest())
    # verify_cleanup (pytest-homeassistant-custom-component) fails the test on any
    # task or timer still alive after it.


async def test_unsolicited_frames_are_tolerated(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client()
    pushes: list[KeyStatus] = []
    client.add_key_listener(lambda s, _requested: pushes.append(s))
    existence = Frame(Direction.FROM_VBOX, CommandId.NODE_EXISTENCE_STATUS, 0, b"\x05")
    unknown = Frame(Direction.FROM_VBOX, 0x77, 0, b"")
    await simulator.send_raw(existence.to_bytes() + unknown.to_bytes())
    reply = await client.request(NodeCountRequest())
    assert reply.name == "NodeCount"
    assert pushes == []
    assert client.connected
