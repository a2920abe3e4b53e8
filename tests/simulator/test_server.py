"""Tests of the fake vBox, driven with raw asyncio streams and real VTU frames."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import types
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from custom_components.vitrea.vbox.enums import (
    KeyCategory,
    KeyPowerStatus,
    KeyType,
    LEDBackgroundBrightness,
    LockStatus,
)
from custom_components.vitrea.vbox.installation import (
    Installation,
    InstallationFormatError,
    Key,
    Node,
    Room,
)
from custom_components.vitrea.vbox.vtu import messages as m
from custom_components.vitrea.vbox.vtu.enums import AckType, Direction, ProtocolVersion
from custom_components.vitrea.vbox.vtu.frames import DiscardReason, Frame, FrameDecoder
from custom_components.vitrea.vbox.vtu.node_models import NODE_MODELS
from simulator import (
    BusyMode,
    PressKind,
    VBoxSimulator,
    demo_installation,
    demo_states,
    large_installation,
    load_installation,
)
from simulator import port as sim_port
from simulator.cli import main
from simulator.port import peer_name as _peer_name

from .raw_clients import RawClient

pytestmark = pytest.mark.usefixtures("socket_enabled")

TIMEOUT = 2.0
ON, OFF = KeyPowerStatus.ON, KeyPowerStatus.OFF
ACK = m.Acknowledgement(AckType.ACK)
ERROR = m.Acknowledgement(AckType.ERROR)
LOGGER = "simulator"
ROOT = Path(__file__).resolve().parents[2]


def vtu(command: int, message_id: int, payload: bytes = b"") -> bytes:
    """A box-to-client frame built by hand from the doc's rules (independent of frames.py)."""
    body = b"VTU<" + bytes((command,)) + (len(payload) + 2).to_bytes(2, "big")
    body += bytes((message_id,)) + payload
    return body + bytes((sum(body) & 0xFF,))


class Peer(RawClient):
    """A raw client of port 11501: writes request frames, decodes what the box sends."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        layout: ProtocolVersion | None,
    ) -> None:
        super().__init__(reader, writer)
        self.layout = layout
        self.discarded: list[DiscardReason] = []
        self.decoder = FrameDecoder(
            Direction.FROM_VBOX, on_discard=lambda reason, _data: self.discarded.append(reason)
        )
        self.frames: deque[Frame] = deque()
        self._ids = itertools.count()

    @classmethod
    async def open(cls, port: int, layout: ProtocolVersion | None = None) -> Peer:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, layout)

    def next_id(self) -> int:
        return next(self._ids) % 255 + 1

    async def send(self, request: m.Request, message_id: int | None = None) -> int:
        message_id = self.next_id() if message_id is None else message_id
        await self.write(request.to_frame(message_id).to_bytes())
        return message_id

    async def frame(self, timeout: float = TIMEOUT) -> Frame:
        async with asyncio.timeout(timeout):
            while not self.frames:
                data = await self.reader.read(4096)
                if not data:
                    raise EOFError("the box closed the connection")
                self.frames.extend(self.decoder.feed(data))
        return self.frames.popleft()

    async def message(self, timeout: float = TIMEOUT) -> tuple[int, m.Message]:
        frame = await self.frame(timeout)
        return frame.message_id, m.decode(frame, self.layout)

    async def ask(self, request: m.Request, message_id: int | None = None) -> m.Message:
        sent = await self.send(request, message_id)
        got, message = await self.message()
        assert got == sent, f"answer to {request} carries id {got}, not {sent}"
        return message

    async def raw_answer(self, request: m.Request, message_id: int, size: int) -> bytes:
        await self.send(request, message_id)
        return await asyncio.wait_for(self.reader.readexactly(size), TIMEOUT)

    async def no_frame(self, wait: float = 0.15) -> None:
        try:
            frame = await self.frame(wait)
        except TimeoutError:
            return
        pytest.fail(f"unexpected frame {frame}")


async def wait_for(condition: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    """Poll ``condition`` until it holds; TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.005)


async def wait_for_output(capsys: pytest.CaptureFixture[str], text: str) -> str:
    """Collect stdout until ``text`` shows up."""
    out: list[str] = []

    def seen() -> bool:
        out.append(capsys.readouterr().out)
        return text in "".join(out)

    await wait_for(seen)
    return "".join(out)


Factory = Callable[..., Awaitable[VBoxSimulator]]


@pytest.fixture
async def make_sim() -> AsyncIterator[Factory]:
    """Start simulators on free ports; stop every one of them afterwards."""
    started: list[VBoxSimulator] = []

    async def factory(installation: Installation | None = None, **kwargs: Any) -> VBoxSimulator:
        if installation is None:
            installation = demo_installation()
            kwargs.setdefault("states", demo_states())
        kwargs.setdefault("minute", 0.05)
        simulator = VBoxSimulator(installation, **kwargs)
        started.append(simulator)
        await simulator.start()
        return simulator

    try:
        yield factory
    finally:
        for simulator in started:
            await simulator.stop()


@pytest.fixture
async def peers() -> AsyncIterator[Callable[..., Awaitable[Peer]]]:
    opened: list[Peer] = []

    async def factory(port: int, layout: ProtocolVersion | None = None) -> Peer:
        peer = await Peer.open(port, layout)
        opened.append(peer)
        return peer

    try:
        yield factory
    finally:
        for peer in opened:
            await peer.close()


@pytest.fixture
async def sim(make_sim: Factory) -> VBoxSimulator:
    return await make_sim()


@pytest.fixture
async def peer(sim: VBoxSimulator, peers: Callable[..., Awaitable[Peer]]) -> Peer:
    return await peers(sim.port, ProtocolVersion.V2)


async def read_everything(peer: Peer) -> tuple[tuple[Room, ...], tuple[Node, ...]]:
    """Read the topology through the protocol, the way a client does."""
    rooms = []
    room_ids = await peer.ask(m.RoomCountRequest())
    assert isinstance(room_ids, m.RoomCount)
    for room_id in room_ids.ids:
        room = await peer.ask(m.RoomMetaDataRequest(room_id))
        assert isinstance(room, m.RoomMetaData)
        rooms.append(Room(room.room_id, room.name, room.floor_id))
    nodes = []
    node_ids = await peer.ask(m.NodeCountRequest())
    assert isinstance(node_ids, m.NodeCount)
    for node_id in node_ids.ids:
        meta = await peer.ask(m.NodeMetaDataRequest(node_id))
        assert isinstance(meta, m.NodeMetaData)
        assert meta.layout is peer.layout
        keys = []
        for key_id, key_type in enumerate(meta.key_types):
            if not key_type.exists:
                keys.append(Key(key_id, key_type))
                continue
            params = await peer.ask(m.KeyParametersRequest(node_id, key_id))
            assert isinstance(params, m.KeyParameters)
            assert params.layout is peer.layout
            keys.append(Key(key_id, key_type, params.category, params.name))
        nodes.append(
            Node(
                meta.node_id,
                meta.mac,
                meta.model,
                meta.room_id,
                tuple(keys),
                meta.firmware,
                meta.lock,
                meta.led_level,
            )
        )
    return tuple(rooms), tuple(nodes)


# ----------------------------------------------------------------------- session


async def test_login_ack_nack_and_heartbeats(
    sim: VBoxSimulator, peer: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    sim.set_credentials("dana", "s3cret-pw")
    sim.close_after_refused_login = False
    assert await peer.ask(m.ToggleHeartbeat(enable=True, unsolicited=True), 1) == ACK
    assert await peer.ask(m.Login("dana", "wrong"), 2) == m.Acknowledgement(AckType.NACK)
    assert await peer.ask(m.Login("admin", "s3cret-pw"), 3) == m.Acknowledgement(AckType.NACK)
    # The connection stays open after a NACK when the knob says so.
    assert await peer.ask(m.Login("dana", "s3cret-pw"), 4) == ACK
    assert await peer.ask(m.Heartbeat(), 5) == ACK
    assert [f.command for f in sim.received] == [0x08, 0x01, 0x01, 0x01, 0x07]
    assert [f.message_id for f in sim.received] == [1, 2, 3, 4, 5]
    assert "s3cret-pw" not in caplog.text
    assert "login refused" in caplog.text
    sim.clear_received()
    assert sim.received == []


async def test_ack_is_byte_exact(peer: Peer) -> None:
    # The doc's ACK example: 56 54 55 3C 00 00 03 00 00 3E.
    data = await peer.raw_answer(m.Heartbeat(), 0, 10)
    assert data == bytes.fromhex("56 54 55 3C 00 00 03 00 00 3E")


async def test_requests_before_login_are_answered_with_one_warning(
    peer: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, LOGGER)
    assert isinstance(await peer.ask(m.RoomCountRequest()), m.RoomCount)
    assert isinstance(await peer.ask(m.NodeCountRequest()), m.NodeCount)
    warnings = [r for r in caplog.records if "before a successful Login" in r.message]
    assert len(warnings) == 1
    assert "RoomCountRequest" in warnings[0].message


# ----------------------------------------------------------------------- topology


def samples_installation() -> Installation:
    """Shaped like the captures of the doc, so the answers can be compared byte for byte."""
    rooms = (Room(0, "Entrance"), *(Room(i, f"Room {i}") for i in range(1, 8)))
    node_ids = [*range(1, 12), *range(13, 17)]
    nodes = tuple(
        Node(
            node_id,
            f"00:15:8D:00:00:69:C4:{node_id:02X}",
            3,
            0,
            (Key(0, KeyType.TOGGLE, KeyCategory.LIGHT, "Dining Room Toilet"),),
            (7, 9, 3),
        )
        for node_id in node_ids
    )
    return Installation(rooms, nodes, ProtocolVersion.V2)


async def test_answers_match_the_doc_samples(make_sim: Factory, peers: Any) -> None:
    sim = await make_sim(samples_installation())
    peer = await peers(sim.port)
    # RoomCount sample, verbatim.
    expected = bytes.fromhex("56 54 55 3C 1D 00 0B 1E 08 00 01 02 03 04 05 06 07 A5")
    assert await peer.raw_answer(m.RoomCountRequest(), 0x1E, len(expected)) == expected
    # NodeCount sample, verbatim.
    expected = bytes.fromhex(
        "56 54 55 3C 24 00 12 3B 0F 01 02 03 04 05 06 07 08 09 0A 0B 0D 0E 0F 10 37"
    )
    assert await peer.raw_answer(m.NodeCountRequest(), 0x3B, len(expected)) == expected
    # RoomMetaData sample: length 0x15, "Entrance", checksum C9.
    expected = vtu(0x1A, 0x1F, b"\x00\x00\x10" + "Entrance".encode("utf-16-le"))
    assert expected[5:11] == bytes.fromhex("00 15 1F 00 00 10")
    assert expected[-1] == 0xC9
    assert await peer.raw_answer(m.RoomMetaDataRequest(0), 0x1F, len(expected)) == expected
    # KeyParameters V2 sample: length 0x33, the constant bytes, then the name.
    expected = vtu(
        0x2B,
        0x78,
        bytes.fromhex("01 00 FF 01 00 78 78 01 64 01 00 00 24")
        + "Dining Room Toilet".encode("utf-16-le"),
    )
    assert expected[5:7] == b"\x00\x33"
    assert await peer.raw_answer(m.KeyParametersRequest(1, 0), 0x78, len(expected)) == expected
    # KeyStatus: node, key, state, level, timer, two extra bytes.
    expected = vtu(0x29, 0x48, bytes.fromhex("01 00 46 00 00 00 00 00"))
    assert await peer.raw_answer(m.KeyStatusRequest(1, 0), 0x48, len(expected)) == expected


async def test_room_count_of_the_demo_is_byte_exact(peer: Peer) -> None:
    expected = vtu(0x1D, 0x1D, bytes((10, *range(10))))
    assert await peer.raw_answer(m.RoomCountRequest(), 0x1D, len(expected)) == expected


async def test_room_names_are_padded_by_the_box_and_trimmed_by_the_client(peer: Peer) -> None:
    name = "חדר ילדים "
    expected = vtu(0x1A, 9, bytes((4, 1, len(name) * 2)) + name.encode("utf-16-le"))
    assert await peer.raw_answer(m.RoomMetaDataRequest(4), 9, len(expected)) == expected
    reply = await peer.ask(m.RoomMetaDataRequest(4))
    assert reply == m.RoomMetaData(4, 1, "חדר ילדים")


NODE_8_MAC = bytes.fromhex("00 15 8D 00 02 5F 10 8A")
NODE_8_TYPES = bytes((2, 10, 11, 12, 4, 0))
NODE_8_TAIL = bytes.fromhex("00 01 83 08 01 02 00 03")  # lock, LED, 0x83, 8.1.2, 0, room 3


@pytest.mark.parametrize("layout", [ProtocolVersion.V1, ProtocolVersion.V2])
async def test_node_metadata_and_key_parameters_are_byte_exact(
    make_sim: Factory, peers: Any, layout: ProtocolVersion
) -> None:
    sim = await make_sim(layout=layout)
    assert sim.layout is layout
    peer = await peers(sim.port, layout)
    if layout is ProtocolVersion.V1:
        payload = b"\x08" + NODE_8_MAC + b"\x0c\x06" + NODE_8_TYPES + NODE_8_TAIL + b"\x00"
        extra = bytes.fromhex("00 00 00 00 00 73 3A")
    else:
        payload = b"\x08" + NODE_8_MAC + b"\x02\x0c\x06" + NODE_8_TYPES + NODE_8_TAIL + b"\x00\x00"
        extra = bytes.fromhex("00 78 78 01 64 01 00 00")
    expected = vtu(0x1F, 0x34, payload)
    assert await peer.raw_answer(m.NodeMetaDataRequest(8), 0x34, len(expected)) == expected

    name = "מנורת לילה (MW)".encode("utf-16-le")
    expected = vtu(0x2B, 0x7C, b"\x08\x01\xff\x01" + extra + bytes((len(name),)) + name)
    assert await peer.raw_answer(m.KeyParametersRequest(8, 1), 0x7C, len(expected)) == expected


@pytest.mark.parametrize("layout", [ProtocolVersion.V1, ProtocolVersion.V2])
async def test_the_whole_installation_parses_back(
    make_sim: Factory, peers: Any, layout: ProtocolVersion
) -> None:
    sim = await make_sim(layout=layout)
    peer = await peers(sim.port, layout)
    rooms, nodes = await read_everything(peer)
    demo = demo_installation()
    assert rooms == tuple(Room(r.id, r.name.rstrip(), r.floor_id) for r in demo.rooms)
    assert nodes == demo.nodes


async def test_large_installation_parses_back_with_v1_layout(make_sim: Factory, peers: Any) -> None:
    installation = large_installation(12, protocol_version=ProtocolVersion.V1)
    sim = await make_sim(installation)
    assert sim.layout is ProtocolVersion.V1
    peer = await peers(sim.port, ProtocolVersion.V1)
    rooms, nodes = await read_everything(peer)
    assert rooms == installation.rooms
    assert nodes == installation.nodes


async def test_key_positions_come_from_key_ids(make_sim: Factory, peers: Any) -> None:
    # A hand-written file may list keys out of order or skip positions.
    keys = (
        Key(2, KeyType.DIMMER, KeyCategory.LIGHT, "Two"),
        Key(0, KeyType.TOGGLE, KeyCategory.LIGHT, "Zero"),
    )
    node = Node(7, "00:15:8D:00:00:00:00:07", 3, 0, keys, (7, 9, 3))
    sim = await make_sim(Installation((Room(0, "R"),), (node,)))
    peer = await peers(sim.port)
    meta = await peer.ask(m.NodeMetaDataRequest(7))
    assert isinstance(meta, m.NodeMetaData)
    assert meta.key_types == (KeyType.TOGGLE, KeyType.NOT_EXIST, KeyType.DIMMER)
    params = await peer.ask(m.KeyParametersRequest(7, 2))
    assert isinstance(params, m.KeyParameters)
    assert params.name == "Two"
    assert await peer.ask(m.KeyParametersRequest(7, 1)) == ERROR
    assert await toggle(peer, m.ToggleKeyStatus(7, 2, ON, 40)) == m.KeyStatus(7, 2, ON, 40)
    empty = Node(9, "00:15:8D:00:00:00:00:09", 3, 0)
    await sim.restart(Installation((Room(0, "R"),), (empty,)))
    peer = await peers(sim.port)
    meta = await peer.ask(m.NodeMetaDataRequest(9))
    assert isinstance(meta, m.NodeMetaData)
    assert meta.key_types == ()


async def test_other_requests(peer: Peer) -> None:
    assert await peer.ask(m.NodeCountRequest()) == m.NodeCount(
        (1, 2, 3, 5, 6, 8, 11, 13, 14, 16, 20, 22, 25, 31)
    )
    assert await peer.ask(m.NodeStatusRequest(13)) == m.NodeStatus(bytes((13, 1, 2)))
    assert await peer.ask(m.InternalUnitStatusesRequest()) == m.InternalUnitStatuses(b"")
    assert await peer.ask(m.KeyStatusRequest(2, 0), 0x79) == m.KeyStatus(2, 0, ON, 60, 0)
    assert await peer.ask(m.KeyStatusRequest(3, 0)) == m.KeyStatus(3, 0, ON, 40, 0)
    assert await peer.ask(m.KeyStatusRequest(5, 1)) == m.KeyStatus(5, 1, OFF, 0, 0)


async def test_unknown_targets_and_commands_get_error(sim: VBoxSimulator, peer: Peer) -> None:
    requests: list[m.Request] = [
        m.RoomMetaDataRequest(99),
        m.NodeMetaDataRequest(99),
        m.NodeStatusRequest(99),
        m.KeyParametersRequest(99, 0),
        m.KeyParametersRequest(2, 3),
        m.KeyStatusRequest(1, 5),  # a NOT_EXIST position
        m.KeyStatusRequest(99, 0),
        m.ToggleKeyStatus(99, 0, ON),
        m.ToggleKeyStatus(1, 5, ON),
        m.ToggleKeyStatus(1, 0, KeyPowerStatus(0x41)),  # no such action
        m.ToggleNodeStatus(99, LockStatus.LOCKED, LEDBackgroundBrightness.OFF),
    ]
    for request in requests:
        assert await peer.ask(request) == ERROR, request
    # Unknown command, and a known command whose payload does not fit.
    await peer.write(Frame(Direction.TO_VBOX, 0x55, 0x42, b"\x01").to_bytes())
    assert await peer.message() == (0x42, ERROR)
    await peer.write(Frame(Direction.TO_VBOX, 0x1A, 0x43, b"").to_bytes())
    assert await peer.message() == (0x43, ERROR)
    await peer.write(Frame(Direction.TO_VBOX, 0x01, 0x44, b"\x04a\x00").to_bytes())
    assert await peer.message() == (0x44, ERROR)
    # Nothing changed, nothing pushed.
    await peer.no_frame(0.05)
    assert sim.key_state(1, 0) == m.KeyStatus(1, 0, OFF)


# ----------------------------------------------------------------------- key control


async def toggle(peer: Peer, request: m.ToggleKeyStatus) -> m.KeyStatus:
    """Send a ToggleKeyStatus, expect the ACK (same id) and then one push (id 0)."""
    assert await peer.ask(request) == ACK
    message_id, push = await peer.message()
    assert message_id == 0
    assert isinstance(push, m.KeyStatus)
    assert push.extra == b"\x00\x00"
    return push


async def test_toggle_on_and_off(sim: VBoxSimulator, peer: Peer) -> None:
    assert await toggle(peer, m.ToggleKeyStatus(5, 2, ON, 100)) == m.KeyStatus(5, 2, ON)
    assert sim.key_state(5, 2) == m.KeyStatus(5, 2, ON)
    assert await peer.ask(m.KeyStatusRequest(5, 2)) == m.KeyStatus(5, 2, ON)
    assert await toggle(peer, m.ToggleKeyStatus(5, 2, OFF)) == m.KeyStatus(5, 2, OFF)
    # Other toggle-like keys switch the same way.
    assert await toggle(peer, m.ToggleKeyStatus(16, 0, ON)) == m.KeyStatus(16, 0, ON)
    assert await toggle(peer, m.ToggleKeyStatus(20, 2, ON)) == m.KeyStatus(20, 2, ON)


async def test_ack_then_push_bytes(peer: Peer) -> None:
    await peer.send(m.ToggleKeyStatus(1, 2, ON, 100), 0x79)
    expected = vtu(0x00, 0x79, b"\x00") + vtu(0x29, 0x00, bytes.fromhex("01 02 4F 00 00 00 00 00"))
    assert await asyncio.wait_for(peer.reader.readexactly(len(expected)), TIMEOUT) == expected


async def test_dimmer_levels(sim: VBoxSimulator, peer: Peer) -> None:
    # A dimmer never set: ON without a level means full.
    assert await toggle(peer, m.ToggleKeyStatus(2, 1, ON, 0)) == m.KeyStatus(2, 1, ON, 100)
    assert await toggle(peer, m.ToggleKeyStatus(2, 1, ON, 30)) == m.KeyStatus(2, 1, ON, 30)
    assert await toggle(peer, m.ToggleKeyStatus(2, 1, OFF)) == m.KeyStatus(2, 1, OFF, 0)
    # ON without a level restores the previous one.
    assert await toggle(peer, m.ToggleKeyStatus(2, 1, ON, 0)) == m.KeyStatus(2, 1, ON, 30)
    assert await toggle(peer, m.ToggleKeyStatus(2, 1, ON, 150)) == m.KeyStatus(2, 1, ON, 100)
    # The demo's initial 60 % is remembered too, and mirrors dim like dimmers.
    await toggle(peer, m.ToggleKeyStatus(2, 0, OFF))
    assert await toggle(peer, m.ToggleKeyStatus(2, 0, ON)) == m.KeyStatus(2, 0, ON, 60)
    assert await toggle(peer, m.ToggleKeyStatus(8, 1, ON, 25)) == m.KeyStatus(8, 1, ON, 25)
    assert sim.key_state(8, 1).level == 25


async def test_blind_position_close_and_stop(sim: VBoxSimulator, peer: Peer) -> None:
    assert await toggle(peer, m.ToggleKeyStatus(3, 0, ON, 70)) == m.KeyStatus(3, 0, ON, 70)
    # Stop keeps the position and pushes the current state.
    assert await toggle(peer, m.ToggleKeyStatus(3, 0, ON, 255)) == m.KeyStatus(3, 0, ON, 70)
    assert await toggle(peer, m.ToggleKeyStatus(3, 0, OFF, 255)) == m.KeyStatus(3, 0, ON, 70)
    # Position 0 is closed.
    assert await toggle(peer, m.ToggleKeyStatus(3, 0, ON, 0)) == m.KeyStatus(3, 0, OFF, 0)
    assert await toggle(peer, m.ToggleKeyStatus(3, 1, ON, 100)) == m.KeyStatus(3, 1, ON, 100)
    assert await toggle(peer, m.ToggleKeyStatus(3, 1, OFF)) == m.KeyStatus(3, 1, OFF, 0)
    assert await toggle(peer, m.ToggleKeyStatus(8, 2, ON, 55)) == m.KeyStatus(8, 2, ON, 55)
    # From the wall, without a level: fully open from closed, else where it was.
    await sim.set_key_state(3, 1, ON)
    assert (await peer.message())[1] == m.KeyStatus(3, 1, ON, 100)
    await sim.set_key_state(8, 2, ON)
    assert (await peer.message())[1] == m.KeyStatus(8, 2, ON, 55)


async def test_timer_counts_down_and_turns_the_key_off(sim: VBoxSimulator, peer: Peer) -> None:
    started = time.monotonic()
    push = await toggle(peer, m.ToggleKeyStatus(16, 0, ON, 0, 3))
    assert push == m.KeyStatus(16, 0, ON, 0, 3)
    assert 1 <= sim.key_state(16, 0).timer <= 3
    message_id, expired = await peer.message()
    elapsed = time.monotonic() - started
    assert (message_id, expired) == (0, m.KeyStatus(16, 0, OFF, 0, 0))
    assert elapsed >= 3 * sim.minute * 0.9
    assert sim.key_state(16, 0) == m.KeyStatus(16, 0, OFF)


async def test_off_and_plain_on_cancel_the_timer(sim: VBoxSimulator, peer: Peer) -> None:
    await toggle(peer, m.ToggleKeyStatus(16, 0, ON, 0, 2))
    assert await toggle(peer, m.ToggleKeyStatus(16, 0, OFF)) == m.KeyStatus(16, 0, OFF)
    await toggle(peer, m.ToggleKeyStatus(2, 2, ON, 50, 2))
    assert await toggle(peer, m.ToggleKeyStatus(2, 2, ON, 50)) == m.KeyStatus(2, 2, ON, 50)
    await peer.no_frame(3 * sim.minute)


async def test_timer_survives_stop_and_start(make_sim: Factory, peers: Any) -> None:
    sim = await make_sim(minute=0.1)
    await sim.set_key_state(16, 0, ON, timer=2)
    assert sim.key_state(16, 0).timer == 2
    await sim.stop()
    assert sim.key_state(16, 0).timer == 2  # kept, not running
    await asyncio.sleep(0.25)
    assert sim.key_state(16, 0).status is ON
    await sim.start()
    await wait_for(lambda: sim.key_state(16, 0).status is OFF, 1.0)


def test_initial_timer_without_a_running_loop_waits_for_start() -> None:
    sim = VBoxSimulator(demo_installation(), states=[m.KeyStatus(16, 0, ON, 0, 5)])
    assert sim.key_state(16, 0) == m.KeyStatus(16, 0, ON, 0, 5)
    assert sim.port == 0
    assert not sim.running


async def test_scene_and_press_actions_push_the_press(sim: VBoxSimulator, peer: Peer) -> None:
    for action in (KeyPowerStatus.SHORT, KeyPowerStatus.LONG, KeyPowerStatus.RELEASED):
        assert await toggle(peer, m.ToggleKeyStatus(1, 3, action)) == m.KeyStatus(1, 3, action)
    # A press is not a load state.
    assert sim.key_state(1, 3) == m.KeyStatus(1, 3, OFF)


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (PressKind.SHORT, KeyPowerStatus.SHORT),
        (PressKind.LONG, KeyPowerStatus.LONG),
        (PressKind.RELEASE, KeyPowerStatus.RELEASED),
    ],
)
async def test_press_key_pushes(
    sim: VBoxSimulator, peer: Peer, kind: PressKind, status: KeyPowerStatus
) -> None:
    await sim.press_key(8, 3, kind)
    assert await peer.message() == (0, m.KeyStatus(8, 3, status))
    await sim.press_key(2, 0, kind)  # carries the key's level
    assert await peer.message() == (0, m.KeyStatus(2, 0, status, 60))
    assert sim.key_state(8, 3).status is OFF


async def test_set_key_state_from_the_wall(sim: VBoxSimulator, peer: Peer) -> None:
    await sim.set_key_state(11, 0, ON, level=45, timer=7)
    assert await peer.message() == (0, m.KeyStatus(11, 0, ON, 45, 7))
    await sim.set_key_state(11, 0, OFF)
    assert await peer.message() == (0, m.KeyStatus(11, 0, OFF))
    await sim.set_key_state(11, 0, KeyPowerStatus.LONG)
    assert await peer.message() == (0, m.KeyStatus(11, 0, KeyPowerStatus.LONG))
    with pytest.raises(ValueError, match="level"):
        await sim.set_key_state(11, 0, ON, level=101)
    with pytest.raises(ValueError, match="not a key state"):
        await sim.set_key_state(11, 0, KeyPowerStatus(0x41))
    with pytest.raises(KeyError):
        await sim.set_key_state(99, 0, ON)
    with pytest.raises(KeyError):
        sim.key_state(1, 5)
    with pytest.raises(KeyError):
        await sim.press_key(1, 99, PressKind.SHORT)


async def test_toggle_node_status(sim: VBoxSimulator, peer: Peer) -> None:
    request = m.ToggleNodeStatus(13, LockStatus.UNLOCKED, LEDBackgroundBrightness.MAX)
    assert await peer.ask(request) == ACK
    meta = await peer.ask(m.NodeMetaDataRequest(13))
    assert isinstance(meta, m.NodeMetaData)
    assert (meta.lock, meta.led_level) == (LockStatus.UNLOCKED, LEDBackgroundBrightness.MAX)
    node = sim.installation.node(13)
    assert node is not None
    assert (node.lock, node.led_level) == (LockStatus.UNLOCKED, LEDBackgroundBrightness.MAX)
    assert await peer.ask(m.NodeStatusRequest(13)) == m.NodeStatus(bytes((13, 0, 4)))


# ----------------------------------------------------------------------- single client


async def test_busy_in_use(sim: VBoxSimulator, peer: Peer, peers: Any) -> None:
    assert await peer.ask(m.ToggleHeartbeat()) == ACK
    assert sim.connected_clients == 1
    second = await peers(sim.port)
    await wait_for(lambda: len(sim._connections) == 2)
    # Pushes do not go to a client the box is about to turn away.
    await sim.set_key_state(5, 0, ON)
    assert await peer.message() == (0, m.KeyStatus(5, 0, ON))
    assert await second.ask(m.ToggleHeartbeat(), 7) == m.Acknowledgement(AckType.IN_USE)
    assert await second.until_eof() == b""
    assert sim.connected_clients == 1
    # The first client is still served, and once it leaves a new one is.
    assert await peer.ask(m.Heartbeat()) == ACK
    await peer.close()
    await wait_for(lambda: sim.connected_clients == 0)
    third = await peers(sim.port)
    assert await third.ask(m.ToggleHeartbeat()) == ACK


async def test_held_elsewhere_answers_every_new_client_in_use(
    sim: VBoxSimulator, peers: Any
) -> None:
    sim.held_elsewhere = True  # the Vitrea app holds the box; nobody we serve is connected
    first = await peers(sim.port)
    assert await first.ask(m.ToggleHeartbeat(), 3) == m.Acknowledgement(AckType.IN_USE)
    assert await first.until_eof() == b""
    sim.held_elsewhere = False
    second = await peers(sim.port)
    assert await second.ask(m.ToggleHeartbeat()) == ACK


async def test_busy_refuse(sim: VBoxSimulator, peer: Peer, peers: Any) -> None:
    sim.busy_mode = BusyMode.REFUSE
    assert await peer.ask(m.Heartbeat()) == ACK
    second = await peers(sim.port)
    assert await second.until_eof() == b""
    assert sim.connected_clients == 1


async def test_busy_allow_pushes_to_everyone(make_sim: Factory, peers: Any) -> None:
    sim = await make_sim(busy_mode=BusyMode.ALLOW)
    first = await peers(sim.port)
    second = await peers(sim.port)
    assert await first.ask(m.Heartbeat()) == ACK
    assert await second.ask(m.Heartbeat()) == ACK
    assert sim.connected_clients == 2
    await toggle(first, m.ToggleKeyStatus(5, 0, ON, 100))
    assert await second.message() == (0, m.KeyStatus(5, 0, ON))


# ----------------------------------------------------------------------- fault knobs


async def test_latency_is_paid_per_request_in_order(sim: VBoxSimulator, peer: Peer) -> None:
    sim.latency = 0.05
    started = time.monotonic()
    for message_id in (1, 2, 3, 4):
        await peer.send(m.KeyStatusRequest(5, message_id - 1), message_id)
    answers = [await peer.message() for _ in range(4)]
    assert time.monotonic() - started >= 4 * 0.05 * 0.95
    assert [message_id for message_id, _ in answers] == [1, 2, 3, 4]
    # The push follows its ACK at once, not after another latency.
    sim.latency = 0.3
    await peer.send(m.ToggleKeyStatus(5, 0, ON, 100), 9)
    assert await peer.message() == (9, ACK)
    acked = time.monotonic()
    assert await peer.message() == (0, m.KeyStatus(5, 0, ON))
    assert time.monotonic() - acked < 0.2


async def test_stalled_box_reads_but_never_answers(sim: VBoxSimulator, peer: Peer) -> None:
    sim.stalled = True
    await peer.send(m.Heartbeat(), 3)
    await sim.set_key_state(5, 0, ON)
    await sim.press_key(5, 0, PressKind.SHORT)
    await peer.no_frame()
    assert [f.command for f in sim.received] == [0x07]
    assert sim.key_state(5, 0).status is ON
    sim.stalled = False
    assert await peer.ask(m.Heartbeat(), 4) == ACK


async def test_stall_during_latency_swallows_the_answer(sim: VBoxSimulator, peer: Peer) -> None:
    sim.latency = 0.1
    await peer.send(m.Heartbeat(), 3)
    await asyncio.sleep(0.03)
    sim.stalled = True
    await peer.no_frame(0.2)
    sim.stalled = False
    sim.latency = 0
    assert await peer.ask(m.Heartbeat()) == ACK


async def test_stalled_busy_connection_gets_no_answer(
    sim: VBoxSimulator, peer: Peer, peers: Any
) -> None:
    assert await peer.ask(m.Heartbeat()) == ACK
    sim.stalled = True
    second = await peers(sim.port)
    await second.send(m.Heartbeat())
    await wait_for(lambda: len(sim.received) == 2)
    await second.no_frame(0.05)
    # Not stalled when the next frame arrives, stalled again before the answer is due.
    sim.stalled = False
    sim.latency = 0.1
    await second.send(m.Heartbeat())
    await wait_for(lambda: len(sim.received) == 3)
    sim.stalled = True
    assert await second.until_eof() == b""


async def test_drop_connections_mid_frame(sim: VBoxSimulator, peer: Peer, peers: Any) -> None:
    assert await peer.ask(m.Heartbeat()) == ACK
    await sim.drop_connections(mid_frame=True)
    half = await peer.until_eof()
    full = sim.key_state(1, 0).to_frame(0).to_bytes()
    assert half == full[: len(full) // 2]
    assert peer.decoder.feed(half) == []
    assert peer.decoder.buffered == len(half)
    assert sim.connected_clients == 0
    again = await peers(sim.port)
    assert await again.ask(m.Heartbeat()) == ACK
    await sim.drop_connections()
    assert await again.until_eof() == b""


async def test_send_raw_and_bad_checksum_reach_the_client(sim: VBoxSimulator, peer: Peer) -> None:
    assert await peer.ask(m.Heartbeat()) == ACK
    await sim.send_raw(b"\x00garbage\xff")
    assert await asyncio.wait_for(peer.reader.readexactly(9), TIMEOUT) == b"\x00garbage\xff"
    await sim.send_bad_checksum()
    good = sim.key_state(1, 0).to_frame(0).to_bytes()
    bad = await asyncio.wait_for(peer.reader.readexactly(len(good)), TIMEOUT)
    assert bad[:-1] == good[:-1]
    assert bad[-1] != good[-1]
    assert peer.decoder.feed(bad) == []
    assert peer.discarded[0] is DiscardReason.BAD_CHECKSUM


async def test_knobs_on_an_installation_without_keys(make_sim: Factory, peers: Any) -> None:
    sim = await make_sim(Installation((Room(0, "Only"),), ()))
    peer = await peers(sim.port)
    assert await peer.ask(m.NodeCountRequest()) == m.NodeCount(())
    await sim.send_bad_checksum()
    data = await asyncio.wait_for(peer.reader.readexactly(17), TIMEOUT)
    assert data[:5] == b"VTU<\x29"
    await sim.drop_connections(mid_frame=True)
    assert len(await peer.until_eof()) == 8


async def test_garbage_from_a_client_does_not_hurt_the_server(
    sim: VBoxSimulator, peer: Peer, peers: Any
) -> None:
    good = m.Heartbeat().to_frame(5).to_bytes()
    bad_checksum = good[:-1] + bytes(((good[-1] + 1) & 0xFF,))
    wrong_direction = m.KeyStatus(1, 0, ON).to_frame(6).to_bytes()
    await peer.write(b"\xde\xad\xbe\xef" * 50 + bad_checksum + wrong_direction + b"VTU>\x07\xff")
    await peer.write(good[:4])
    await asyncio.sleep(0.02)
    await peer.write(good[4:] + m.Heartbeat().to_frame(6).to_bytes())
    assert await peer.message() == (5, ACK)
    assert await peer.message() == (6, ACK)
    # A client that leaves in the middle of a frame.
    await peer.write(good[:5])
    await peer.close()
    await wait_for(lambda: sim.connected_clients == 0)
    other = await peers(sim.port)
    assert await other.ask(m.RoomCountRequest()) == m.RoomCount(tuple(range(10)))


async def test_client_leaving_during_latency(sim: VBoxSimulator, peers: Any) -> None:
    sim.latency = 0.05
    for _ in range(3):
        peer = await peers(sim.port)
        await peer.send(m.RoomCountRequest())
        peer.writer.transport.abort()
        await wait_for(lambda: sim.connected_clients == 0)
    sim.latency = 0
    last = await peers(sim.port)
    assert await last.ask(m.Heartbeat()) == ACK


async def test_client_resetting_during_latency(sim: VBoxSimulator, peers: Any) -> None:
    sim.latency = 0.1
    peer = await peers(sim.port)
    await peer.send(m.RoomCountRequest())
    await wait_for(lambda: len(sim.received) == 1)
    sock = peer.writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    peer.writer.transport.abort()  # RST instead of FIN
    await wait_for(lambda: sim.connected_clients == 0)
    sim.latency = 0
    last = await peers(sim.port)
    assert await last.ask(m.Heartbeat()) == ACK


async def test_drop_a_client_that_does_not_read(
    sim: VBoxSimulator, peer: Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sim_port, "CLOSE_TIMEOUT", 0.1)
    assert await peer.ask(m.Heartbeat()) == ACK
    await sim.send_raw(b"x" * 30_000_000)  # more than the socket buffers hold: not drained
    await sim.drop_connections()
    assert sim.connected_clients == 0


async def test_connection_accepted_while_shutting_down(sim: VBoxSimulator) -> None:
    aborted: list[bool] = []
    transport = types.SimpleNamespace(abort=lambda: aborted.append(True))
    writer: Any = types.SimpleNamespace(get_extra_info=lambda _name: None, transport=transport)
    await sim.stop()
    sim._accept(asyncio.StreamReader(), writer)
    assert aborted == [True]
    assert sim.connected_clients == 0


async def test_unexpected_error_closes_only_that_connection(
    sim: VBoxSimulator, peer: Peer, peers: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object) -> Any:
        raise RuntimeError("boom")

    sim._answer = broken  # type: ignore[method-assign]
    await peer.send(m.Heartbeat())
    assert await peer.until_eof() == b""
    assert "unexpected error" in caplog.text
    del sim._answer
    other = await peers(sim.port)
    assert await other.ask(m.Heartbeat()) == ACK


async def test_restart_with_a_changed_installation(
    sim: VBoxSimulator, peer: Peer, peers: Any
) -> None:
    port = sim.port
    assert await peer.ask(m.Heartbeat()) == ACK
    await sim.set_key_state(5, 0, ON)
    await sim.set_key_state(31, 0, ON, timer=1)  # its node goes away: the timer must too
    demo = sim.installation
    new_node = Node(40, "00:15:8D:00:09:00:00:28", 2, 1, (Key(0, KeyType.TOGGLE, name="New"),))
    changed = Installation(
        demo.rooms,
        (*(node for node in demo.nodes if node.id != 31), new_node),
        ProtocolVersion.V1,
    )
    await sim.restart(changed)
    assert sim.port == port
    assert sim.installation is changed
    assert sim.layout is ProtocolVersion.V1
    await peer.until_eof()
    again = await peers(port, ProtocolVersion.V1)
    ids = await again.ask(m.NodeCountRequest())
    assert isinstance(ids, m.NodeCount)
    assert 40 in ids.ids
    assert 31 not in ids.ids
    assert await again.ask(m.KeyStatusRequest(5, 0)) == m.KeyStatus(5, 0, ON)  # kept
    assert await again.ask(m.KeyStatusRequest(2, 0)) == m.KeyStatus(2, 0, ON, 60)
    assert await again.ask(m.KeyStatusRequest(40, 0)) == m.KeyStatus(40, 0, OFF)
    assert await again.ask(m.KeyStatusRequest(31, 0)) == ERROR
    # Without a new installation it just bounces.
    await sim.restart()
    await again.until_eof()
    last = await peers(port)
    assert await last.ask(m.Heartbeat()) == ACK
    await asyncio.sleep(2 * sim.minute)  # the removed key's timer never fires


async def test_start_stop_misuse(sim: VBoxSimulator) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        await sim.start()
    await sim.stop()
    await sim.stop()  # idempotent
    with pytest.raises(RuntimeError, match="not running"):
        await sim.restart()


async def test_stop_closes_clients(sim: VBoxSimulator, peer: Peer) -> None:
    sim.latency = 0.5
    await peer.send(m.Heartbeat())
    await wait_for(lambda: len(sim.received) == 1)
    await sim.stop()
    assert sim.connected_clients == 0
    assert await peer.until_eof() == b""


def test_constructor_validation() -> None:
    with pytest.raises(ValueError, match="minute"):
        VBoxSimulator(demo_installation(), minute=0)
    with pytest.raises(ValueError, match="99/0"):
        VBoxSimulator(demo_installation(), states=[m.KeyStatus(99, 0, ON)])


def test_peer_name_without_an_address() -> None:
    writer: Any = types.SimpleNamespace(get_extra_info=lambda _name: None)
    assert _peer_name(writer) == "None"


# ----------------------------------------------------------------------- installations


def test_demo_covers_every_key_type_and_category() -> None:
    demo = demo_installation()
    assert demo.protocol_version is ProtocolVersion.V2
    keys = [key for node in demo.nodes for key in node.keys]
    assert {key.type for key in keys} >= {
        KeyType.TOGGLE,
        KeyType.DUAL_POLE,
        KeyType.DIMMER,
        KeyType.DIMMER_MW,
        KeyType.BLIND,
        KeyType.BLIND_MW,
        KeyType.PUSH_BUTTON,
        KeyType.SATELLITE,
        KeyType.TOGGLE_SCENE,
        KeyType.BOILER,
        KeyType.NOT_EXIST,
        KeyType.NOT_ACTIVE,
    }
    assert {key.category for key in keys} == set(KeyCategory)
    toggles = {key.category for key in keys if key.type is KeyType.TOGGLE}
    assert toggles >= {KeyCategory.LIGHT, KeyCategory.FAN, KeyCategory.UNDEFINED}
    assert all(k.category is KeyCategory.SCENARIO for k in keys if k.type is KeyType.TOGGLE_SCENE)
    assert all(k.category is KeyCategory.BOILER for k in keys if k.type is KeyType.BOILER)
    assert all(k.name.endswith("(MW)") for k in keys if k.type.is_mirror)
    assert all(k.id == i for node in demo.nodes for i, k in enumerate(node.keys))
    hebrew = [k.name for k in keys if any("\u0590" <= c <= "\u05ff" for c in k.name)]
    english = [k.name for k in keys if k.name.isascii() and k.name]
    assert len(hebrew) > len(english) > 0


def test_demo_topology_is_realistic() -> None:
    demo = demo_installation()
    room_ids = [room.id for room in demo.rooms]
    assert len(room_ids) >= 8
    assert 0 in room_ids
    assert any(room.name != room.name.rstrip() for room in demo.rooms)
    assert any(room.name.isascii() for room in demo.rooms)
    assert any(not room.name.isascii() for room in demo.rooms)
    node_ids = [node.id for node in demo.nodes]
    assert len(node_ids) >= 12
    assert node_ids != list(range(1, len(node_ids) + 1))  # sparse
    assert len(set(node_ids)) == len(node_ids)
    for node in demo.nodes:
        assert node.model in NODE_MODELS
        assert node.mac[:8] in ("00:0D:6F", "00:15:8D")
        assert len(bytes.fromhex(node.mac.replace(":", ""))) == 8
        assert node.room_id in room_ids
    names = {node.model_name for node in demo.nodes}
    assert any("-UD" in name for name in names)
    assert any("-ST" in name for name in names)
    assert any("-DM" in name for name in names)
    assert any("DP1-16A" in name or "DPS-16A" in name for name in names)


async def test_demo_initial_states(sim: VBoxSimulator) -> None:
    assert sim.key_state(2, 0) == m.KeyStatus(2, 0, ON, 60)
    assert sim.key_state(3, 0) == m.KeyStatus(3, 0, ON, 40)
    assert sim.key_state(13, 0) == m.KeyStatus(13, 0, OFF)


def test_large_installation() -> None:
    installation, states = load_installation("large:64")
    assert states == []
    assert len(installation.nodes) == 64
    assert len(installation.rooms) == 40
    assert [room.id for room in installation.rooms] == list(range(40))
    keys = [k for node in installation.nodes for k in node.keys if k.type.exists]
    assert len(keys) == 400
    ids = [node.id for node in installation.nodes]
    assert all(i % 7 for i in ids)
    assert len(set(ids)) == 64
    assert {k.type for k in keys} >= {
        KeyType.TOGGLE,
        KeyType.DIMMER,
        KeyType.BLIND,
        KeyType.SATELLITE,
    }
    assert keys[0].name == f"Node {ids[0]} Key 0"
    assert installation == large_installation(64)  # deterministic
    assert len({node.mac for node in installation.nodes}) == 64
    assert large_installation(219).nodes[-1].id == 255  # every id that is no multiple of 7
    biggest = large_installation(255)  # a node count is one byte on the wire
    assert [node.id for node in biggest.nodes] == list(range(1, 256))
    assert len({node.mac for node in biggest.nodes}) == 255
    assert len(biggest.rooms) == 159
    empty = large_installation(0)
    assert (len(empty.rooms), empty.nodes) == (1, ())
    with pytest.raises(ValueError, match="0-255"):
        large_installation(256)
    with pytest.raises(ValueError, match="large:N"):
        load_installation("large:many")


def test_load_demo() -> None:
    installation, states = load_installation("demo")
    assert installation == demo_installation()
    assert states == demo_states()


def test_file_round_trip(tmp_path: Path) -> None:
    demo = demo_installation()
    document = demo.to_dict()
    document["states"] = [
        {"node_id": 2, "key_id": 0, "status": "ON", "level": 60, "timer": 0, "extra": "00 00"},
        {"node_id": 16, "key_id": 0, "status": "ON", "level": 0, "timer": 12},
        {"node_id": 3, "key_id": 1, "status": 0x46},
    ]
    path = tmp_path / "box.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    installation, states = load_installation(str(path))
    assert installation == demo
    assert states == [
        m.KeyStatus(2, 0, ON, 60),
        m.KeyStatus(16, 0, ON, 0, 12),
        m.KeyStatus(3, 1, OFF),
    ]
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(large_installation(3).to_dict()), encoding="utf-8")
    assert load_installation(str(plain)) == (large_installation(3), [])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"rooms": [{"id": "one", "name": 1}], "nodes": []}', "box.json: "),
        ('{"rooms": [], "nodes": [], "states": [{"node_id": 1}]}', "invalid key state"),
        (
            '{"rooms": [], "nodes": [], '
            '"states": [{"node_id": 1, "key_id": 0, "status": "MAYBE"}]}',
            "invalid key state",
        ),
        (
            '{"rooms": [], "nodes": [], '
            '"states": [{"node_id": 1, "key_id": 0, "status": "ON", "level": 300}]}',
            "invalid key state",
        ),
        (
            '{"rooms": [], "nodes": [], "states": [{"node_id": 1, "key_id": 0, "status": "ON"}]}',
            "does not exist",
        ),
        (b"\xff\xfe\x00", "cannot read"),
    ],
)
def test_bad_files(tmp_path: Path, content: str | bytes | None, message: str) -> None:
    path = tmp_path / "box.json"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(InstallationFormatError, match=message) as caught:
        load_installation(str(path))
    assert str(path) in str(caught.value)


def test_directory_is_a_bad_file(tmp_path: Path) -> None:
    with pytest.raises(InstallationFormatError, match="cannot read"):
        load_installation(str(tmp_path))


async def test_served_file_with_states(make_sim: Factory, peers: Any, tmp_path: Path) -> None:
    document = large_installation(2).to_dict()
    document["states"] = [{"node_id": 1, "key_id": 2, "status": "ON", "level": 0, "timer": 0}]
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    installation, states = load_installation(str(path))
    sim = await make_sim(installation, states=states)
    peer = await peers(sim.port)
    assert await peer.ask(m.KeyStatusRequest(1, 2)) == m.KeyStatus(1, 2, ON)


# ----------------------------------------------------------------------- CLI


async def test_cli_bad_installation_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(SystemExit) as caught:
        await main(["--installation", str(missing)])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "nope.json" in err
    assert "no such file" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--installation", "large:999"], "0-255"),
        (["--latency-ms", "-5"], "negative"),
        (["--min-gap-ms", "-1"], "--min-gap-ms cannot be negative"),
        (["--push-delay-ms", "-1"], "--push-delay-ms cannot be negative"),
        (["--late-every", "0"], "--late-every must be at least 1"),
        (["--late-every", "3", "--late-ms", "0"], "--late-ms must be above 0"),
    ],
)
async def test_cli_bad_arguments_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        await main(argv)
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


async def test_cli_port_in_use_exits_2(
    sim: VBoxSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        await main(["--port", str(sim.port)])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{sim.port}" in err
    assert "Traceback" not in err


async def test_cli_serves_until_sigint(capsys: pytest.CaptureFixture[str], peers: Any) -> None:
    argv = [
        "--port",
        "0",
        "--installation",
        "large:4",
        "--layout",
        "v1",
        "--busy-mode",
        "allow",
        "--latency-ms",
        "1",
        "--username",
        "u",
        "--password",
        "p",
        "--log-level",
        "debug",
    ]
    task = asyncio.create_task(main(argv))
    try:
        out = await wait_for_output(capsys, "listening on")
        # 4 * 40 / 64 = 2.5 rooms, rounded half to even.
        assert "(2 rooms, 4 nodes, 25 keys, layout V1, user 'u')" in out
        assert "'p'" not in out
        port = int(out.split("127.0.0.1:")[1].split()[0])
        peer = await peers(port, ProtocolVersion.V1)
        assert await peer.ask(m.Login("u", "p")) == ACK
        meta = await peer.ask(m.NodeMetaDataRequest(1))
        assert isinstance(meta, m.NodeMetaData)
        assert meta.layout is ProtocolVersion.V1
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.wait_for(task, TIMEOUT)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert "stopped" in capsys.readouterr().out
    assert await peer.until_eof() == b""


async def test_cli_cancelled_stops_the_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    task = asyncio.create_task(main(["--port", "0"]))
    await wait_for_output(capsys, "listening on")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_cli_module_entry_point(tmp_path: Path) -> None:
    """The real ``python -m`` entry: a bad file is one line on stderr and exit code 2."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator",
            "--installation",
            str(tmp_path / "missing.json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "missing.json" in result.stderr
    assert "Traceback" not in result.stderr
