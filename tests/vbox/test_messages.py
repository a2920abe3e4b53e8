"""Tests of the typed VTU messages (docs/vbox-protocol.md §2.3-2.5) and of Installation."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.vitrea.vbox.enums import (
    KeyCategory,
    KeyPowerStatus,
    KeyType,
    LEDBackgroundBrightness,
    LockStatus,
)
from custom_components.vitrea.vbox.errors import MessageError, ProtocolError, VBoxError
from custom_components.vitrea.vbox.installation import (
    Installation,
    InstallationFormatError,
    Key,
    Node,
    Room,
)
from custom_components.vitrea.vbox.vtu import messages
from custom_components.vitrea.vbox.vtu.enums import AckType, CommandId, Direction, ProtocolVersion
from custom_components.vitrea.vbox.vtu.frames import Frame, checksum
from custom_components.vitrea.vbox.vtu.messages import (
    Acknowledgement,
    Heartbeat,
    InternalUnitStatuses,
    InternalUnitStatusesRequest,
    KeyParameters,
    KeyParametersRequest,
    KeyStatus,
    KeyStatusRequest,
    Login,
    Message,
    NodeCount,
    NodeCountRequest,
    NodeExistenceStatus,
    NodeMetaData,
    NodeMetaDataRequest,
    NodeStatus,
    NodeStatusRequest,
    Reply,
    Request,
    RoomCount,
    RoomCountRequest,
    RoomMetaData,
    RoomMetaDataRequest,
    ToggleHeartbeat,
    ToggleKeyStatus,
    ToggleNodeStatus,
    UnknownMessage,
    decode,
    decode_name,
    encode_text,
)
from custom_components.vitrea.vbox.vtu.node_models import NODE_MODELS, node_model_name

V1 = ProtocolVersion.V1
V2 = ProtocolVersion.V2
KITCHEN_HE = "\u05de\u05d8\u05d1\u05d7"  # "kitchen" in Hebrew


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


def with_checksum(body: bytes) -> bytes:
    return body + bytes((checksum(body),))


def reply_frame(command: int, payload: bytes, message_id: int = 0) -> Frame:
    return Frame(Direction.FROM_VBOX, command, message_id, payload)


def request_frame(command: int, payload: bytes, message_id: int = 0) -> Frame:
    return Frame(Direction.TO_VBOX, command, message_id, payload)


# ------------------------------------------------------------------ request vectors (§2.3)

REQUEST_VECTORS = [
    pytest.param(
        Login("user", "super"),
        0x01,
        "56 54 55 3E 01 00 16 01 08 75 00 73 00 65 00 72 00 0A 73 00 75 00 70 00 65 00 72 00 55",
        id="Login",
    ),
    pytest.param(
        ToggleHeartbeat(True, True), 0x01, "56 54 55 3E 08 00 04 01 01 01 4C", id="ToggleHeartbeat"
    ),
    pytest.param(Heartbeat(), 0x01, "56 54 55 3E 07 00 02 01 47", id="Heartbeat"),
    pytest.param(RoomCountRequest(), 0x1D, "56 54 55 3E 1D 00 02 1D 79", id="RoomCount"),
    pytest.param(RoomMetaDataRequest(0), 0x1E, "56 54 55 3E 1A 00 03 1E 00 78", id="RoomMetaData"),
    pytest.param(NodeCountRequest(), 0x33, "56 54 55 3E 24 00 02 33 96", id="NodeCount"),
    pytest.param(NodeMetaDataRequest(1), 0x34, "56 54 55 3E 1F 00 03 34 01 94", id="NodeMetaData"),
    pytest.param(NodeStatusRequest(1), 0x79, "56 54 55 3E 23 00 04 79 01 00 DE", id="NodeStatus"),
    pytest.param(KeyStatusRequest(1, 2), 0x79, "56 54 55 3E 29 00 04 79 01 02 E6", id="KeyStatus"),
    pytest.param(
        KeyParametersRequest(1, 2), 0x7C, "56 54 55 3E 2B 00 04 7C 01 02 EB", id="KeyParameters"
    ),
    pytest.param(
        InternalUnitStatusesRequest(), 0x33, "56 54 55 3E 60 00 02 33 D2", id="InternalUnitStatuses"
    ),
    pytest.param(
        ToggleKeyStatus(1, 2, KeyPowerStatus.OFF),
        0x79,
        "56 54 55 3E 28 00 08 79 01 02 46 00 00 00 2F",
        id="ToggleKeyStatus-OFF",
    ),
    pytest.param(
        ToggleKeyStatus(1, 2, KeyPowerStatus.OFF, dimmer=99),
        0x79,
        "56 54 55 3E 28 00 08 79 01 02 46 63 00 00 92",
        id="ToggleKeyStatus-OFF-dim99",
    ),
    pytest.param(
        ToggleKeyStatus(1, 2, KeyPowerStatus.OFF, timer=6890),
        0x79,
        # The TS spec enshrines a wrong checksum 04 here (§7.1); the right one is 33.
        "56 54 55 3E 28 00 08 79 01 02 46 00 1A EA 33",
        id="ToggleKeyStatus-OFF-timer6890",
    ),
    pytest.param(
        ToggleNodeStatus(11, LockStatus.UNLOCKED, LEDBackgroundBrightness.NORMAL),
        0x79,
        "56 54 55 3E 1E 00 05 79 0B 00 02 E6",
        id="ToggleNodeStatus",
    ),
]


@pytest.mark.parametrize(("request_", "message_id", "expected"), REQUEST_VECTORS)
def test_request_encodes_byte_exact(request_: Request, message_id: int, expected: str) -> None:
    assert request_.to_frame(message_id).to_bytes() == hx(expected)


@pytest.mark.parametrize(("request_", "message_id", "expected"), REQUEST_VECTORS)
def test_request_vector_decodes_back(request_: Request, message_id: int, expected: str) -> None:
    frame = Frame.from_bytes(hx(expected))
    assert frame.direction is Direction.TO_VBOX
    assert frame.message_id == message_id
    assert frame.command == request_.COMMAND
    decoded = decode(frame)
    assert type(decoded) is type(request_)
    assert decoded == request_


def test_toggle_key_status_timer_checksum_is_not_the_ts_bug_value() -> None:
    data = ToggleKeyStatus(1, 2, KeyPowerStatus.OFF, 0, 6890).to_frame(0x79).to_bytes()
    assert data[-3:-1] == b"\x1a\xea"  # big-endian timer
    assert data[-1] == 0x33
    assert data[-1] != 0x04


@pytest.mark.parametrize(
    ("request_", "reply"),
    [
        (Login("u", "p"), CommandId.ACKNOWLEDGEMENT),
        (Heartbeat(), CommandId.ACKNOWLEDGEMENT),
        (ToggleHeartbeat(), CommandId.ACKNOWLEDGEMENT),
        (ToggleKeyStatus(1, 0, KeyPowerStatus.ON), CommandId.ACKNOWLEDGEMENT),
        (
            ToggleNodeStatus(1, LockStatus.LOCKED, LEDBackgroundBrightness.OFF),
            CommandId.ACKNOWLEDGEMENT,
        ),
        (RoomCountRequest(), CommandId.ROOM_COUNT),
        (RoomMetaDataRequest(0), CommandId.ROOM_METADATA),
        (NodeCountRequest(), CommandId.NODE_COUNT),
        (NodeMetaDataRequest(1), CommandId.NODE_METADATA),
        (NodeStatusRequest(1), CommandId.NODE_STATUS),
        (KeyStatusRequest(1, 0), CommandId.KEY_STATUS),
        (KeyParametersRequest(1, 0), CommandId.KEY_PARAMETERS),
        (InternalUnitStatusesRequest(), CommandId.INTERNAL_UNIT_STATUSES),
    ],
)
def test_request_reply_command(request_: Request, reply: CommandId) -> None:
    assert reply == request_.REPLY


@pytest.mark.parametrize(
    ("action", "idempotent"),
    [
        (KeyPowerStatus.ON, True),
        (KeyPowerStatus.OFF, True),
        (KeyPowerStatus.SHORT, False),
        (KeyPowerStatus.LONG, False),
        (KeyPowerStatus.RELEASED, False),
    ],
)
def test_toggle_key_status_idempotent(action: KeyPowerStatus, idempotent: bool) -> None:
    assert ToggleKeyStatus(1, 0, action, 100).idempotent is idempotent
    assert action.is_press is not idempotent


def test_plain_requests_are_idempotent() -> None:
    assert Heartbeat().idempotent is True
    assert KeyStatusRequest(1, 0).idempotent is True


@pytest.mark.parametrize(
    ("request_", "match"),
    [
        (RoomMetaDataRequest(256), "room id 256"),
        (NodeMetaDataRequest(-1), "node id -1"),
        (NodeStatusRequest(300), "node id 300"),
        (KeyStatusRequest(1, 256), "key id 256"),
        (KeyParametersRequest(256, 0), "node id 256"),
        (ToggleKeyStatus(1, 0, KeyPowerStatus.ON, dimmer=256), "dimmer 256"),
        (ToggleKeyStatus(1, 0, KeyPowerStatus.ON, timer=0x10000), "timer 65536"),
        (ToggleKeyStatus(1, 0, KeyPowerStatus.ON, timer=-1), "timer -1"),
        (ToggleNodeStatus(999, LockStatus.LOCKED, LEDBackgroundBrightness.MAX), "node id 999"),
    ],
)
def test_request_fields_out_of_range_raise_message_error(request_: Request, match: str) -> None:
    with pytest.raises(MessageError, match=match):
        request_.to_frame(1)


_MAC = "00:00:00:00:00:00:00:01"


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(RoomMetaData(300, 0, "x"), id="RoomMetaData-room-300"),
        pytest.param(RoomCount(tuple(range(256))), id="RoomCount-256-ids"),
        pytest.param(NodeCount((1, 300)), id="NodeCount-id-300"),
        pytest.param(NodeMetaData(1, _MAC, 300, ()), id="NodeMetaData-model-300"),
        pytest.param(NodeMetaData(1, "zz", 1, ()), id="NodeMetaData-bad-mac"),
        pytest.param(NodeMetaData(1, _MAC, 1, (), firmware=(1, 2, 300)), id="NodeMetaData-fw"),
        pytest.param(NodeMetaData(1, _MAC, 1, (KeyType.TOGGLE,) * 256), id="NodeMetaData-256-keys"),
        pytest.param(KeyParameters(300, 0, KeyCategory.LIGHT, "x"), id="KeyParameters-node-300"),
        pytest.param(KeyStatus(300, 0, KeyPowerStatus.ON), id="KeyStatus-node-300"),
        pytest.param(KeyStatus(1, 0, KeyPowerStatus.ON, timer=0x10000), id="KeyStatus-timer"),
    ],
)
def test_reply_fields_out_of_range_raise_message_error(reply: Reply) -> None:
    with pytest.raises(MessageError):
        reply.to_frame(1)


def test_toggle_key_status_extremes_encode() -> None:
    data = ToggleKeyStatus(255, 255, KeyPowerStatus.ON, 255, 0xFFFF).payload()
    assert data == hx("FF FF 4F FF FF FF")


def test_login_utf16_and_lengths_in_bytes() -> None:
    payload = Login("\u05d0", "pw").payload()
    assert payload == hx("02 D0 05 04 70 00 77 00")
    assert decode(request_frame(CommandId.LOGIN, payload)) == Login("\u05d0", "pw")


# ------------------------------------------------------------------ reply samples (§2.4)

ACK_HEX = "56 54 55 3C 00 00 03 00 00 3E"
ROOM_COUNT_HEX = "56 54 55 3C 1D 00 0B 1E 08 00 01 02 03 04 05 06 07 A5"
NODE_COUNT_BODY = "56 54 55 3C 24 00 12 3B 0F 01 02 03 04 05 06 07 08 09 0A 0B 0D 0E 0F 10"
ENTRANCE_HEX = "56 54 55 3c 1a 00 15 1f 00 00 10 45 00 6e 00 74 00 72 00 61 00 6e 00 63 00 65 00 c9"
HEBREW_ROOM_BODY = "56 54 55 3c 1a 00 0f 06 01 00 0a de 05 d8 05 d1 05 d7 05 20 00"
NODE_V1_HEX = (
    "56 54 55 3c 1f 00 18 3c 01 00 15 8d 00 00 69 c4 ff 02 02 01 02 00 02 83 01 07 04 ff 07 00 1b"
)
NODE_V2_HEX = (
    "56 54 55 3c 1f 00 1b 34 01 00 0d 6f 00 0e fb 96 21 02 03 03 02 02 02 00 02 83 07 09 03"
    " 00 00 00 00 8c"
)
NODE_V2_8KEYS_BODY = (
    "56 54 55 3c 1f 00 20 05 02 00 0d 6f 00 16 17 de b6 02 15 08 02 01 02 02 04 02 04 02 00 02"
    " 83 07 09 03 00 00 00 00"
)
KEY_STATUS_HEX = "56 54 55 3c 29 00 0a 48 01 00 46 00 00 00 41 00 3e"

KEY_PARAMS_V1 = with_checksum(
    hx("56 54 55 3c 2b 00 44 60 02 00 ff 01 00 00 00 00 00 73 3a 36")
    + "Kitchen Island & Table (MW)".encode("utf-16-le")
)
KEY_PARAMS_V2 = with_checksum(
    hx("56 54 55 3c 2b 00 33 78 01 00 ff 01 00 78 78 01 64 01 00 00 24")
    + "Dining Room Toilet".encode("utf-16-le")
)

NODE_V1 = NodeMetaData(
    node_id=1,
    mac="00:15:8D:00:00:69:C4:FF",
    model=2,
    key_types=(KeyType.NOT_ACTIVE, KeyType.TOGGLE),
    lock=LockStatus.UNLOCKED,
    led_level=LEDBackgroundBrightness.NORMAL,
    firmware=(1, 7, 4),
    room_id=7,
    layout=V1,
    reserved=0x83,
    reserved2=0xFF,
    padding=b"\x00",
)
NODE_V2 = NodeMetaData(
    node_id=1,
    mac="00:0D:6F:00:0E:FB:96:21",
    model=3,
    key_types=(KeyType.TOGGLE,) * 3,
    lock=LockStatus.UNLOCKED,
    led_level=LEDBackgroundBrightness.NORMAL,
    firmware=(7, 9, 3),
    room_id=0,
    layout=V2,
    marker=0x02,
    reserved=0x83,
    reserved2=0x00,
    padding=b"\x00\x00",
)
T, NA, PB = KeyType.TOGGLE, KeyType.NOT_ACTIVE, KeyType.PUSH_BUTTON
NODE_V2_8KEYS = NodeMetaData(
    node_id=2,
    mac="00:0D:6F:00:16:17:DE:B6",
    model=0x15,
    key_types=(T, NA, T, T, PB, T, PB, T),
    firmware=(7, 9, 3),
    room_id=0,
    layout=V2,
    padding=b"\x00\x00",
)

REPLY_SAMPLES = [
    pytest.param(hx(ACK_HEX), Acknowledgement(AckType.ACK), id="Acknowledgement"),
    pytest.param(hx(ROOM_COUNT_HEX), RoomCount(tuple(range(8))), id="RoomCount"),
    pytest.param(
        with_checksum(hx(NODE_COUNT_BODY)),
        NodeCount((*range(1, 12), *range(13, 17))),
        id="NodeCount-sparse",
    ),
    pytest.param(hx(ENTRANCE_HEX), RoomMetaData(0, 0, "Entrance"), id="RoomMetaData-Entrance"),
    pytest.param(hx(NODE_V1_HEX), NODE_V1, id="NodeMetaData-V1"),
    pytest.param(hx(NODE_V2_HEX), NODE_V2, id="NodeMetaData-V2"),
    pytest.param(with_checksum(hx(NODE_V2_8KEYS_BODY)), NODE_V2_8KEYS, id="NodeMetaData-V2-8keys"),
    pytest.param(
        KEY_PARAMS_V1,
        KeyParameters(
            2,
            0,
            KeyCategory.LIGHT,
            "Kitchen Island & Table (MW)",
            V1,
            0xFF,
            hx("00 00 00 00 00 73 3a"),
        ),
        id="KeyParameters-V1",
    ),
    pytest.param(
        KEY_PARAMS_V2,
        KeyParameters(
            1, 0, KeyCategory.LIGHT, "Dining Room Toilet", V2, 0xFF, hx("00 78 78 01 64 01 00 00")
        ),
        id="KeyParameters-V2",
    ),
    pytest.param(
        hx(KEY_STATUS_HEX),
        KeyStatus(1, 0, KeyPowerStatus.OFF, 0, 0, hx("41 00")),
        id="KeyStatus",
    ),
]


@pytest.mark.parametrize(("raw", "expected"), REPLY_SAMPLES)
@pytest.mark.parametrize("hinted", [False, True], ids=["auto-detect", "hinted"])
def test_reply_sample_decodes(raw: bytes, expected: Reply, hinted: bool) -> None:
    # Without a hint the layout is detected; with one, it is the sample's own layout.
    version = getattr(expected, "layout", None) if hinted else None
    frame = Frame.from_bytes(raw)
    assert frame.direction is Direction.FROM_VBOX
    decoded = decode(frame, version)
    assert type(decoded) is type(expected)
    assert decoded == expected


@pytest.mark.parametrize(("raw", "expected"), REPLY_SAMPLES)
def test_reply_sample_re_encodes_identically(raw: bytes, expected: Reply) -> None:
    message_id = raw[7]
    assert expected.to_frame(message_id).to_bytes() == raw


def test_node_count_sample_checksum_is_0x37() -> None:
    body = hx(NODE_COUNT_BODY)
    assert checksum(body) == 0x37
    assert NodeCount((*range(1, 12), *range(13, 17))).to_frame(0x3B).to_bytes() == body + b"\x37"


def test_node_count_ids_are_sparse_and_room_ids_start_at_zero() -> None:
    nodes = decode(Frame.from_bytes(with_checksum(hx(NODE_COUNT_BODY))))
    assert isinstance(nodes, NodeCount)
    assert len(nodes.ids) == 15
    assert 12 not in nodes.ids
    assert nodes.ids[-1] == 16
    rooms = decode(Frame.from_bytes(hx(ROOM_COUNT_HEX)))
    assert isinstance(rooms, RoomCount)
    assert rooms.ids[0] == 0


@pytest.mark.parametrize("ack", list(AckType))
def test_every_ack_type_decodes(ack: AckType) -> None:
    raw = with_checksum(hx("56 54 55 3C 00 00 03 07") + bytes((ack,)))
    decoded = decode(Frame.from_bytes(raw))
    assert decoded == Acknowledgement(ack)
    assert isinstance(decoded, Acknowledgement)
    assert decoded.ack is ack
    assert decoded.to_frame(7).to_bytes() == raw


def test_ack_type_values() -> None:
    assert [(a.name, a.value) for a in AckType] == [
        ("ACK", 0),
        ("NACK", 1),
        ("ERROR", 2),
        ("IN_USE", 3),
        ("NOT_AVAILABLE", 4),
    ]


@pytest.mark.parametrize("command", [CommandId.LOGIN, CommandId.TOGGLE_NODE_STATUS])
def test_incoming_login_and_toggle_node_status_read_as_acknowledgement(command: int) -> None:
    assert decode(reply_frame(command, b"\x01")) == Acknowledgement(AckType.NACK)


def test_hebrew_room_name_is_trimmed() -> None:
    raw = with_checksum(hx(HEBREW_ROOM_BODY))
    decoded = decode(Frame.from_bytes(raw))
    assert decoded == RoomMetaData(1, 0, KITCHEN_HE)
    assert isinstance(decoded, RoomMetaData)
    assert decoded.name == KITCHEN_HE
    assert not decoded.name.endswith(" ")
    # Trimming is lossy: the re-encoded frame is shorter but decodes to the same room.
    again = decoded.to_frame(raw[7]).to_bytes()
    assert len(again) == len(raw) - 2
    assert decode(Frame.from_bytes(again)) == decoded


def test_node_metadata_v1_sample_fields() -> None:
    node = decode(Frame.from_bytes(hx(NODE_V1_HEX)))
    assert isinstance(node, NodeMetaData)
    assert node.node_id == 1
    assert node.mac == "00:15:8D:00:00:69:C4:FF"
    assert node.model == 2
    assert node_model_name(node.model) == "VT-MW3-SR2-10A"
    # The real positions (19+i), not the TS client's overlapping O+i offsets.
    assert node.key_types == (KeyType.NOT_ACTIVE, KeyType.TOGGLE)
    assert node.lock is LockStatus.UNLOCKED
    assert node.led_level is LEDBackgroundBrightness.NORMAL
    assert node.version == "1.74"
    assert node.room_id == 7
    assert node.layout is V1
    assert node.model_name == "VT-MW3-SR2-10A"


def test_node_metadata_v2_sample_fields() -> None:
    node = decode(Frame.from_bytes(hx(NODE_V2_HEX)))
    assert isinstance(node, NodeMetaData)
    assert node.model == 3
    assert node_model_name(node.model) == "VT-MW3-SR3-10A"
    assert node.key_types == (KeyType.TOGGLE,) * 3
    assert node.version == "7.93"
    assert node.room_id == 0
    assert node.layout is V2


def test_node_metadata_v2_eight_keys() -> None:
    node = decode(Frame.from_bytes(with_checksum(hx(NODE_V2_8KEYS_BODY))))
    assert isinstance(node, NodeMetaData)
    assert node.node_id == 2
    assert node.key_types == (T, NA, T, T, PB, T, PB, T)
    assert node_model_name(node.model) == "VT-MW4-SR4-ST4-10A"
    assert node.layout is V2


@pytest.mark.parametrize("version", [None, V2])
def test_node_metadata_v2_without_trailing_zero_bytes(version: ProtocolVersion | None) -> None:
    raw = hx(NODE_V2_HEX)
    short = with_checksum(raw[:5] + b"\x00\x19" + raw[7:-3])  # length 0x1B - 2
    frame = Frame.from_bytes(short)
    assert len(frame.payload) == 23
    node = decode(frame, version)
    assert node == NodeMetaData(
        1,
        "00:0D:6F:00:0E:FB:96:21",
        3,
        (KeyType.TOGGLE,) * 3,
        firmware=(7, 9, 3),
        room_id=0,
        layout=V2,
    )
    assert node.to_frame(frame.message_id).to_bytes() == short


@pytest.mark.parametrize(
    "node",
    [
        pytest.param(
            NodeMetaData(5, "00:15:8D:00:00:69:C4:FF", 3, (KeyType.TOGGLE,) * 3, layout=V1),
            id="default-padding",
        ),
        pytest.param(
            NodeMetaData(
                1,
                "00:15:8D:00:00:69:C4:FF",
                2,
                (KeyType.NOT_ACTIVE, KeyType.TOGGLE),
                firmware=(1, 7, 4),
                room_id=7,
                layout=V1,
                reserved2=0xFF,
            ),
            id="v1-sample-without-padding",
        ),
    ],
)
def test_node_metadata_v1_hint_is_honoured_when_v1_layout_fits(node: NodeMetaData) -> None:
    # Regression: an explicit V1 was overridden by detection when V2 "fitted" better.
    assert decode(node.to_frame(1), V1) == node


def test_key_parameters_samples_fields() -> None:
    v1 = decode(Frame.from_bytes(KEY_PARAMS_V1))
    assert isinstance(v1, KeyParameters)
    assert (v1.node_id, v1.key_id, v1.category, v1.name, v1.layout) == (
        2,
        0,
        KeyCategory.LIGHT,
        "Kitchen Island & Table (MW)",
        V1,
    )
    v2 = decode(Frame.from_bytes(KEY_PARAMS_V2))
    assert isinstance(v2, KeyParameters)
    assert (v2.node_id, v2.key_id, v2.category, v2.name, v2.layout) == (
        1,
        0,
        KeyCategory.LIGHT,
        "Dining Room Toilet",
        V2,
    )


def test_key_parameters_default_extra_is_zero_filled() -> None:
    payload = KeyParameters(1, 2, KeyCategory.FAN, "Fan", V1).payload()
    assert payload == hx("01 02 FF 06") + bytes(7) + b"\x06F\x00a\x00n\x00"
    payload = KeyParameters(1, 2, KeyCategory.FAN, "Fan", V2, extra=bytes(range(1, 20))).payload()
    assert payload[4:12] == bytes(range(1, 9))  # truncated to the layout's 8 bytes


@pytest.mark.parametrize(
    ("version", "layout", "name"),
    [(None, V2, "\ufffd"), (V2, V2, "\ufffd"), (V1, V1, "\x01")],
)
def test_key_parameters_fitting_both_layouts_follows_the_hint(
    version: ProtocolVersion | None, layout: ProtocolVersion, name: str
) -> None:
    # V1 reads name length 2 at index 11; V2 reads name length 1 at index 12: both add up.
    payload = hx("01 02 FF 01") + bytes(7) + hx("02 01 00")
    decoded = decode(reply_frame(0x2B, payload), version)
    assert isinstance(decoded, KeyParameters)
    assert decoded.layout is layout
    assert decoded.name == name


def test_key_parameters_tolerates_bytes_after_the_name() -> None:
    payload = Frame.from_bytes(KEY_PARAMS_V2).payload + b"\x00\x00"
    decoded = decode(reply_frame(0x2B, payload))
    assert isinstance(decoded, KeyParameters)
    assert decoded.layout is V2
    assert decoded.name == "Dining Room Toilet"


def test_node_metadata_rejects_a_mac_that_is_not_8_bytes() -> None:
    with pytest.raises(MessageError, match="not 8 bytes"):
        NodeMetaData(1, "00:15:8D", 2, ()).to_frame(1)


def test_decode_turns_an_index_error_into_message_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken(Reply):
        COMMAND = CommandId(0x77)

        @classmethod
        def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Broken:
            del version
            payload[5]  # reads past a short payload, as a layout bug would
            return cls()

    monkeypatch.setitem(messages.REPLIES, 0x77, Broken)
    with pytest.raises(MessageError, match="Broken: payload too short") as info:
        decode(reply_frame(0x77, b"\x01"))
    assert isinstance(info.value.__cause__, IndexError)


def test_error_hierarchy_and_command_rejected() -> None:
    from custom_components.vitrea.vbox.errors import CommandRejectedError, FrameError

    assert issubclass(FrameError, ProtocolError)
    assert issubclass(MessageError, ProtocolError)
    assert issubclass(ProtocolError, VBoxError)
    assert issubclass(InstallationFormatError, VBoxError)
    err = CommandRejectedError("ToggleKeyStatus", AckType.NOT_AVAILABLE)
    assert isinstance(err, VBoxError)
    assert str(err) == "ToggleKeyStatus rejected by the box: NOT_AVAILABLE"
    assert err.command == "ToggleKeyStatus"
    assert err.ack is AckType.NOT_AVAILABLE


def test_key_status_sample_fields() -> None:
    status = decode(Frame.from_bytes(hx(KEY_STATUS_HEX)))
    assert isinstance(status, KeyStatus)
    assert (status.node_id, status.key_id, status.status) == (1, 0, KeyPowerStatus.OFF)
    assert status.is_on is False
    assert KeyStatus(1, 0, KeyPowerStatus.ON).is_on is True


def test_key_status_short_payload_uses_defaults() -> None:
    assert decode(reply_frame(0x29, hx("03 01 4F"))) == KeyStatus(
        3, 1, KeyPowerStatus.ON, 0, 0, b""
    )
    assert decode(reply_frame(0x29, hx("03 01 4F 32"))) == KeyStatus(
        3, 1, KeyPowerStatus.ON, 50, 0, b""
    )
    assert decode(reply_frame(0x29, hx("03 01 4F 32 01 02"))) == KeyStatus(
        3, 1, KeyPowerStatus.ON, 50, 0x0102, b""
    )


@pytest.mark.parametrize(
    ("cls", "command"),
    [
        (NodeExistenceStatus, 0xC8),
        (InternalUnitStatuses, 0x60),
        (NodeStatus, 0x23),
    ],
)
@pytest.mark.parametrize("payload", [b"", hx("01 02 03 FF")])
def test_opaque_replies_keep_their_payload(cls: type[Reply], command: int, payload: bytes) -> None:
    frame = reply_frame(command, payload, 9)
    decoded = decode(frame)
    assert type(decoded) is cls
    assert decoded.data == payload  # type: ignore[attr-defined]
    assert decoded.to_frame(9) == frame


@pytest.mark.parametrize("direction", list(Direction))
def test_unknown_command_decodes_as_unknown_message(direction: Direction) -> None:
    frame = Frame(direction, 0x77, 3, b"\x01\x02")
    decoded = decode(frame)
    assert decoded == UnknownMessage(0x77, b"\x01\x02")
    assert isinstance(decoded, UnknownMessage)
    assert decoded.name == "Unknown-0x77"
    assert decoded.payload() == b"\x01\x02"
    assert decoded.to_dict() == {"command": 0x77, "data": "01 02"}


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param(request_frame(0x00, b"\x00"), id="ack-sent-to-box"),
        pytest.param(request_frame(0xC8, b""), id="push-sent-to-box"),
        pytest.param(reply_frame(0x07, b""), id="heartbeat-from-box"),
        pytest.param(reply_frame(0x28, hx("01 02 46 00 00 00")), id="toggle-from-box"),
    ],
)
def test_command_of_the_other_direction_is_unknown(frame: Frame) -> None:
    decoded = decode(frame)
    assert isinstance(decoded, UnknownMessage)
    assert decoded.command == frame.command
    assert decoded.data == frame.payload


TRUNCATED = [
    pytest.param(reply_frame(0x00, b""), id="Acknowledgement-empty"),
    pytest.param(reply_frame(0x1D, b""), id="RoomCount-empty"),
    pytest.param(reply_frame(0x1D, hx("03 00 01")), id="RoomCount-short-list"),
    pytest.param(reply_frame(0x24, hx("0F 01 02")), id="NodeCount-short-list"),
    pytest.param(reply_frame(0x1A, hx("00 00")), id="RoomMetaData-no-length"),
    pytest.param(reply_frame(0x1A, hx("00 00 10 45 00 6e 00")), id="RoomMetaData-short-name"),
    pytest.param(reply_frame(0x1F, b""), id="NodeMetaData-empty"),
    pytest.param(reply_frame(0x1F, hx("01")), id="NodeMetaData-node-only"),
    pytest.param(
        reply_frame(0x1F, Frame.from_bytes(hx(NODE_V1_HEX)).payload[:15]), id="NodeMetaData-V1-cut"
    ),
    pytest.param(
        reply_frame(0x1F, Frame.from_bytes(hx(NODE_V2_HEX)).payload[:21]), id="NodeMetaData-V2-cut"
    ),
    pytest.param(reply_frame(0x2B, b""), id="KeyParameters-empty"),
    pytest.param(
        reply_frame(0x2B, hx("01 00 FF 01 00 00 00 00 00 00 00")), id="KeyParameters-11-bytes"
    ),
    pytest.param(
        reply_frame(0x2B, Frame.from_bytes(KEY_PARAMS_V1).payload[:30]),
        id="KeyParameters-V1-cut-name",
    ),
    pytest.param(reply_frame(0x29, b""), id="KeyStatus-empty"),
    pytest.param(reply_frame(0x29, hx("01 00")), id="KeyStatus-no-state"),
    pytest.param(request_frame(0x01, b""), id="Login-empty"),
    pytest.param(request_frame(0x01, hx("08 75 00")), id="Login-short-user"),
    pytest.param(request_frame(0x01, hx("02 75 00 04 73 00")), id="Login-short-password"),
    pytest.param(request_frame(0x01, hx("02 75 00 02 73 00 00")), id="Login-trailing-byte"),
    pytest.param(request_frame(0x07, b"\x00"), id="Heartbeat-with-payload"),
    pytest.param(request_frame(0x1D, b"\x00"), id="RoomCountRequest-with-payload"),
    pytest.param(request_frame(0x08, b"\x01"), id="ToggleHeartbeat-short"),
    pytest.param(request_frame(0x1A, b""), id="RoomMetaDataRequest-empty"),
    pytest.param(request_frame(0x1F, b""), id="NodeMetaDataRequest-empty"),
    pytest.param(request_frame(0x23, b""), id="NodeStatusRequest-empty"),
    pytest.param(request_frame(0x29, b"\x01"), id="KeyStatusRequest-short"),
    pytest.param(request_frame(0x2B, b"\x01"), id="KeyParametersRequest-short"),
    pytest.param(request_frame(0x28, hx("01 02 46 00 00")), id="ToggleKeyStatus-short"),
    pytest.param(request_frame(0x1E, hx("0B 00")), id="ToggleNodeStatus-short"),
]


@pytest.mark.parametrize("frame", TRUNCATED)
@pytest.mark.parametrize("version", [None, V1, V2])
def test_truncated_payload_raises_message_error(
    frame: Frame, version: ProtocolVersion | None
) -> None:
    with pytest.raises(MessageError) as info:
        decode(frame, version)
    assert isinstance(info.value, ProtocolError)
    assert str(info.value)


@pytest.mark.parametrize("version", [None, V2])
def test_truncated_v2_key_parameters_raises_message_error(version: ProtocolVersion | None) -> None:
    # (With a V1 hint the same bytes read as a V1 key with an empty name and trailing bytes.)
    with pytest.raises(MessageError, match="fits neither"):
        decode(reply_frame(0x2B, Frame.from_bytes(KEY_PARAMS_V2).payload[:-3]), version)


_KNOWN = sorted({*messages.REQUESTS, *messages.REPLIES})


@settings(max_examples=300, deadline=None)
@given(
    direction=st.sampled_from(Direction),
    command=st.sampled_from(_KNOWN),
    payload=st.one_of(
        st.binary(max_size=64),
        st.lists(st.integers(0, 12), max_size=40).map(bytes),  # small "length" bytes
    ),
    version=st.sampled_from([None, V1, V2]),
)
def test_property_decode_raises_only_message_error(
    direction: Direction, command: int, payload: bytes, version: ProtocolVersion | None
) -> None:
    try:
        decoded = decode(Frame(direction, command, 0, payload), version)
    except MessageError:
        return
    assert isinstance(decoded, Message)
    decoded.to_dict()  # always representable


# ------------------------------------------------------------------ open enums


def test_unknown_key_type_decodes_as_pseudo_member() -> None:
    node = NodeMetaData(3, "00:00:00:00:00:00:00:01", 2, (KeyType(99), KeyType.TOGGLE), layout=V2)
    decoded = decode(node.to_frame(1), V2)
    assert isinstance(decoded, NodeMetaData)
    unknown = decoded.key_types[0]
    assert isinstance(unknown, KeyType)
    assert unknown == 99
    assert unknown.name == "UNKNOWN_99"
    assert unknown.exists is True
    assert unknown.is_mirror is False
    assert decoded == node


def test_unknown_ack_type_decodes_as_pseudo_member() -> None:
    decoded = decode(reply_frame(0x00, b"\x09"))
    assert isinstance(decoded, Acknowledgement)
    assert decoded.ack == 9
    assert decoded.ack.name == "UNKNOWN_9"
    assert isinstance(decoded.ack, AckType)
    assert decoded.ack != AckType.ACK


def test_unknown_key_power_status_decodes_as_pseudo_member() -> None:
    decoded = decode(reply_frame(0x29, hx("01 00 41 00 00 00")))
    assert isinstance(decoded, KeyStatus)
    assert decoded.status == 0x41
    assert decoded.status.name == "UNKNOWN_65"
    assert decoded.is_on is False
    assert decoded.status.is_press is False
    assert decoded.to_dict()["status"] == "UNKNOWN_65"


@pytest.mark.parametrize(
    "enum",
    [KeyType, AckType, KeyCategory, KeyPowerStatus, LEDBackgroundBrightness, LockStatus, CommandId],
)
def test_open_enums_accept_every_byte_and_nothing_else(enum: Any) -> None:
    for value in range(256):
        member = enum(value)
        assert member == value
        assert isinstance(member, enum)
        if value not in enum._value2member_map_:
            assert member.name == f"UNKNOWN_{value}"
    for bad in (-1, 256, "1"):
        with pytest.raises(ValueError, match="is not a valid"):
            enum(bad)


def test_closed_enums_reject_unknown_values() -> None:
    with pytest.raises(ValueError, match="is not a valid"):
        Direction(0x41)
    with pytest.raises(ValueError, match="is not a valid"):
        ProtocolVersion(3)


def test_key_type_helpers() -> None:
    assert KeyType.DIMMER_MW.is_mirror
    assert KeyType.BLIND_MW.is_mirror
    assert not KeyType.DIMMER.is_mirror
    assert not KeyType.NOT_EXIST.exists
    assert not KeyType.NOT_ACTIVE.exists
    assert KeyType.BLIND.exists


# ------------------------------------------------------------------ text


@pytest.mark.parametrize(
    ("name_bytes", "expected"),
    [
        pytest.param(b"A\x00B", "A\ufffd", id="odd-length"),
        pytest.param(b"\x00\xd8", "\ufffd", id="lone-high-surrogate"),
        pytest.param(b"\x00\xdcA\x00", "\ufffdA", id="lone-low-surrogate"),
        pytest.param(b"A\x00\x00\x00 \x00", "A", id="trailing-nul-and-space"),
    ],
)
def test_invalid_utf16_names_decode_without_raising(name_bytes: bytes, expected: str) -> None:
    room = decode(reply_frame(0x1A, b"\x04\x00" + bytes((len(name_bytes),)) + name_bytes))
    assert room == RoomMetaData(4, 0, expected)
    key = decode(
        reply_frame(0x2B, hx("01 02 FF 01") + bytes(8) + bytes((len(name_bytes),)) + name_bytes),
        V2,
    )
    assert isinstance(key, KeyParameters)
    assert key.name == expected
    assert decode_name(name_bytes) == expected


def test_decode_name_keeps_inner_and_leading_spaces() -> None:
    assert decode_name(" a b \x00".encode("utf-16-le")) == " a b"


def test_encode_text_limits() -> None:
    assert encode_text("") == b"\x00"
    assert encode_text(KITCHEN_HE) == hx("08 de 05 d8 05 d1 05 d7 05")
    assert encode_text("x" * 127)[0] == 254
    with pytest.raises(MessageError, match="too long"):
        encode_text("x" * 128)
    with pytest.raises(MessageError, match="too long"):
        encode_text("\U0001f600" * 64)  # 4 bytes each in UTF-16
    with pytest.raises(MessageError):
        Login("user", "p" * 200).to_frame(1)
    with pytest.raises(MessageError):
        RoomMetaData(1, 0, "r" * 200).to_frame(1)


def test_encode_text_unencodable_raises_message_error() -> None:
    with pytest.raises(MessageError, match="UTF-16"):
        encode_text("bad\ud800")
    with pytest.raises(MessageError):
        Login("user", "\udc00").to_frame(1)


# ------------------------------------------------------------------ repr / to_dict


def test_login_never_shows_the_password() -> None:
    login = Login("admin", "hunter2-secret")
    assert "hunter2-secret" not in repr(login)
    assert "hunter2-secret" not in str(login)
    assert "admin" in repr(login)
    assert login.to_dict() == {"username": "admin", "password": "***"}
    assert "hunter2-secret" not in json.dumps(login.to_dict())
    assert login.name == "Login"


def test_to_dict_uses_enum_names_hex_bytes_and_lists() -> None:
    assert NODE_V1.to_dict() == {
        "node_id": 1,
        "mac": "00:15:8D:00:00:69:C4:FF",
        "model": 2,
        "key_types": ["NOT_ACTIVE", "TOGGLE"],
        "lock": "UNLOCKED",
        "led_level": "NORMAL",
        "firmware": [1, 7, 4],
        "room_id": 7,
        "layout": "V1",
        "marker": 2,
        "reserved": 0x83,
        "reserved2": 0xFF,
        "padding": "00",
        "model_name": "VT-MW3-SR2-10A",
        "version": "1.74",
    }
    status = KeyStatus(1, 0, KeyPowerStatus.OFF, 0, 0, hx("41 00"))
    assert status.to_dict() == {
        "node_id": 1,
        "key_id": 0,
        "status": "OFF",
        "level": 0,
        "timer": 0,
        "extra": "41 00",
    }
    assert RoomCount((0, 1)).to_dict() == {"ids": [0, 1]}
    assert Heartbeat().to_dict() == {}
    json.dumps(NODE_V2_8KEYS.to_dict())


def test_message_name() -> None:
    assert NodeMetaData.__name__ == NODE_V1.name
    assert KeyStatusRequest(1, 0).name == "KeyStatusRequest"


# ------------------------------------------------------------------ round-trip properties

SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
names = st.text(
    alphabet=st.characters(exclude_categories=SURROGATES),
    max_size=40,
).filter(lambda s: s == s.rstrip(" \x00"))
byte = st.integers(0, 255)
macs = st.binary(min_size=8, max_size=8).map(lambda b: ":".join(f"{x:02X}" for x in b))


@st.composite
def node_metadata(draw: st.DrawFn) -> NodeMetaData:
    layout = draw(st.sampled_from(ProtocolVersion))
    # With the layout given as a hint, any padding of up to two bytes must round-trip.
    padding = draw(st.binary(max_size=2))
    return NodeMetaData(
        node_id=draw(byte),
        mac=draw(macs),
        model=draw(byte),
        key_types=tuple(KeyType(v) for v in draw(st.lists(byte, max_size=20))),
        lock=LockStatus(draw(byte)),
        led_level=LEDBackgroundBrightness(draw(byte)),
        firmware=(draw(byte), draw(byte), draw(byte)),
        room_id=draw(byte),
        layout=layout,
        marker=draw(byte) if layout is V2 else 0x02,
        reserved=draw(byte),
        reserved2=draw(byte),
        padding=padding,
    )


@st.composite
def key_parameters(draw: st.DrawFn) -> KeyParameters:
    layout = draw(st.sampled_from(ProtocolVersion))
    size = 7 if layout is V1 else 8
    return KeyParameters(
        node_id=draw(byte),
        key_id=draw(byte),
        category=KeyCategory(draw(byte)),
        name=draw(names),
        layout=layout,
        flags=draw(byte),
        extra=draw(st.binary(min_size=size, max_size=size)),
    )


replies = st.one_of(
    st.builds(Acknowledgement, st.builds(AckType, byte)),
    st.builds(RoomCount, st.lists(byte, max_size=255).map(tuple)),
    st.builds(NodeCount, st.lists(byte, max_size=255).map(tuple)),
    st.builds(RoomMetaData, byte, byte, names),
    node_metadata(),
    key_parameters(),
    st.builds(
        KeyStatus,
        byte,
        byte,
        st.builds(KeyPowerStatus, byte),
        byte,
        st.integers(0, 0xFFFF),
        st.binary(max_size=8),
    ),
    st.builds(NodeStatus, st.binary(max_size=30)),
    st.builds(InternalUnitStatuses, st.binary(max_size=30)),
    st.builds(NodeExistenceStatus, st.binary(max_size=30)),
)

requests = st.one_of(
    st.builds(
        Login, names, st.text(alphabet=st.characters(exclude_categories=SURROGATES), max_size=40)
    ),
    st.just(Heartbeat()),
    st.builds(ToggleHeartbeat, st.booleans(), st.booleans()),
    st.just(RoomCountRequest()),
    st.just(NodeCountRequest()),
    st.just(InternalUnitStatusesRequest()),
    st.builds(RoomMetaDataRequest, byte),
    st.builds(NodeMetaDataRequest, byte),
    st.builds(NodeStatusRequest, byte),
    st.builds(KeyStatusRequest, byte, byte),
    st.builds(KeyParametersRequest, byte, byte),
    st.builds(
        ToggleKeyStatus, byte, byte, st.builds(KeyPowerStatus, byte), byte, st.integers(0, 0xFFFF)
    ),
    st.builds(
        ToggleNodeStatus,
        byte,
        st.builds(LockStatus, byte),
        st.builds(LEDBackgroundBrightness, byte),
    ),
)


@settings(max_examples=300, deadline=None)
@given(reply=replies, message_id=byte)
def test_property_reply_round_trip_with_its_layout(reply: Reply, message_id: int) -> None:
    raw = reply.to_frame(message_id).to_bytes()
    frame = Frame.from_bytes(raw)
    assert frame.message_id == message_id
    assert decode(frame, getattr(reply, "layout", None)) == reply


@settings(max_examples=300, deadline=None)
@given(request_=requests, message_id=byte)
def test_property_request_round_trip(request_: Request, message_id: int) -> None:
    frame = Frame.from_bytes(request_.to_frame(message_id).to_bytes())
    assert decode(frame) == request_


# ------------------------------------------------------------------ node models


def test_node_model_names() -> None:
    assert node_model_name(1) == "VT-MW3-SR1-10A"
    assert node_model_name(5) == "VT-MW4-SR4-10A"
    assert node_model_name(32) == "VT-MW3-DM1-400W"
    assert node_model_name(0) == "Unknown-0"
    assert node_model_name(999) == "Unknown-999"
    assert all(isinstance(k, int) and v for k, v in NODE_MODELS.items())
    assert len(NODE_MODELS) == 162


# ------------------------------------------------------------------ Installation


def make_installation() -> Installation:
    return Installation(
        rooms=(Room(0, KITCHEN_HE), Room(3, "Living room", floor_id=1)),
        nodes=(
            Node(
                id=1,
                mac="00:15:8D:00:00:69:C4:FF",
                model=2,
                room_id=0,
                keys=(
                    Key(0, KeyType.NOT_ACTIVE),
                    Key(1, KeyType.TOGGLE, KeyCategory.LIGHT, "Ceiling"),
                ),
                firmware=(1, 7, 4),
                lock=LockStatus.LOCKED,
                led_level=LEDBackgroundBrightness.MAX,
            ),
            Node(
                id=16,
                mac="00:0D:6F:00:0E:FB:96:21",
                model=250,
                room_id=3,
                keys=(
                    Key(0, KeyType.DIMMER, KeyCategory.LIGHT, "Dimmer"),
                    Key(1, KeyType.BLIND, KeyCategory.UNDEFINED, "Shutter"),
                    Key(2, KeyType(99), KeyCategory(42), "Future key"),
                    Key(3, KeyType.BOILER, KeyCategory.BOILER, "Boiler"),
                ),
                firmware=(7, 9, 3),
            ),
        ),
        protocol_version=V1,
    )


def test_installation_json_round_trip() -> None:
    installation = make_installation()
    document = installation.to_dict()
    restored = Installation.from_dict(json.loads(json.dumps(document)))
    assert restored == installation
    assert restored.nodes[1].keys[2].type == 99
    assert restored.nodes[1].keys[2].type.name == "UNKNOWN_99"
    assert restored.rooms[0].name == KITCHEN_HE
    assert restored.protocol_version is V1


def test_installation_to_dict_shape() -> None:
    document = make_installation().to_dict()
    assert document["protocol_version"] == 1
    assert document["rooms"][0] == {"id": 0, "name": KITCHEN_HE, "floor_id": 0}
    node = document["nodes"][0]
    assert node["model_name"] == "VT-MW3-SR2-10A"
    assert node["firmware"] == [1, 7, 4]
    assert node["lock"] == "LOCKED"
    assert node["led_level"] == "MAX"
    assert node["keys"][1] == {"id": 1, "type": "TOGGLE", "category": "LIGHT", "name": "Ceiling"}
    assert document["nodes"][1]["keys"][2]["type"] == "UNKNOWN_99"
    assert document["nodes"][1]["keys"][2]["category"] == "UNKNOWN_42"


def test_installation_from_minimal_document_uses_defaults() -> None:
    installation = Installation.from_dict(
        {
            "rooms": [{"id": 0, "name": "Hall"}],
            "nodes": [
                {
                    "id": 4,
                    "mac": "00:00:00:00:00:00:00:04",
                    "model": 1,
                    "keys": [{"id": 0, "type": 2}, {"id": 1, "type": "UNKNOWN_77", "category": 1}],
                }
            ],
        }
    )
    assert installation.protocol_version is V2
    assert installation.rooms == (Room(0, "Hall", 0),)
    node = installation.node(4)
    assert node == Node(
        4,
        "00:00:00:00:00:00:00:04",
        1,
        0,
        (Key(0, KeyType.TOGGLE), Key(1, KeyType(77), KeyCategory.LIGHT)),
        (0, 0, 0),
        LockStatus.UNLOCKED,
        LEDBackgroundBrightness.NORMAL,
    )


def _valid_document() -> dict[str, Any]:
    return make_installation().to_dict()


def _mutate(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A valid document with one entry replaced (or deleted when value is ...)."""
    document = _valid_document()
    target: Any = document
    for step in path[:-1]:
        target = target[step]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


MALFORMED = [
    pytest.param(None, id="none"),
    pytest.param([], id="list"),
    pytest.param("installation", id="string"),
    pytest.param({"rooms": None, "nodes": []}, id="rooms-null"),
    pytest.param({"rooms": {}, "nodes": []}, id="rooms-object"),
    pytest.param(_mutate(("rooms",), 5), id="rooms-int"),
    pytest.param(_mutate(("rooms", 0), "room"), id="room-string"),
    pytest.param(_mutate(("rooms", 0, "id"), ...), id="room-no-id"),
    pytest.param(_mutate(("rooms", 0, "name"), ...), id="room-no-name"),
    pytest.param(_mutate(("rooms", 0, "id"), "kitchen"), id="room-id-text"),
    pytest.param(_mutate(("nodes", 0), [1, 2]), id="node-list"),
    pytest.param(_mutate(("nodes", 0, "id"), ...), id="node-no-id"),
    pytest.param(_mutate(("nodes", 0, "mac"), ...), id="node-no-mac"),
    pytest.param(_mutate(("nodes", 0, "model"), ...), id="node-no-model"),
    pytest.param(_mutate(("nodes", 0, "model"), None), id="node-model-null"),
    pytest.param(_mutate(("nodes", 0, "keys"), 5), id="keys-int"),
    pytest.param(_mutate(("nodes", 0, "keys", 0, "type"), ...), id="key-no-type"),
    pytest.param(_mutate(("nodes", 0, "keys", 0, "id"), ...), id="key-no-id"),
    pytest.param(_mutate(("nodes", 0, "keys", 0, "type"), "LAMP"), id="key-type-bad-name"),
    pytest.param(_mutate(("nodes", 0, "keys", 0, "type"), "toggle"), id="key-type-lowercase"),
    pytest.param(_mutate(("nodes", 0, "keys", 0, "type"), 300), id="key-type-300"),
    pytest.param(
        _mutate(("nodes", 0, "keys", 0, "type"), "UNKNOWN_300"), id="key-type-unknown-300"
    ),
    pytest.param(_mutate(("nodes", 0, "keys", 0, "type"), None), id="key-type-null"),
    pytest.param(_mutate(("nodes", 0, "keys", 0, "category"), "NOPE"), id="category-bad-name"),
    pytest.param(_mutate(("nodes", 0, "lock"), "OPEN"), id="lock-bad-name"),
    pytest.param(_mutate(("nodes", 0, "led_level"), "BRIGHT"), id="led-bad-name"),
    pytest.param(_mutate(("nodes", 0, "led_level"), 2.5), id="led-float"),
    pytest.param(_mutate(("nodes", 0, "firmware"), [1, 7]), id="firmware-2-numbers"),
    pytest.param(_mutate(("nodes", 0, "firmware"), [1, 7, 4, 0]), id="firmware-4-numbers"),
    pytest.param(_mutate(("nodes", 0, "firmware"), ["a", "b", "c"]), id="firmware-text"),
    pytest.param(_mutate(("nodes", 0, "firmware"), 174), id="firmware-int"),
    pytest.param(_mutate(("protocol_version",), 3), id="protocol-3"),
    pytest.param(_mutate(("protocol_version",), "V2"), id="protocol-name"),
    # Wrong scalar types are refused, not coerced with int()/str().
    pytest.param(_mutate(("rooms", 0, "name"), None), id="room-name-null"),
    pytest.param(_mutate(("rooms", 0, "name"), 5), id="room-name-number"),
    pytest.param(_mutate(("rooms", 0, "floor_id"), "1"), id="floor-text"),
    pytest.param(_mutate(("nodes", 0, "mac"), None), id="mac-null"),
    pytest.param(_mutate(("nodes", 0, "id"), 1.5), id="node-id-float"),
    pytest.param(_mutate(("nodes", 0, "id"), "1"), id="node-id-text"),
    pytest.param(_mutate(("nodes", 0, "id"), True), id="node-id-bool"),
    pytest.param(_mutate(("nodes", 0, "room_id"), None), id="room-id-null"),
    pytest.param(_mutate(("nodes", 0, "firmware"), "174"), id="firmware-string"),
    pytest.param(_mutate(("nodes", 0, "firmware"), [1, 7, 4.5]), id="firmware-float"),
    pytest.param(_mutate(("nodes", 0, "keys", 0, "name"), ["x"]), id="key-name-list"),
    pytest.param(_mutate(("nodes", 0, "keys", 0, "id"), "0"), id="key-id-text"),
    pytest.param(_mutate(("nodes", 0, "keys", 0), "key"), id="key-string"),
]


@pytest.mark.parametrize("document", MALFORMED)
def test_installation_from_malformed_document_raises(document: Any) -> None:
    with pytest.raises(InstallationFormatError) as info:
        Installation.from_dict(document)
    assert isinstance(info.value, VBoxError)
    assert str(info.value)


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(_mutate(("nodes", 0, "id"), 65536), id="node-id-65536"),
        pytest.param(_mutate(("rooms", 0, "id"), -5), id="room-id-negative"),
        pytest.param(_mutate(("nodes", 0, "room_id"), 65536), id="node-room-65536"),
        pytest.param(_mutate(("nodes", 0, "model"), 1000), id="model-1000"),
        pytest.param(_mutate(("nodes", 0, "mac"), "nonsense"), id="mac-not-hex"),
        pytest.param(_mutate(("nodes", 0, "mac"), "00:15:8D"), id="mac-3-bytes"),
        pytest.param(_mutate(("nodes", 0, "firmware"), [1, 7, 400]), id="firmware-400"),
        pytest.param(_mutate(("nodes", 0, "keys", 0, "id"), 256), id="key-id-256"),
    ],
)
def test_installation_from_dict_rejects_out_of_range_values(document: Any) -> None:
    with pytest.raises(InstallationFormatError):
        Installation.from_dict(document)


def test_installation_from_dict_without_room_or_node_lists_is_refused() -> None:
    # A truncated cache must not pass for a home without devices.
    for document in ({}, _mutate(("rooms",), ...), _mutate(("nodes",), ...)):
        with pytest.raises(InstallationFormatError, match="missing"):
            Installation.from_dict(document)


def test_installation_error_names_the_field() -> None:
    with pytest.raises(InstallationFormatError, match="'mac'"):
        Installation.from_dict(_mutate(("nodes", 0, "mac"), 12))
    with pytest.raises(InstallationFormatError, match="firmware"):
        Installation.from_dict(_mutate(("nodes", 0, "firmware"), [1, 7]))
    with pytest.raises(InstallationFormatError, match="LAMP"):
        Installation.from_dict(_mutate(("nodes", 0, "keys", 0, "type"), "LAMP"))


def test_installation_lookups() -> None:
    installation = make_installation()
    node = installation.node(16)
    assert node is not None
    assert node.id == 16
    assert installation.node(1) is installation.nodes[0]
    assert installation.node(2) is None
    room = installation.room(0)  # room id 0 is a real room, not "missing"
    assert room is not None
    assert room.name == KITCHEN_HE
    assert installation.room(3) == Room(3, "Living room", 1)
    assert installation.room(7) is None


def test_node_properties() -> None:
    first, second = make_installation().nodes
    assert first.model_name == "VT-MW3-SR2-10A"
    assert second.model_name == "Unknown-250"
    assert first.version == "1.74"
    assert second.version == "7.93"
    assert Node(1, "m", 1, 0, firmware=(10, 2, 13)).version == "10.213"
    assert first.key(1) == Key(1, KeyType.TOGGLE, KeyCategory.LIGHT, "Ceiling")
    assert second.key(3) is not None
    assert second.key(3).type is KeyType.BOILER  # type: ignore[union-attr]
    assert first.key(2) is None
    assert first.key(-1) is None


def test_node_key_returns_the_key_with_that_id() -> None:
    # Regression: key() used to index by position, so out-of-order keys mismatched.
    document = _valid_document()
    document["nodes"][0]["keys"].reverse()
    node = Installation.from_dict(document).node(1)
    assert node is not None
    for key_id in (0, 1):
        key = node.key(key_id)
        assert key is not None
        assert key.id == key_id
    sparse = Node(2, "m", 1, 0, keys=(Key(3, KeyType.TOGGLE),))
    assert sparse.key(3) == Key(3, KeyType.TOGGLE)
    assert sparse.key(0) is None


def test_installation_equality_ignores_the_index() -> None:
    assert make_installation() == make_installation()
    assert make_installation() != Installation(make_installation().rooms)
    assert hash(make_installation()) == hash(make_installation())
