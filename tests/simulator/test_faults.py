"""The simulator's less kind knobs, over loopback: a minimum gap, delayed pushes,
closing after a refused login, malformed and late replies."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from custom_components.vitrea.vbox.enums import KeyPowerStatus
from custom_components.vitrea.vbox.errors import AuthenticationError, MessageError
from custom_components.vitrea.vbox.vtu import messages as m
from custom_components.vitrea.vbox.vtu.client import VBoxClient
from custom_components.vitrea.vbox.vtu.enums import AckType, CommandId, ProtocolVersion
from custom_components.vitrea.vbox.vtu.frames import Frame
from simulator import ReplyFault, VBoxSimulator, demo_installation, demo_states
from simulator.faults import BAD_LENGTH_FIELD, ReplyFaults, malformed

from ..common import FAST, PASSWORD, USERNAME, wait_until
from .test_server import Peer

ON, OFF = KeyPowerStatus.ON, KeyPowerStatus.OFF
ACK = m.Acknowledgement(AckType.ACK)


@pytest.fixture
async def sim() -> AsyncIterator[VBoxSimulator]:
    box = VBoxSimulator(
        demo_installation(), username=USERNAME, password=PASSWORD, states=demo_states()
    )
    await box.start()
    try:
        yield box
    finally:
        await box.stop()


@pytest.fixture
async def peer(sim: VBoxSimulator) -> AsyncIterator[Peer]:
    client = await Peer.open(sim.port, ProtocolVersion.V2)
    try:
        yield client
    finally:
        await client.close()


# ----------------------------------------------------------------------- min gap


async def test_a_request_too_soon_after_a_reply_is_ignored(sim: VBoxSimulator, peer: Peer) -> None:
    sim.min_gap = 30.0  # nothing this test sends comes that late
    assert await peer.ask(m.Heartbeat(), 1) == ACK  # the first request of a connection
    await peer.send(m.KeyStatusRequest(2, 0), 2)
    await peer.no_frame()
    assert sim.ignored == 1
    assert [f.message_id for f in sim.received] == [1, 2]  # read, not answered

    sim.min_gap = 0.05
    await asyncio.sleep(0.1)  # the gap, measured from the last reply, is over
    assert await peer.ask(m.KeyStatusRequest(2, 0), 3) == m.KeyStatus(2, 0, ON, 60, 0, b"\0\0")
    assert sim.ignored == 1


async def test_requests_sent_back_to_back_lose_all_but_the_first(
    sim: VBoxSimulator, peer: Peer
) -> None:
    sim.min_gap = 30.0
    await peer.write(
        m.Heartbeat().to_frame(1).to_bytes() + m.KeyStatusRequest(2, 0).to_frame(2).to_bytes()
    )
    assert await peer.message() == (1, ACK)
    await peer.no_frame()
    assert sim.ignored == 1


async def test_the_gap_counts_from_the_reply_not_the_request(
    sim: VBoxSimulator, peer: Peer
) -> None:
    sim.latency = 0.3
    sim.min_gap = 30.0
    await peer.send(m.Heartbeat(), 1)
    await asyncio.sleep(0.1)
    await peer.send(m.Heartbeat(), 2)  # arrives before the first reply: too soon
    assert await peer.message() == (1, ACK)
    await peer.no_frame(0.5)
    assert sim.ignored == 1


async def test_a_client_paced_under_the_gap_logs_in_and_reads(sim: VBoxSimulator) -> None:
    """The box answers a client that waits the gap; it is no timing test."""
    sim.min_gap = 0.05
    peer = await Peer.open(sim.port, ProtocolVersion.V2)
    try:
        for message_id, request in enumerate(
            (m.ToggleHeartbeat(True, True), m.Login(USERNAME, PASSWORD), m.NodeCountRequest()),
            start=1,
        ):
            answer = await peer.ask(request, message_id)
            assert not isinstance(answer, m.Acknowledgement) or answer == ACK
            await asyncio.sleep(0.1)
    finally:
        await peer.close()
    assert sim.ignored == 0


# ----------------------------------------------------------------------- refused login


async def test_a_refused_login_closes_the_connection(sim: VBoxSimulator, peer: Peer) -> None:
    await peer.send(m.Login(USERNAME, "wrong"), 7)
    data = await peer.until_eof()
    assert Frame.from_bytes(data) == m.Acknowledgement(AckType.NACK).to_frame(7)
    await wait_until(lambda: sim.connected_clients == 0)


async def test_a_client_with_a_wrong_password_leaves_the_box_free(sim: VBoxSimulator) -> None:
    client = VBoxClient("127.0.0.1", sim.port, USERNAME, "wrong", config=FAST)
    with pytest.raises(AuthenticationError):
        await client.connect()
    await client.close()
    await wait_until(lambda: sim.connected_clients == 0)
    good = VBoxClient("127.0.0.1", sim.port, USERNAME, PASSWORD, config=FAST)
    try:
        await good.connect()
    finally:
        await good.close()


# ----------------------------------------------------------------------- push delay


async def test_the_push_follows_the_ack_after_the_delay(sim: VBoxSimulator, peer: Peer) -> None:
    sim.push_delay = 0.3
    await peer.send(m.ToggleKeyStatus(5, 0, ON, 100), 9)
    assert await peer.message() == (9, ACK)
    acked = time.monotonic()
    assert sim.key_state(5, 0).status is ON  # switched at once, reported later
    await peer.no_frame(0.1)
    assert await peer.message() == (0, m.KeyStatus(5, 0, ON, 0, 0, b"\0\0"))
    assert time.monotonic() - acked >= 0.3 * 0.9


async def test_delayed_pushes_keep_their_order_and_tell_the_state_then(
    sim: VBoxSimulator, peer: Peer
) -> None:
    sim.push_delay = 0.2
    assert await peer.ask(m.ToggleKeyStatus(5, 0, ON, 100), 1) == ACK
    sim.push_delay = 0.05  # a shorter delay does not overtake the queued push
    assert await peer.ask(m.ToggleKeyStatus(5, 1, ON, 100), 2) == ACK
    assert await peer.ask(m.ToggleKeyStatus(5, 0, OFF, 0), 3) == ACK
    pushes = [await peer.message() for _ in range(3)]
    assert [(mid, s.node_id, s.key_id, s.status) for mid, s in pushes] == [  # type: ignore[attr-defined]
        (0, 5, 0, OFF),  # the state the key has when the push goes out
        (0, 5, 1, ON),
        (0, 5, 0, OFF),
    ]


async def test_a_delayed_press_and_wall_changes_at_once(sim: VBoxSimulator, peer: Peer) -> None:
    sim.push_delay = 0.2
    assert await peer.ask(m.ToggleKeyStatus(8, 3, KeyPowerStatus.SHORT), 1) == ACK
    await sim.set_key_state(2, 1, ON, 30)  # the wall does not wait
    assert await peer.message() == (0, m.KeyStatus(2, 1, ON, 30, 0, b"\0\0"))
    _, press = await peer.message()
    assert isinstance(press, m.KeyStatus)
    assert (press.node_id, press.key_id, press.status) == (8, 3, KeyPowerStatus.SHORT)


async def test_stop_forgets_delayed_pushes_and_late_replies(sim: VBoxSimulator, peer: Peer) -> None:
    sim.push_delay = 5.0
    sim.delay_replies(5.0, command=CommandId.HEARTBEAT)
    assert await peer.ask(m.ToggleKeyStatus(5, 0, ON, 100), 1) == ACK
    await peer.send(m.Heartbeat(), 2)
    await wait_until(lambda: len(sim.received) == 2)
    await sim.stop()  # verify_cleanup fails the test if a timer outlives it
    assert await peer.until_eof() == b""


# ----------------------------------------------------------------------- malformed


async def test_a_short_key_status_reply_has_a_valid_checksum(
    sim: VBoxSimulator, peer: Peer
) -> None:
    sim.malform_replies(ReplyFault.SHORT, command=CommandId.KEY_STATUS)
    assert await peer.ask(m.Heartbeat(), 1) == ACK  # another command: untouched
    await peer.send(m.KeyStatusRequest(2, 0), 2)
    frame = await peer.frame()  # the decoder accepted it: checksum and length are right
    assert (frame.command, frame.message_id) == (CommandId.KEY_STATUS, 2)
    with pytest.raises(MessageError):
        m.decode(frame)
    assert await peer.ask(m.KeyStatusRequest(2, 0), 3) == sim.key_state(2, 0)  # once only


async def test_a_short_ack(sim: VBoxSimulator, peer: Peer) -> None:
    sim.malform_replies(ReplyFault.SHORT, command=CommandId.HEARTBEAT)
    await peer.send(m.Heartbeat(), 4)
    frame = await peer.frame()
    assert frame == Frame(frame.direction, CommandId.ACKNOWLEDGEMENT, 4, b"")


async def test_a_corrupted_length_field(sim: VBoxSimulator, peer: Peer) -> None:
    sim.malform_replies(ReplyFault.LENGTH)
    good = m.Acknowledgement(AckType.ACK).to_frame(5).to_bytes()
    data = await peer.raw_answer(m.Heartbeat(), 5, len(good))
    assert data[:5] == good[:5]
    assert data[7:-1] == good[7:-1]
    assert int.from_bytes(data[5:7], "big") == BAD_LENGTH_FIELD
    assert data[-1] == sum(data[:-1]) & 0xFF


async def test_every_nth_reply_for_ever(sim: VBoxSimulator, peer: Peer) -> None:
    sim.malform_replies(ReplyFault.SHORT, None, every=3)
    spoiled = []
    for message_id in range(1, 10):
        await peer.send(m.Heartbeat(), message_id)
        frame = await peer.frame()
        if not frame.payload:
            spoiled.append(frame.message_id)
    assert spoiled == [3, 6, 9]
    sim.clear_reply_faults()
    assert await peer.ask(m.Heartbeat(), 12) == ACK


def test_short_falls_back_to_a_bad_length_when_no_cut_fails() -> None:
    # An empty InternalUnitStatuses reply cannot be cut shorter.
    frame = m.InternalUnitStatuses(b"").to_frame(3)
    data = malformed(frame, ReplyFault.SHORT)
    assert int.from_bytes(data[5:7], "big") == BAD_LENGTH_FIELD


def test_rules_are_checked() -> None:
    faults = ReplyFaults()
    for kwargs in ({"count": 0}, {"every": 0}):
        with pytest.raises(ValueError, match="at least"):
            faults.add(ReplyFault.SHORT, **kwargs)
    with pytest.raises(ValueError, match="positive delay"):
        faults.add(ReplyFault.LATE)
    with pytest.raises(ValueError, match="delay_replies"):
        VBoxSimulator(demo_installation()).malform_replies(ReplyFault.LATE)
    with pytest.raises(ValueError, match="negative"):
        VBoxSimulator(demo_installation(), min_gap=-1)
    assert not faults


# ----------------------------------------------------------------------- late


async def test_a_late_reply_comes_after_the_next_answers(sim: VBoxSimulator, peer: Peer) -> None:
    sim.delay_replies(0.3, command=CommandId.KEY_STATUS)
    assert sim.reply_faults_pending  # a rule waiting for its reply
    await peer.send(m.KeyStatusRequest(2, 0), 1)
    assert await peer.ask(m.Heartbeat(), 2) == ACK  # the box answers on meanwhile
    assert not sim.reply_faults
    assert sim.reply_faults_pending  # the late reply, not written yet
    await sim.set_key_state(2, 0, OFF)  # pushed at once ...
    assert await peer.message() == (0, m.KeyStatus(2, 0, OFF, 0, 0, b"\0\0"))
    # ... and the late answer tells the state when it is written, with its own id.
    assert await peer.message() == (1, m.KeyStatus(2, 0, OFF, 0, 0, b"\0\0"))
    assert await peer.ask(m.KeyStatusRequest(2, 0), 3) == m.KeyStatus(2, 0, OFF, 0, 0, b"\0\0")
    assert not sim.reply_faults_pending


async def test_a_late_reply_to_a_client_that_gave_up(
    sim: VBoxSimulator, peer: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    sim.delay_replies(0.2, count=2)
    await peer.send(m.Heartbeat(), 1)
    await peer.send(m.NodeCountRequest(), 2)
    await wait_until(lambda: len(sim.received) == 2)
    await peer.close()
    await wait_until(lambda: sim.connected_clients == 0)
    # Both late replies fall due after the client left: dropped without a fuss.
    await wait_until(lambda: not sim._late_replies)
    assert "Error" not in caplog.text
    client = await Peer.open(sim.port)
    try:
        assert await client.ask(m.Heartbeat(), 3) == ACK
    finally:
        await client.close()


async def test_a_late_reply_while_stalled_is_lost(sim: VBoxSimulator, peer: Peer) -> None:
    sim.delay_replies(0.2)
    await peer.send(m.Heartbeat(), 1)
    await wait_until(lambda: len(sim.received) == 1)
    sim.stalled = True
    await peer.no_frame(0.4)
    sim.stalled = False
    assert await peer.ask(m.Heartbeat(), 2) == ACK


async def test_a_restart_forgets_a_delayed_push(sim: VBoxSimulator, peer: Peer) -> None:
    sim.push_delay = 0.2
    assert await peer.ask(m.ToggleKeyStatus(5, 0, ON, 100), 1) == ACK
    await sim.restart()
    assert await peer.until_eof() == b""  # no push on the way out
    again = await Peer.open(sim.port, ProtocolVersion.V2)
    try:
        await again.no_frame(0.4)  # nor on the next connection
    finally:
        await again.close()
    assert sim.key_state(5, 0).status is ON
