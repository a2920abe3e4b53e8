"""Hygiene of the library: hostile names, credentials in logs and errors, bounded buffers.

Everything goes through real loopback sockets. Names a Python string cannot hold
(invalid UTF-16) are put on the wire by a proxy that rewrites the simulator's
replies byte for byte.
"""

from __future__ import annotations

import dataclasses
import logging
import traceback
from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Final

import pytest

from custom_components.vitrea.vbox.enums import KeyCategory, KeyPowerStatus, KeyType
from custom_components.vitrea.vbox.errors import AuthenticationError, MessageError
from custom_components.vitrea.vbox.installation import Installation, Key, Node, Room
from custom_components.vitrea.vbox.vtu.client import ConnectionState, VBoxClient
from custom_components.vitrea.vbox.vtu.enums import CommandId, Direction, ProtocolVersion
from custom_components.vitrea.vbox.vtu.frames import DiscardReason, Frame, FrameDecoder
from custom_components.vitrea.vbox.vtu.messages import (
    KeyParameters,
    KeyStatus,
    RoomMetaData,
    decode,
)
from simulator import VBoxSimulator

from ..common import FAST, running_box, wait_until
from .conftest import ConnectionRecorder, FrameProxy

SIM_LOGGER: Final = "simulator"  # its modules log under simulator.*
USER: Final = "hygiene-user-Qx7"
SECRET: Final = "pw-Zk93!hygiene"
WRONG: Final = "typo-Jm27!hygiene"
CHANGED: Final = "new-Rt55!hygiene"

CONTROL = "\x00\x07\n\r\t\x1b[31m"  # ends in "m": nothing for the trim to take
LONGEST = "ש" * 127  # 254 bytes: the most whole characters a one-byte length allows
EMOJI = "😀" * 63  # surrogate pairs, 252 bytes
RTL = "\u202e\u05e9\u05dc\u05d5\u05dd\u202c 🏠 \u200fhome"  # RTL override, marks, mixed scripts

# Placeholders the proxy replaces with raw name bytes (length byte included).
RAW: Final[dict[str, bytes]] = {
    "raw-high": b"\x02\x00\xd8",  # a lone high surrogate
    "raw-low": b"\x06K\x00\x00\xdci\x00",  # a lone low surrogate between two letters
    "raw-odd": b"\x03H\x00i",  # an odd byte count
    "raw-longest": b"\xff" + "x".encode("utf-16-le") * 127 + b"y",  # 255 bytes
}
DECODED: Final = {
    "raw-high": "\ufffd",
    "raw-low": "K\ufffdi",
    "raw-odd": "H\ufffd",
    "raw-longest": "x" * 127 + "\ufffd",
}


def _keys(*names: str) -> tuple[Key, ...]:
    return tuple(Key(i, KeyType.TOGGLE, KeyCategory.LIGHT, name) for i, name in enumerate(names))


HOSTILE = Installation(
    rooms=(
        Room(0, CONTROL),
        Room(1, ""),
        Room(2, LONGEST),
        Room(3, RTL),
        Room(4, "raw-high"),
        Room(5, "raw-odd"),
        Room(6, "Hall"),
    ),
    nodes=(
        Node(
            3,
            "00:15:8D:00:00:00:00:03",
            5,
            0,
            (
                *_keys(CONTROL, "", LONGEST, EMOJI, RTL, "raw-high"),
                Key(6, KeyType.NOT_EXIST),
                Key(7, KeyType.DIMMER, KeyCategory.LIGHT, "raw-odd"),
            ),
        ),
        Node(9, "00:15:8D:00:00:00:00:09", 5, 6, _keys("raw-low", "raw-longest", "Lamp")),
    ),
)


def served(installation: Installation) -> Installation:
    """The installation as the client should read it: raw placeholders decoded."""
    rooms = tuple(
        dataclasses.replace(r, name=DECODED.get(r.name, r.name)) for r in installation.rooms
    )
    nodes = tuple(
        dataclasses.replace(
            n, keys=tuple(dataclasses.replace(k, name=DECODED.get(k.name, k.name)) for k in n.keys)
        )
        for n in installation.nodes
    )
    return Installation(rooms, nodes, installation.protocol_version)


def rewrite(frame: Frame, layout: ProtocolVersion, raw: dict[str, bytes]) -> Frame:
    """The box's reply with a placeholder name replaced by raw bytes; others unchanged."""
    if frame.command == CommandId.ROOM_METADATA:
        room = decode(frame)
        assert isinstance(room, RoomMetaData)
        if room.name in raw:
            payload = frame.payload[:2] + raw[room.name]
            return dataclasses.replace(frame, payload=payload)
    elif frame.command == CommandId.KEY_PARAMETERS:
        key = decode(frame, layout)
        assert isinstance(key, KeyParameters)
        if key.name in raw:
            length_at = 11 if layout is ProtocolVersion.V1 else 12
            payload = frame.payload[:length_at] + raw[key.name]
            return dataclasses.replace(frame, payload=payload)
    return frame


class RewritingProxy(FrameProxy):
    """A TCP proxy to the simulator that rewrites placeholder names in its replies."""

    def __init__(self, simulator: VBoxSimulator, raw: dict[str, bytes]) -> None:
        super().__init__(simulator.port)
        self.simulator = simulator
        self.raw = raw

    def to_client(self, frame: Frame) -> Frame | None:
        return rewrite(frame, self.simulator.layout, self.raw)


def serving(installation: Installation) -> AbstractAsyncContextManager[VBoxSimulator]:
    """A box with distinctive credentials, so that any leak of them is found."""
    return running_box(installation, username=USER, password=SECRET)


@asynccontextmanager
async def proxied(simulator: VBoxSimulator, raw: dict[str, bytes]) -> AsyncIterator[int]:
    """The port of a RewritingProxy in front of ``simulator``."""
    proxy = RewritingProxy(simulator, raw)
    port = await proxy.start()
    try:
        yield port
    finally:
        await proxy.stop()


@pytest.fixture
async def box() -> AsyncIterator[VBoxSimulator]:
    async with serving(HOSTILE) as sim:
        yield sim


@pytest.fixture
async def clients() -> AsyncIterator[list[VBoxClient]]:
    """Clients a test makes; all closed at the end."""
    made: list[VBoxClient] = []
    try:
        yield made
    finally:
        for client in made:
            await client.close()


def new_client(
    clients: list[VBoxClient], port: int, password: str = SECRET, **config: Any
) -> VBoxClient:
    client = VBoxClient(
        "127.0.0.1", port, USER, password, config=dataclasses.replace(FAST, **config)
    )
    clients.append(client)
    return client


def forms(secret: str) -> list[str]:
    """A secret as text and as the UTF-16LE bytes of a Login frame, in hex as logs print it."""
    wire = secret.encode("utf-16-le")
    return [secret, wire.hex(), wire.hex(" "), wire.hex(" ").upper(), repr(wire)[2:-1]]


def assert_not_in(text: str, secrets: Iterable[str]) -> None:
    for secret in secrets:
        for form in forms(secret):
            assert form not in text, f"{secret!r} leaked as {form!r}"


def assert_no_credentials(caplog: pytest.LogCaptureFixture, *passwords: str) -> None:
    """No password anywhere in the log; the username only in the simulator's own lines."""
    assert_not_in(caplog.text, passwords)
    for record in caplog.records:
        if record.name.partition(".")[0] != SIM_LOGGER:  # the simulator package
            assert_not_in(record.getMessage(), [USER])


def assert_error_is_clean(err: BaseException | None, *passwords: str) -> None:
    """Neither the error's text, repr nor its formatted traceback carries a password."""
    assert err is not None
    assert_not_in(str(err), passwords)
    assert_not_in(repr(err), passwords)
    assert_not_in("".join(traceback.format_exception(err)), passwords)


# ------------------------------------------------------------------ hostile names


@pytest.mark.parametrize("layout", [ProtocolVersion.V1, ProtocolVersion.V2])
async def test_hostile_names_are_read_whole_and_nothing_else_is_lost(
    layout: ProtocolVersion, clients: list[VBoxClient], caplog: pytest.LogCaptureFixture
) -> None:
    """Control characters, empty, longest, emoji/RTL and invalid UTF-16 names all read:
    invalid code units become U+FFFD, every other room, key and state is intact."""
    installation = dataclasses.replace(HOSTILE, protocol_version=layout)
    async with serving(installation) as sim, proxied(sim, RAW) as port:
        client = new_client(clients, port)
        await client.connect()
        read = await client.read_installation()
        assert client.connected
        await client.close()

    assert read == served(installation)
    names = [r.name for r in read.rooms] + [k.name for n in read.nodes for k in n.keys]
    assert all(isinstance(name, str) for name in names)
    assert read.room(0) == Room(0, CONTROL)
    assert read.room(4) == Room(4, "\ufffd")
    node = read.node(9)
    assert node is not None
    assert [k.name for k in node.keys] == ["K\ufffdi", "x" * 127 + "\ufffd", "Lamp"]
    assert set(client.key_states) == set(installation.active_keys())
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_name_longer_than_its_frame_is_a_clear_error_and_the_link_stays(
    box: VBoxSimulator, clients: list[VBoxClient]
) -> None:
    """A name whose length byte overruns the frame fails the read with MessageError;
    the connection and the key states already read survive it."""
    async with proxied(box, {"Hall": b"\x09H\x00a\x00"}) as port:  # claims 9 bytes, has 4
        client = new_client(clients, port)
        await client.connect()
        await client.key_status(3, 0)
        with pytest.raises(MessageError, match="RoomMetaData"):
            await client.read_installation()
        assert client.connected
        assert (await client.key_status(9, 2)).status is KeyPowerStatus.OFF
        assert set(client.key_states) == {(3, 0), (9, 2)}
        await client.close()


# ------------------------------------------------------------------ credentials


async def test_credentials_never_logged_on_connect_read_and_reconnect(
    box: VBoxSimulator, clients: list[VBoxClient], caplog: pytest.LogCaptureFixture
) -> None:
    """Connect, read everything, lose the link mid-frame and reconnect, at DEBUG:
    the password is in no log line, in no form (text or Login frame bytes)."""
    caplog.set_level(logging.DEBUG)
    client = new_client(clients, box.port)
    recorder = ConnectionRecorder(client)
    await client.connect()
    await client.read_installation()
    await box.drop_connections(mid_frame=True)
    await recorder.wait_for(ConnectionState.DISCONNECTED)
    await recorder.wait_for(ConnectionState.CONNECTED, count=2)
    await client.close()
    assert "Reconnected" in caplog.text  # the reconnect did happen, and was logged
    assert_no_credentials(caplog, SECRET)


async def test_wrong_password_is_in_no_log_and_no_error(
    box: VBoxSimulator, clients: list[VBoxClient], caplog: pytest.LogCaptureFixture
) -> None:
    """A refused login raises AuthenticationError whose text, repr and traceback
    name neither the typed nor the real password; the logs neither."""
    caplog.set_level(logging.DEBUG)
    client = new_client(clients, box.port, password=WRONG)
    with pytest.raises(AuthenticationError) as err:
        await client.connect()
    assert "refused the username or password" in str(err.value)
    assert_error_is_clean(err.value, WRONG, SECRET)
    assert_not_in(repr(client.last_error), [WRONG, SECRET])
    assert "login refused" in caplog.text  # the simulator did see and refuse it
    assert_no_credentials(caplog, WRONG, SECRET)


async def test_login_refused_on_reconnect_leaks_neither_password(
    box: VBoxSimulator, clients: list[VBoxClient], caplog: pytest.LogCaptureFixture
) -> None:
    """After a password change on the box, the reconnect's refusal is recorded in
    last_error and the log without the old or the new password."""
    caplog.set_level(logging.DEBUG)
    client = new_client(clients, box.port)
    recorder = ConnectionRecorder(client)
    await client.connect()
    box.set_credentials(USER, CHANGED)
    await box.drop_connections()
    await recorder.wait_for(ConnectionState.AUTH_FAILED)
    assert isinstance(client.last_error, AuthenticationError)
    assert_error_is_clean(client.last_error, SECRET, CHANGED)
    assert "refused the login" in caplog.text
    assert_no_credentials(caplog, SECRET, CHANGED)


# ------------------------------------------------------------------ bounded buffers


class WatchedDecoder(FrameDecoder):
    """A FrameDecoder that remembers the most bytes it ever held between reads."""

    def __init__(self, max_frame_size: int, client: VBoxClient) -> None:
        super().__init__(
            Direction.FROM_VBOX, max_frame_size=max_frame_size, on_discard=client._on_discard
        )
        self.peak = 0
        self.fed = 0

    def feed(self, data: bytes | bytearray | memoryview) -> list[Frame]:
        frames = super().feed(data)
        self.fed += len(data)
        self.peak = max(self.peak, self.buffered)
        return frames


async def test_hostile_stream_keeps_the_client_buffer_bounded_and_the_log_quiet(
    box: VBoxSimulator, clients: list[VBoxClient], caplog: pytest.LogCaptureFixture
) -> None:
    """A megabyte without a prefix, headers announcing 64 KiB frames and frames
    just over the bound never make the client hold more than one maximal frame;
    each kind of discard warns once, the link stays up, the next push arrives."""
    max_size = 256
    client = new_client(clients, box.port, max_frame_size=max_size)
    decoder = WatchedDecoder(max_size, client)
    client._decoder = decoder  # the client's own decoder, watched
    await client.connect()
    pushes: list[KeyPowerStatus] = []
    client.add_key_listener(lambda status, _requested: pushes.append(status.status))

    junk = bytes(range(256)).replace(b"V", b"v") * 4096  # 1 MiB, no "VTU" in it
    huge = b"VTU<\x29\xff\xff" + b"\xaa" * 100  # a header claiming 65535 bytes
    over = Frame(Direction.FROM_VBOX, 0x29, 0, bytes(max_size)).to_bytes()  # just too long
    stream = junk + huge * 50 + over * 10
    for start in range(0, len(stream), 65536):
        await box.send_raw(stream[start : start + 65536])
    await box.set_key_state(9, 2, KeyPowerStatus.ON)
    await wait_until(lambda: KeyPowerStatus.ON in pushes)

    assert decoder.fed > len(stream)  # it all went through this decoder
    assert decoder.peak <= max_size
    assert client.connected
    assert client.discarded[DiscardReason.JUNK] >= 1
    assert client.discarded[DiscardReason.BAD_LENGTH] >= 50
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert all(w.startswith("Discarded") for w in warnings)
    reasons = [w.rsplit("(", 1)[1].rstrip(")") for w in warnings]
    assert sorted(reasons) == sorted(set(reasons))  # once per reason, not per read
    assert {"junk", "bad_length"} <= set(reasons)
    assert (await client.key_status(9, 2)).status is KeyPowerStatus.ON


async def test_frame_announcing_more_than_ever_comes_heals_by_reconnecting(
    box: VBoxSimulator, clients: list[VBoxClient]
) -> None:
    """A header whose length (within the bound) is never filled swallows the answers
    that follow; the heartbeat notices, the client reconnects on a fresh stream and
    reads every key state again: nothing is lost."""
    client = new_client(clients, box.port, heartbeat_interval=0.1)
    recorder = ConnectionRecorder(client)
    await client.connect()
    await client.read_installation()
    await box.set_key_state(3, 0, KeyPowerStatus.ON)
    await wait_until(lambda: client.key_states[3, 0].status is KeyPowerStatus.ON)

    # A NodeMetaData header claiming 200 bytes (a size such a reply can have), then nothing.
    await box.send_raw(b"VTU<\x1f\x00\xc8")
    await recorder.wait_for(ConnectionState.DISCONNECTED)
    await recorder.wait_for(ConnectionState.CONNECTED, count=2)

    last_login = max(i for i, f in enumerate(box.received) if f.command == CommandId.LOGIN)
    after = box.received[last_login:]
    reread = {(f.payload[0], f.payload[1]) for f in after if f.command == CommandId.KEY_STATUS}
    assert reread == set(HOSTILE.active_keys())
    assert client.key_states[3, 0].status is KeyPowerStatus.ON
    assert (await client.key_status(9, 2)).status is KeyPowerStatus.OFF


async def test_corrupted_length_is_refused_at_its_header_and_the_next_push_arrives(
    box: VBoxSimulator, clients: list[VBoxClient]
) -> None:
    """A KeyStatus header claiming 1000 bytes (none is ever longer than a few dozen)
    is discarded as soon as it arrives: the push right behind it is not swallowed
    waiting for bytes that never come, and the link stays."""
    client = new_client(clients, box.port)
    recorder = ConnectionRecorder(client)
    await client.connect()
    pushes: list[KeyStatus] = []
    client.add_key_listener(lambda status, _requested: pushes.append(status))
    await box.send_raw(b"VTU<\x29\x03\xe8")
    await box.set_key_state(3, 0, KeyPowerStatus.ON)
    await wait_until(lambda: [(p.node_id, p.key_id) for p in pushes] == [(3, 0)])
    assert client.discarded[DiscardReason.BAD_LENGTH] == 1
    assert recorder.states == [ConnectionState.CONNECTED]
