"""Client behaviour against a scripted box that answers what a test tells it to.

The simulator answers correctly; these cases need a box that does not: negative
acknowledgements where none is expected, malformed replies, odd ACKs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from custom_components.vitrea.vbox.enums import KeyPowerStatus
from custom_components.vitrea.vbox.errors import (
    BoxBusyError,
    CommandRejectedError,
    MessageError,
    VBoxTimeoutError,
)
from custom_components.vitrea.vbox.vtu.client import ConnectionState, VBoxClient
from custom_components.vitrea.vbox.vtu.enums import AckType, CommandId, Direction
from custom_components.vitrea.vbox.vtu.frames import Frame
from custom_components.vitrea.vbox.vtu.messages import (
    Message,
    NodeCountRequest,
    ToggleHeartbeat,
    ToggleKeyStatus,
)

from .conftest import FAST, Answer, ScriptedBox, ack


@pytest.fixture
async def client(box: ScriptedBox) -> AsyncIterator[VBoxClient]:
    vbox = VBoxClient("127.0.0.1", box.port, "user", "pass", config=FAST)
    try:
        yield vbox
    finally:
        await vbox.close()


async def test_toggle_heartbeat_refused_is_a_rejected_command(
    box: ScriptedBox, client: VBoxClient
) -> None:
    def refuse_heartbeat(message: Message, message_id: int) -> Answer:
        kind = AckType.NACK if isinstance(message, ToggleHeartbeat) else AckType.ACK
        return ack(kind, message_id)

    box.script = refuse_heartbeat
    with pytest.raises(CommandRejectedError) as err:
        await client.connect()
    assert err.value.ack is AckType.NACK
    assert not client.connected


async def test_command_answered_in_use_is_busy(box: ScriptedBox, client: VBoxClient) -> None:
    await client.connect()

    def busy(message: Message, message_id: int) -> Answer:
        return ack(
            AckType.IN_USE if isinstance(message, ToggleKeyStatus) else AckType.ACK, message_id
        )

    box.script = busy
    with pytest.raises(BoxBusyError):
        await client.request(ToggleKeyStatus(1, 0, KeyPowerStatus.ON))


async def test_malformed_reply_fails_its_request_at_once(
    box: ScriptedBox, client: VBoxClient
) -> None:
    await client.connect()

    def truncated(message: Message, message_id: int) -> Answer:
        if isinstance(message, NodeCountRequest):  # says 5 ids, carries none
            return Frame(Direction.FROM_VBOX, CommandId.NODE_COUNT, message_id, b"\x05").to_bytes()
        return ack(AckType.ACK, message_id)

    box.script = truncated
    with pytest.raises(MessageError):
        await client.request(NodeCountRequest())
    assert client.connected


async def test_plain_ack_does_not_answer_a_data_request(
    box: ScriptedBox, client: VBoxClient
) -> None:
    await client.connect()  # the polite box ACKs everything, NodeCount included
    with pytest.raises(VBoxTimeoutError):
        await client.request(NodeCountRequest(), timeout=0.2)


async def test_failing_connection_listener_does_not_stop_the_others(
    client: VBoxClient, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[ConnectionState] = []

    def broken(state: ConnectionState) -> None:
        raise RuntimeError("listener bug")

    client.add_connection_listener(broken)
    client.add_connection_listener(seen.append)
    await client.connect()
    assert seen == [ConnectionState.CONNECTED]
    assert "listener bug" in caplog.text
