"""VTH frames of port 11502, byte-exact against the protocol doc §4, and the stream decoder."""

from __future__ import annotations

import pytest

from custom_components.vitrea.vbox.climate import ACType
from custom_components.vitrea.vbox.errors import FrameError, MessageError
from custom_components.vitrea.vbox.host import vth
from custom_components.vitrea.vbox.host.stream import DiscardReason, HostStreamDecoder
from custom_components.vitrea.vbox.host.vth import (
    ACParams,
    FloorParams,
    IdList,
    KeypadList,
    KeyParams,
    RoomParams,
    SceneParams,
    VTHCommand,
    VTHFrame,
    vth_request,
)
from custom_components.vitrea.vbox.vtu.enums import Direction

C = VTHCommand


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# §4.2, exactly as the vendor's serializers produce them.
@pytest.mark.parametrize(
    ("command", "payload", "expected"),
    [
        (C.FLOOR_NUMBERS, b"", "56 54 48 3E 01 00 01 32"),
        (C.FLOOR_PARAMS, vth.floor_params(1), "56 54 48 3E 02 00 03 00 01 36"),
        (C.ROOM_NUMBERS, vth.room_numbers(), "56 54 48 3E 03 00 02 00 35"),
        (C.ROOM_PARAMS, vth.room_params(3), "56 54 48 3E 04 00 03 00 03 3A"),
        (C.KEYPAD_NUMBERS, b"", "56 54 48 3E 05 00 01 36"),
        (C.KEY_PARAMS, vth.key_params(12, 2), "56 54 48 3E 06 00 04 00 0C 02 48"),
        (C.KEY_PARAMS, vth.key_params(0, 1), "56 54 48 3E 06 00 04 01 00 01 3C"),
        (C.KEY_PARAMS, vth.key_params(18, 2), "56 54 48 3E 06 00 04 00 12 02 4E"),  # §4.6
        (C.AC_NUMBERS, b"", "56 54 48 3E 07 00 01 38"),
        (C.AC_PARAMS, vth.ac_params(1), "56 54 48 3E 08 00 03 00 01 3C"),
        (C.SCENE_NUMBERS, b"", "56 54 48 3E 09 00 01 3A"),
        (C.SCENE_PARAMS, vth.scene_params(5), "56 54 48 3E 0A 00 03 00 05 42"),
    ],
)
def test_requests_are_byte_exact(command: VTHCommand, payload: bytes, expected: str) -> None:
    assert vth_request(command, payload) == h(expected)


WORKED_REPLY = h("56 54 48 3C 06 00 14 00 12 02 0A 00 03 0C 42 00 6F 00 69 00 6C 00 65 00 72 00 D2")
KEYPADS_REPLY = h("56 54 48 3C 05 00 09 00 02 00 00 02 00 12 04 56")
ACS_REPLY = h("56 54 48 3C 07 00 06 02 00 01 00 02 40")
AC_REPLY = h("56 54 48 3C 08 00 0B 00 01 32 00 03 04 41 00 43 00 FF")


def _one_frame(data: bytes) -> VTHFrame:
    frames = HostStreamDecoder().feed(data)
    assert len(frames) == 1
    frame = frames[0]
    assert isinstance(frame, VTHFrame)
    return frame


def test_worked_example_key_reply_decodes_and_encodes_back() -> None:
    frame = _one_frame(WORKED_REPLY)
    assert frame.command == C.KEY_PARAMS
    key = KeyParams.from_payload(frame.payload)
    assert key == KeyParams(keypad=18, key=2, vth_type=10, room=3, name="Boiler")
    assert vth.vth_reply(C.KEY_PARAMS, key.to_payload()) == WORKED_REPLY


def test_keypad_ac_and_ac_params_replies_of_the_doc() -> None:
    keypads = KeypadList.from_payload(_one_frame(KEYPADS_REPLY).payload)
    assert keypads.keypads == ((0, 2), (18, 4))
    assert vth.vth_reply(C.KEYPAD_NUMBERS, keypads.to_payload()) == KEYPADS_REPLY
    acs = IdList.from_payload(_one_frame(ACS_REPLY).payload)
    assert acs.ids == (1, 2)
    assert vth.vth_reply(C.AC_NUMBERS, acs.to_payload()) == ACS_REPLY
    ac = ACParams.from_payload(_one_frame(AC_REPLY).payload)
    assert ac == ACParams(1, ACType.TYPE_2, 3, "AC")
    assert vth.vth_reply(C.AC_PARAMS, ac.to_payload()) == AC_REPLY


@pytest.mark.parametrize(
    "reply",
    [
        FloorParams(1, "קומה"),
        RoomParams(3, 1, "Salon"),
        SceneParams(5, 0, "Good night"),
        IdList(()),
        KeypadList(()),
        KeyParams(300, 1, 99, 65535, ""),
    ],
)
def test_replies_round_trip(reply: FloorParams | RoomParams | SceneParams | IdList) -> None:
    assert type(reply).from_payload(reply.to_payload()) == reply


@pytest.mark.parametrize(
    ("kind", "payload", "why"),
    [
        (IdList, b"\x02\x00\x01", "too short"),  # count 2, one id
        (IdList, b"\x01\x00\x01\x00\x02", "more than its count"),
        (KeypadList, b"\x00\x01\x00\x12", "too short"),
        (KeyParams, h("00 12 02 0A 00 03 0C 42 00"), "name length 12"),  # name cut short
        (KeyParams, h("00 12 02 0A 00 03 03 42 00 6F"), "name length 3"),  # odd
        (ACParams, h("00 01 41 00 03 00"), "not a digit"),  # type 'A'
        (RoomParams, b"", "too short"),
    ],
)
def test_bad_replies_raise_message_error(kind: type[IdList], payload: bytes, why: str) -> None:
    with pytest.raises(MessageError, match=why):
        kind.from_payload(payload)


def test_box_side_reads_requests() -> None:
    assert vth.decode_key_request(vth.key_params(0, 1)) == (0, 1)
    assert vth.decode_key_request(vth.key_params(18, 3)) == (18, 3)
    assert vth.decode_id_request(vth.ac_params(7)) == 7
    with pytest.raises(MessageError):
        vth.decode_id_request(b"\x01")


def test_a_payload_too_long_for_the_length_field_is_refused() -> None:
    with pytest.raises(FrameError):
        VTHFrame(Direction.TO_VBOX, 1, bytes(0xFFFF)).to_bytes()


def test_length_uses_all_sixteen_bits() -> None:
    payload = bytes(0x1234 - 1)
    frame = VTHFrame(Direction.FROM_VBOX, 5, payload).to_bytes()
    assert frame[5:7] == b"\x12\x34"
    decoder = HostStreamDecoder(max_frame=0x2000)
    assert decoder.feed(frame) == [VTHFrame(Direction.FROM_VBOX, 5, payload)]


# --------------------------------------------------------------------------- the decoder


def _decoder() -> tuple[HostStreamDecoder, list[tuple[DiscardReason, bytes]]]:
    discards: list[tuple[DiscardReason, bytes]] = []
    return HostStreamDecoder(on_discard=lambda r, d: discards.append((r, d))), discards


def test_lines_and_frames_mixed_whatever_the_read_boundaries() -> None:
    stream = b"S:PSW:OK\r\n" + WORKED_REPLY + b"V:866\r\nOK\r\n" + AC_REPLY + b"S:N018:2:o:030\r\n"
    expected = [
        b"S:PSW:OK",
        _one_frame(WORKED_REPLY),
        b"V:866",
        b"OK",
        _one_frame(AC_REPLY),
        b"S:N018:2:o:030",
    ]
    for size in (1, 2, 3, 5, 7, len(stream)):
        decoder, discards = _decoder()
        out: list[bytes | VTHFrame] = []
        for i in range(0, len(stream), size):
            out += decoder.feed(stream[i : i + size])
        assert out == expected, size
        assert discards == []


def test_a_vth_body_holding_crlf_is_not_split() -> None:
    name = "\u0a0d\u0a0d"  # UTF-16LE 0D 0A 0D 0A
    reply = vth.vth_reply(C.SCENE_PARAMS, SceneParams(0x0D0A, 0x0D0A, name).to_payload())
    assert b"\r\n" in reply[7:-1]
    decoder, discards = _decoder()
    out = decoder.feed(reply[:9]) + decoder.feed(reply[9:] + b"OK\r\n")
    assert len(out) == 2
    assert out[1] == b"OK"
    assert isinstance(out[0], VTHFrame)
    assert SceneParams.from_payload(out[0].payload) == SceneParams(0x0D0A, 0x0D0A, name)
    assert discards == []


def test_bad_checksum_is_discarded_and_the_next_message_still_arrives() -> None:
    bad = AC_REPLY[:-1] + b"\x00"
    decoder, discards = _decoder()
    out = decoder.feed(bad + b"S:N001:1:O\r\n" + ACS_REPLY)
    assert discards[0] == (DiscardReason.BAD_CHECKSUM, bad)
    assert out[-2:] == [b"S:N001:1:O", _one_frame(ACS_REPLY)]


def test_an_echoed_request_is_skipped_exactly() -> None:
    echo = vth_request(C.KEY_PARAMS, vth.key_params(0x0D0A, 2))
    decoder, discards = _decoder()
    assert decoder.feed(echo + b"OK\r\n") == [b"OK"]
    assert discards == [(DiscardReason.BAD_DIRECTION, echo)]


def test_the_simulator_side_decodes_requests_and_skips_replies() -> None:
    box = HostStreamDecoder(Direction.TO_VBOX)
    request = vth_request(C.AC_NUMBERS)
    assert box.feed(AC_REPLY + b"P:VITREA\r\n" + request) == [
        b"P:VITREA",
        VTHFrame(Direction.TO_VBOX, C.AC_NUMBERS, b""),
    ]


def test_an_impossible_length_resynchronises_at_the_next_line() -> None:
    decoder, discards = _decoder()
    out = decoder.feed(b"VTH<\x05\x00\x00garbage\r\nOK\r\n")
    assert out == [b"OK"]
    assert discards[0] == (DiscardReason.BAD_LENGTH, b"VTH<\x05\x00\x00")
    decoder, discards = _decoder()
    assert decoder.feed(b"VTH<\x05\xff\xff" + ACS_REPLY) == [_one_frame(ACS_REPLY)]


def test_an_overlong_line_is_discarded_and_the_stream_recovers() -> None:
    decoder, discards = _decoder()
    assert decoder.feed(b"x" * 600) == []
    assert discards[0][0] is DiscardReason.LINE_TOO_LONG
    assert decoder.feed(b"yyy\r\nOK\r\n") == [b"OK"]
    decoder, discards = _decoder()
    assert decoder.feed(b"z" * 513 + b"\r\nOK\r\n") == [b"OK"]
    assert [r for r, _ in discards] == [DiscardReason.LINE_TOO_LONG]


def test_junk_while_resynchronising_is_reported_and_a_split_magic_is_kept() -> None:
    decoder, discards = _decoder()
    decoder.feed(b"VTH<\x05\x00\x00junk VT")
    assert decoder.feed(ACS_REPLY[2:]) == [_one_frame(ACS_REPLY)]
    assert discards == [
        (DiscardReason.BAD_LENGTH, b"VTH<\x05\x00\x00"),
        (DiscardReason.JUNK, b"junk "),
    ]


def test_empty_lines_and_a_partial_magic_wait_for_more() -> None:
    decoder, _ = _decoder()
    assert decoder.feed(b"\r\n\r\nV") == []
    assert decoder.feed(b":866\r\n") == [b"V:866"]
    decoder.feed(b"VT")
    decoder.reset()
    assert decoder.feed(b"OK\r\n") == [b"OK"]
