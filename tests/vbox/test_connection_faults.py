"""The connection layer against a box less kind than the simulator, over real sockets.

Each case is a way a real box (or network) misbehaves that once broke the client:
a malformed reply inside a long-lived task, an acknowledgement lost before a newer
command, "in use" or silence while the states are read back, a late answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from custom_components.vitrea.vbox.enums import KeyPowerStatus
from custom_components.vitrea.vbox.errors import VBoxTimeoutError
from custom_components.vitrea.vbox.vtu import client as client_module
from custom_components.vitrea.vbox.vtu.client import ConnectionState, VBoxClient
from custom_components.vitrea.vbox.vtu.enums import AckType, CommandId
from custom_components.vitrea.vbox.vtu.messages import (
    Heartbeat,
    KeyStatusRequest,
    Message,
    ToggleKeyStatus,
)
from custom_components.vitrea.vbox.vtu.reader import Requester, read_key_states

from .conftest import (
    Answer,
    ClientFactory,
    ConnectionRecorder,
    Later,
    Script,
    ScriptedBox,
    ack,
    malformed,
    status,
    wait_until,
)

KEYS = [(1, 0), (1, 1)]


type ReadScript = Callable[[KeyStatusRequest, int], Answer]


def on_reads(read: ReadScript) -> Script:
    """A box that ACKs every request but the KeyStatus reads, which ``read`` answers."""

    def script(message: Message, message_id: int) -> Answer:
        if isinstance(message, KeyStatusRequest):
            return read(message, message_id)
        return ack(AckType.ACK, message_id)

    return script


def reports_on(message: KeyStatusRequest, message_id: int) -> Answer:
    return status(message.node_id, message.key_id, KeyPowerStatus.ON, message_id)


def except_after_a_drop(box: ScriptedBox, answer: ReadScript) -> ReadScript:
    """Every key reports ON; once reconnected, KEYS[0] gets ``answer`` instead."""

    def read(message: KeyStatusRequest, message_id: int) -> Answer:
        if box.connections > 1 and (message.node_id, message.key_id) == KEYS[0]:
            return answer(message, message_id)
        return reports_on(message, message_id)

    return read


def silent_to(kind: type[Message]) -> Script:
    """A box that ACKs everything but ``kind``, which it leaves unanswered."""
    return lambda message, message_id: (
        None if isinstance(message, kind) else ack(AckType.ACK, message_id)
    )


async def connected_with_states(
    box: ScriptedBox, box_client: ClientFactory, **config: float
) -> tuple[VBoxClient, ConnectionRecorder]:
    """A client of the box that has read KEYS (so it reads them back after a drop)."""
    client = await box_client(**config)
    recorder = ConnectionRecorder(client)
    await client.connect()
    await read_key_states(client, KEYS)
    assert set(client.key_states) == set(KEYS)
    return client, recorder


# ----------------------------------------------------------------- long-lived tasks


async def test_malformed_answer_while_reading_back_does_not_end_reconnecting(
    box: ScriptedBox, box_client: ClientFactory
) -> None:
    # Too short for a KeyStatus, with a valid checksum.
    box.script = on_reads(
        except_after_a_drop(box, lambda _, message_id: malformed(CommandId.KEY_STATUS, message_id))
    )
    client, recorder = await connected_with_states(box, box_client)
    await box.drop()
    await recorder.wait_for(ConnectionState.CONNECTED, count=2)
    assert KEYS[0] not in client.key_states  # unknown now, not the state from before
    assert KEYS[1] in client.key_states
    await box.drop()
    await recorder.wait_for(ConnectionState.CONNECTED, count=3)  # still reconnecting


async def test_one_malformed_answer_while_reading_back_is_asked_again(
    box: ScriptedBox, box_client: ClientFactory
) -> None:
    """A garbled answer says nothing about the key: it keeps a known state."""
    garbled: list[int] = []

    def once(message: KeyStatusRequest, message_id: int) -> Answer:
        if garbled:
            return reports_on(message, message_id)
        garbled.append(message_id)
        return malformed(CommandId.KEY_STATUS, message_id)

    box.script = on_reads(except_after_a_drop(box, once))
    client, recorder = await connected_with_states(box, box_client)
    await box.drop()
    await recorder.wait_for(ConnectionState.CONNECTED, count=2)
    assert garbled
    assert set(client.key_states) == set(KEYS)


async def test_malformed_heartbeat_answer_does_not_end_dead_link_detection(
    box: ScriptedBox, box_client: ClientFactory
) -> None:
    silent = False

    def script(message: Message, message_id: int) -> Answer:
        if silent:
            return None
        if isinstance(message, Heartbeat):
            return malformed(CommandId.ACKNOWLEDGEMENT, message_id)
        return ack(AckType.ACK, message_id)

    box.script = script
    client = await box_client(heartbeat_interval=0.1)
    recorder = ConnectionRecorder(client)
    await client.connect()
    await wait_until(lambda: len(box.sent(Heartbeat)) >= 3)  # answered badly, and on it goes
    silent = True  # a half-open link
    await recorder.wait_for(ConnectionState.DISCONNECTED)


async def test_a_bug_in_the_supervisor_is_logged_and_the_link_still_comes_back(
    box: ScriptedBox,
    box_client: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    box.script = on_reads(reports_on)
    _, recorder = await connected_with_states(box, box_client)
    failures = 0

    async def read_back_once_broken(client: Requester, keys: list[tuple[int, int]]) -> None:
        nonlocal failures
        if failures == 0:
            failures += 1
            raise RuntimeError("a bug")
        await read_key_states(client, keys)

    monkeypatch.setattr(client_module, "read_key_states", read_back_once_broken)
    await box.drop()
    await recorder.wait_for(ConnectionState.CONNECTED, count=2)
    assert failures == 1
    crashed = [r for r in caplog.records if "ended unexpectedly" in r.getMessage()]
    assert len(crashed) == 1
    assert crashed[0].levelno == logging.ERROR
    assert crashed[0].exc_info is not None


async def test_a_bug_in_the_heartbeat_takes_the_link_down_and_it_comes_back(
    box: ScriptedBox,
    box_client: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ping = VBoxClient.ping
    failures = 0

    async def ping_once_broken(self: VBoxClient) -> None:
        nonlocal failures
        if failures == 0:
            failures += 1
            raise RuntimeError("a bug")
        await ping(self)

    monkeypatch.setattr(VBoxClient, "ping", ping_once_broken)
    client = await box_client(heartbeat_interval=0.1)
    recorder = ConnectionRecorder(client)
    await client.connect()
    await recorder.wait_for(ConnectionState.DISCONNECTED)  # visibly, not silently
    await recorder.wait_for(ConnectionState.CONNECTED, count=2)
    await wait_until(lambda: len(box.sent(Heartbeat, connection=2)) >= 1)  # it runs again
    assert any("ended unexpectedly" in r.getMessage() for r in caplog.records)


# ----------------------------------------------------------------- order and deadlines


async def test_retry_never_overtakes_a_newer_command_to_the_same_key(
    box: ScriptedBox, box_client: ClientFactory
) -> None:
    acks_lost = 1

    def script(message: Message, message_id: int) -> Answer:
        nonlocal acks_lost
        is_on = isinstance(message, ToggleKeyStatus) and message.action is KeyPowerStatus.ON
        if is_on and acks_lost:
            acks_lost -= 1
            return None  # ON carried out, its acknowledgement lost
        return ack(AckType.ACK, message_id)

    box.script = script
    client = await box_client(request_timeout=0.3, max_retries=2)
    await client.connect()
    on = asyncio.create_task(client.set_key(1, 0, KeyPowerStatus.ON, dimmer=100))
    await wait_until(lambda: bool(box.sent(ToggleKeyStatus)))
    off = asyncio.create_task(client.set_key(1, 0, KeyPowerStatus.OFF))  # the user changes mind
    on_result, off_result = await asyncio.gather(on, off, return_exceptions=True)
    actions = [m.action for m in box.sent(ToggleKeyStatus) if isinstance(m, ToggleKeyStatus)]
    assert actions == [KeyPowerStatus.ON, KeyPowerStatus.OFF]  # the light ends off
    assert isinstance(on_result, VBoxTimeoutError)
    assert off_result is None


async def test_no_attempt_of_a_command_goes_out_after_its_deadline(
    box: ScriptedBox, box_client: ClientFactory
) -> None:
    box.script = silent_to(ToggleKeyStatus)
    # Six attempts of 0.3 s would take 1.8 s: the 0.8 s deadline leaves room for three.
    client = await box_client(request_timeout=0.3, max_retries=5, link_wait=0.8)
    await client.connect()
    with pytest.raises(VBoxTimeoutError, match="deadline"):
        await client.set_key(1, 0, KeyPowerStatus.ON)
    assert 1 <= len(box.sent(ToggleKeyStatus)) <= 3


# ----------------------------------------------------------------- reading back


async def test_box_in_use_while_reading_back_ends_connected(
    box: ScriptedBox, box_client: ClientFactory
) -> None:
    def read(message: KeyStatusRequest, message_id: int) -> Answer:
        if box.connections == 2:  # the Vitrea app took the box meanwhile
            return ack(AckType.IN_USE, message_id)
        return reports_on(message, message_id)

    box.script = on_reads(read)
    client, recorder = await connected_with_states(box, box_client)
    await box.drop()
    await recorder.wait_for(ConnectionState.CONNECTED, count=2)
    assert box.connections == 3  # it started over rather than stay up unannounced
    assert client.connected
    assert client.state is ConnectionState.CONNECTED
    assert set(client.key_states) == set(KEYS)


async def test_state_the_box_refuses_to_read_back_is_forgotten_not_shown_stale(
    box: ScriptedBox, box_client: ClientFactory
) -> None:
    box.script = on_reads(except_after_a_drop(box, lambda _, mid: ack(AckType.ERROR, mid)))
    client, recorder = await connected_with_states(box, box_client)
    await box.drop()
    await recorder.wait_for(ConnectionState.CONNECTED, count=2)
    assert set(client.key_states) == {KEYS[1]}


async def test_one_slow_answer_while_reading_back_is_no_reason_to_reconnect(
    box: ScriptedBox, box_client: ClientFactory
) -> None:
    unanswered = 2  # the first read and its retry

    def slow(message: KeyStatusRequest, message_id: int) -> Answer:
        nonlocal unanswered
        if unanswered:
            unanswered -= 1
            return None
        return reports_on(message, message_id)

    box.script = on_reads(except_after_a_drop(box, slow))
    client, recorder = await connected_with_states(
        box, box_client, request_timeout=0.3, max_retries=1
    )
    await box.drop()
    await recorder.wait_for(ConnectionState.CONNECTED, count=2)
    assert box.connections == 2  # the heartbeat was answered: the link was fine
    assert len(box.sent(Heartbeat, connection=2)) == 1
    assert set(client.key_states) == set(KEYS)  # the slow key was read on a second pass


async def test_key_never_answered_while_reading_back_is_unknown_and_the_link_stays(
    box: ScriptedBox, box_client: ClientFactory
) -> None:
    box.script = on_reads(except_after_a_drop(box, lambda _, __: None))
    client, recorder = await connected_with_states(
        box, box_client, request_timeout=0.3, max_retries=0
    )
    await box.drop()
    await recorder.wait_for(ConnectionState.CONNECTED, count=2)
    assert box.connections == 2  # the box answered its heartbeats
    assert set(client.key_states) == {KEYS[1]}  # unknown rather than stale


async def test_unanswered_heartbeat_is_not_retried(
    box: ScriptedBox, box_client: ClientFactory
) -> None:
    box.script = silent_to(Heartbeat)
    client = await box_client(heartbeat_interval=0.1, request_timeout=0.3, max_retries=2)
    recorder = ConnectionRecorder(client)
    await client.connect()
    await recorder.wait_for(ConnectionState.DISCONNECTED)
    assert len(box.sent(Heartbeat, connection=1)) == 1


# ----------------------------------------------------------------- late answers


async def test_late_answer_to_our_own_read_is_state_never_a_press(
    box: ScriptedBox, box_client: ClientFactory
) -> None:
    # The box last saw a short press on this key, and says so too late.
    box.script = on_reads(
        lambda message, message_id: Later(
            0.4, status(message.node_id, message.key_id, KeyPowerStatus.SHORT, message_id)
        )
    )
    client = await box_client(request_timeout=0.2, max_retries=0)
    events: list[tuple[KeyPowerStatus, bool]] = []
    client.add_key_listener(lambda s, requested: events.append((s.status, requested)))
    await client.connect()
    with pytest.raises(VBoxTimeoutError):
        await client.key_status(8, 3)
    await wait_until(lambda: len(events) == 1)
    box.push(status(8, 3, KeyPowerStatus.SHORT))  # a real press from the wall
    await wait_until(lambda: len(events) == 2)
    assert events == [(KeyPowerStatus.SHORT, True), (KeyPowerStatus.SHORT, False)]


# ----------------------------------------------------------------- answers twice


async def test_a_box_that_answers_everything_twice(
    box: ScriptedBox, box_client: ClientFactory
) -> None:
    """Each answer comes twice: at once, and again after the next request went out.

    No request takes another's copy for its answer, nothing is sent twice, a copy
    of our own read is state (never a press), and the commands keep their order.
    """
    loop = asyncio.get_running_loop()
    copies_due: list[bytes] = []

    def send_copy(data: bytes) -> None:
        copies_due.remove(data)
        box.push(data)

    def twice(message: Message, message_id: int) -> Answer:
        if isinstance(message, KeyStatusRequest):
            data = status(message.node_id, message.key_id, KeyPowerStatus.SHORT, message_id)
        else:
            data = ack(AckType.ACK, message_id)
        copies_due.append(data)
        loop.call_later(0.05, send_copy, data)
        return data + data

    box.script = twice
    client = await box_client()
    events: list[tuple[KeyPowerStatus, bool]] = []
    client.add_key_listener(lambda s, requested: events.append((s.status, requested)))
    await client.connect()
    await read_key_states(client, KEYS)
    actions = [KeyPowerStatus.ON, KeyPowerStatus.OFF, KeyPowerStatus.ON, KeyPowerStatus.OFF]
    for action in actions:
        await client.set_key(1, 0, action, dimmer=100 if action is KeyPowerStatus.ON else 0)
    await wait_until(lambda: not copies_due)

    assert [m.action for m in box.sent(ToggleKeyStatus)] == actions
    assert len(box.sent(KeyStatusRequest)) == len(KEYS)
    assert client.unanswered_requests == 0
    assert events
    assert all(requested for _, requested in events)  # every copy was our own read
