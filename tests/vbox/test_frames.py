"""Tests of the VTU frame codec and the stream decoder (docs/vbox-protocol.md §2.1, §2.9)."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.vitrea.vbox.errors import FrameError, ProtocolError, VBoxError
from custom_components.vitrea.vbox.vtu.enums import CommandId, Direction
from custom_components.vitrea.vbox.vtu.frames import (
    DEFAULT_MAX_FRAME_SIZE,
    HEADER_SIZE,
    PREFIX,
    DiscardReason,
    Frame,
    FrameDecoder,
    checksum,
)

ACK_HEX = "56 54 55 3C 00 00 03 00 00 3E"  # TS BaseResponse.spec.ts
ACK = bytes.fromhex(ACK_HEX)
KEY_STATUS = bytes.fromhex("56 54 55 3c 29 00 0a 48 01 00 46 00 00 00 41 00 3e")
ROOM_COUNT = bytes.fromhex("56 54 55 3C 1D 00 0B 1E 08 00 01 02 03 04 05 06 07 A5")
HEARTBEAT_REQUEST = bytes.fromhex("56 54 55 3E 07 00 02 01 47")


def frame_bytes(
    command: int,
    message_id: int,
    payload: bytes = b"",
    direction: Direction = Direction.FROM_VBOX,
) -> bytes:
    return Frame(direction, command, message_id, payload).to_bytes()


def with_checksum(body: bytes) -> bytes:
    return body + bytes((sum(body) & 0xFF,))


class Recorder:
    """Collects on_discard reports."""

    def __init__(self) -> None:
        self.events: list[tuple[DiscardReason, bytes]] = []

    def __call__(self, reason: DiscardReason, data: bytes) -> None:
        self.events.append((reason, data))

    @property
    def reasons(self) -> list[DiscardReason]:
        return [reason for reason, _ in self.events]

    def data_for(self, reason: DiscardReason) -> list[bytes]:
        return [data for r, data in self.events if r is reason]


def decoder_with_recorder(**kwargs: object) -> tuple[FrameDecoder, Recorder]:
    recorder = Recorder()
    return FrameDecoder(on_discard=recorder, **kwargs), recorder  # type: ignore[arg-type]


def feed_all(decoder: FrameDecoder, chunks: list[bytes]) -> list[Frame]:
    frames: list[Frame] = []
    for chunk in chunks:
        frames.extend(decoder.feed(chunk))
    return frames


# ------------------------------------------------------------------------ checksum


def test_checksum_is_additive_mod_256() -> None:
    assert checksum(b"") == 0
    assert checksum(bytes((0xFF, 0x02))) == 0x01
    assert checksum(ACK[:-1]) == 0x3E
    assert checksum(bytearray(b"VTU")) == (0x56 + 0x54 + 0x55) & 0xFF
    assert checksum(memoryview(bytes(300 * [0xFF]))) == (300 * 0xFF) & 0xFF


# ------------------------------------------------------------------------ Frame


def test_ack_example_encodes_byte_exact() -> None:
    frame = Frame(Direction.FROM_VBOX, CommandId.ACKNOWLEDGEMENT, 0, b"\x00")
    assert frame.to_bytes() == ACK


def test_ack_example_decodes() -> None:
    frame = Frame.from_bytes(ACK)
    assert frame == Frame(Direction.FROM_VBOX, 0x00, 0x00, b"\x00")
    assert frame.direction is Direction.FROM_VBOX
    assert isinstance(frame.payload, bytes)


def test_from_bytes_accepts_bytearray() -> None:
    frame = Frame.from_bytes(bytearray(KEY_STATUS))
    assert frame.command == 0x29
    assert frame.message_id == 0x48
    assert frame.payload == bytes.fromhex("01 00 46 00 00 00 41 00")
    assert isinstance(frame.payload, bytes)


def test_request_frame_encodes_direction_byte() -> None:
    frame = Frame(Direction.TO_VBOX, CommandId.HEARTBEAT, 0x01)
    assert frame.to_bytes() == HEARTBEAT_REQUEST
    assert Frame.from_bytes(HEARTBEAT_REQUEST) == frame


def test_length_field_is_big_endian_and_counts_id_payload_checksum() -> None:
    payload = bytes(range(256)) + bytes(44)  # 300 bytes -> length 302 = 0x012E
    data = Frame(Direction.FROM_VBOX, 0x2B, 7, payload).to_bytes()
    assert data[5:7] == b"\x01\x2e"
    assert len(data) == HEADER_SIZE + 302
    assert data[-1] == sum(data[:-1]) & 0xFF
    assert Frame.from_bytes(data).payload == payload


@pytest.mark.parametrize(
    ("data", "match"),
    [
        pytest.param(b"", "shorter", id="empty"),
        pytest.param(ACK[:8], "shorter", id="8-bytes"),
        pytest.param(b"XTU" + ACK[3:], "prefix", id="bad-prefix"),
        pytest.param(b"vtu" + ACK[3:], "prefix", id="lowercase-prefix"),
        pytest.param(ACK + b"\x00", "length field 3", id="trailing-byte"),
        pytest.param(
            with_checksum(bytes.fromhex("56 54 55 3C 00 00 04 00 00")),
            "length",
            id="length-too-big",
        ),
        pytest.param(
            with_checksum(bytes.fromhex("56 54 55 3C 00 00 01 00 00")),
            "length field 1",
            id="length-below-minimum",
        ),
        pytest.param(ACK[:-1] + b"\x3f", "checksum 3F, expected 3E", id="bad-checksum"),
        pytest.param(
            with_checksum(bytes.fromhex("56 54 55 41 00 00 03 00 00")),
            "direction byte 41",
            id="bad-direction",
        ),
    ],
)
def test_from_bytes_rejects(data: bytes, match: str) -> None:
    with pytest.raises(FrameError, match=match) as info:
        Frame.from_bytes(data)
    assert isinstance(info.value, ProtocolError)
    assert isinstance(info.value, VBoxError)


@pytest.mark.parametrize(
    ("command", "message_id", "match"),
    [
        (256, 0, "command 256"),
        (-1, 0, "command -1"),
        (0, 256, "message id 256"),
        (0, -1, "message id -1"),
    ],
)
def test_frame_rejects_non_byte_fields(command: int, message_id: int, match: str) -> None:
    with pytest.raises(FrameError, match=match):
        Frame(Direction.TO_VBOX, command, message_id)


def test_frame_rejects_payload_longer_than_length_field() -> None:
    Frame(Direction.TO_VBOX, 1, 1, bytes(0xFFFD))  # largest that fits
    with pytest.raises(FrameError, match="too long"):
        Frame(Direction.TO_VBOX, 1, 1, bytes(0xFFFE))


def test_frame_is_immutable_and_hashable() -> None:
    frame = Frame.from_bytes(ACK)
    with pytest.raises(AttributeError):
        frame.command = 1  # type: ignore[misc]
    assert hash(frame) == hash(Frame.from_bytes(ACK))


@settings(max_examples=200, deadline=None)
@given(
    direction=st.sampled_from(Direction),
    command=st.integers(0, 255),
    message_id=st.integers(0, 255),
    payload=st.binary(max_size=300),
    data=st.data(),
)
def test_frame_round_trip_and_any_single_byte_change_is_detected(
    direction: Direction, command: int, message_id: int, payload: bytes, data: st.DataObject
) -> None:
    frame = Frame(direction, command, message_id, payload)
    raw = frame.to_bytes()
    assert len(raw) == HEADER_SIZE + 2 + len(payload)
    assert Frame.from_bytes(raw) == frame
    index = data.draw(st.integers(0, len(raw) - 1), label="index")
    delta = data.draw(st.integers(1, 255), label="delta")
    corrupted = bytearray(raw)
    corrupted[index] = (corrupted[index] + delta) & 0xFF
    with pytest.raises(FrameError):
        Frame.from_bytes(bytes(corrupted))


# ------------------------------------------------------------------------ FrameDecoder


def test_decoder_defaults_to_frames_from_the_box() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(ACK) == [Frame.from_bytes(ACK)]
    assert decoder.buffered == 0


def test_decoder_rejects_a_max_frame_size_that_cannot_hold_a_frame() -> None:
    with pytest.raises(ValueError, match="max_frame_size"):
        FrameDecoder(max_frame_size=8)
    FrameDecoder(max_frame_size=9)  # the smallest frame fits


def test_decoder_several_frames_in_one_feed() -> None:
    decoder, recorder = decoder_with_recorder()
    frames = decoder.feed(ACK + KEY_STATUS + ROOM_COUNT)
    assert frames == [
        Frame.from_bytes(ACK),
        Frame.from_bytes(KEY_STATUS),
        Frame.from_bytes(ROOM_COUNT),
    ]
    assert decoder.buffered == 0
    assert recorder.events == []


def test_decoder_accepts_memoryview_and_bytearray() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(memoryview(ACK)) == [Frame.from_bytes(ACK)]
    assert decoder.feed(bytearray(KEY_STATUS)) == [Frame.from_bytes(KEY_STATUS)]


@pytest.mark.parametrize("direction", [Direction.FROM_VBOX, None])
def test_decoded_frames_behave_like_frames_built_publicly(direction: Direction | None) -> None:
    # The decoder builds its frames without __init__: nothing may tell them apart.
    built = Frame(Direction.FROM_VBOX, 0x29, 0x48, KEY_STATUS[8:-1])
    (decoded,) = FrameDecoder(direction).feed(bytearray(KEY_STATUS))
    assert type(decoded) is Frame
    assert decoded == built
    assert hash(decoded) == hash(built)
    assert repr(decoded) == repr(built)
    assert decoded.direction is Direction.FROM_VBOX
    assert type(decoded.payload) is bytes
    with pytest.raises(AttributeError):
        decoded.payload = b""  # type: ignore[misc]


def test_decoder_byte_by_byte() -> None:
    stream = ACK + KEY_STATUS + ROOM_COUNT
    decoder, recorder = decoder_with_recorder()
    ends = {len(ACK) - 1: ACK, len(ACK + KEY_STATUS) - 1: KEY_STATUS, len(stream) - 1: ROOM_COUNT}
    frames: list[Frame] = []
    for i in range(len(stream)):
        got = decoder.feed(stream[i : i + 1])
        # A frame comes out exactly when its last byte arrives.
        assert got == ([Frame.from_bytes(ends[i])] if i in ends else []), i
        frames.extend(got)
    assert frames == [
        Frame.from_bytes(ACK),
        Frame.from_bytes(KEY_STATUS),
        Frame.from_bytes(ROOM_COUNT),
    ]
    assert decoder.buffered == 0
    assert recorder.events == []


def test_decoder_buffered_counts_the_partial_frame() -> None:
    decoder = FrameDecoder()
    for i in range(1, len(KEY_STATUS)):
        assert decoder.feed(KEY_STATUS[i - 1 : i]) == []
        assert decoder.buffered == i
    assert decoder.feed(KEY_STATUS[-1:]) == [Frame.from_bytes(KEY_STATUS)]
    assert decoder.buffered == 0


def test_decoder_every_split_point_of_a_two_frame_stream() -> None:
    stream = KEY_STATUS + ROOM_COUNT
    expected = [Frame.from_bytes(KEY_STATUS), Frame.from_bytes(ROOM_COUNT)]
    for cut in range(len(stream) + 1):
        decoder, recorder = decoder_with_recorder()
        assert feed_all(decoder, [stream[:cut], stream[cut:]]) == expected, cut
        assert decoder.buffered == 0
        assert recorder.events == []


def test_decoder_every_pair_of_split_points() -> None:
    stream = ACK + KEY_STATUS  # 27 bytes, 378 ways to cut it in three
    expected = [Frame.from_bytes(ACK), Frame.from_bytes(KEY_STATUS)]
    for first in range(len(stream) + 1):
        for second in range(first, len(stream) + 1):
            decoder = FrameDecoder()
            chunks = [stream[:first], stream[first:second], stream[second:]]
            assert feed_all(decoder, chunks) == expected, (first, second)
            assert decoder.buffered == 0


def test_decoder_reports_junk_before_a_header() -> None:
    decoder, recorder = decoder_with_recorder()
    assert decoder.feed(b"\x00garbage\xff" + ACK) == [Frame.from_bytes(ACK)]
    assert recorder.events == [(DiscardReason.JUNK, b"\x00garbage\xff")]
    assert decoder.buffered == 0


def test_decoder_reports_junk_without_any_header_and_drops_it() -> None:
    decoder, recorder = decoder_with_recorder()
    assert decoder.feed(b"hello world") == []
    assert recorder.events == [(DiscardReason.JUNK, b"hello world")]
    assert decoder.buffered == 0


def test_decoder_without_callback_still_skips_junk() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(b"junk" + ACK + b"more junk" + KEY_STATUS) == [
        Frame.from_bytes(ACK),
        Frame.from_bytes(KEY_STATUS),
    ]


@pytest.mark.parametrize("tail", [b"V", b"VT"])
def test_decoder_junk_ending_in_partial_prefix_then_real_frame(tail: bytes) -> None:
    decoder, recorder = decoder_with_recorder()
    assert decoder.feed(b"abc" + tail) == []
    # The tail could be the start of a frame: it is held, not reported yet.
    assert decoder.buffered == len(tail)
    assert recorder.events == [(DiscardReason.JUNK, b"abc")]
    assert decoder.feed(ACK) == [Frame.from_bytes(ACK)]
    assert recorder.events == [(DiscardReason.JUNK, b"abc"), (DiscardReason.JUNK, tail)]
    assert decoder.buffered == 0


@pytest.mark.parametrize("cut", [1, 2])
def test_decoder_partial_prefix_at_end_of_feed_is_the_real_frame(cut: int) -> None:
    decoder, recorder = decoder_with_recorder()
    assert decoder.feed(b"junk" + ACK[:cut]) == []
    assert decoder.buffered == cut
    assert decoder.feed(ACK[cut:]) == [Frame.from_bytes(ACK)]
    assert recorder.events == [(DiscardReason.JUNK, b"junk")]


def test_decoder_drops_bad_checksum_frame_between_good_frames() -> None:
    bad = bytearray(KEY_STATUS)
    bad[-1] ^= 0x01
    decoder, recorder = decoder_with_recorder()
    frames = decoder.feed(ACK + bytes(bad) + ROOM_COUNT)
    assert frames == [Frame.from_bytes(ACK), Frame.from_bytes(ROOM_COUNT)]
    assert recorder.events == [(DiscardReason.BAD_CHECKSUM, bytes(bad))]
    assert decoder.buffered == 0


def test_decoder_bad_checksum_across_feeds() -> None:
    bad = bytearray(ROOM_COUNT)
    bad[10] ^= 0x40  # corrupt a payload byte instead of the checksum
    decoder, recorder = decoder_with_recorder()
    frames = feed_all(decoder, [bytes(bad[:5]), bytes(bad[5:]) + ACK[:4], ACK[4:]])
    assert frames == [Frame.from_bytes(ACK)]
    assert recorder.events == [(DiscardReason.BAD_CHECKSUM, bytes(bad))]


def test_decoder_drops_frame_with_wrong_direction() -> None:
    decoder, recorder = decoder_with_recorder()
    frames = decoder.feed(HEARTBEAT_REQUEST + ACK)
    assert frames == [Frame.from_bytes(ACK)]
    assert recorder.events == [
        (DiscardReason.BAD_DIRECTION, HEARTBEAT_REQUEST[:4]),
        (DiscardReason.JUNK, HEARTBEAT_REQUEST[4:]),
    ]


def test_decoder_bad_direction_noise_byte() -> None:
    decoder, recorder = decoder_with_recorder()
    assert decoder.feed(b"VTUxyz" + b"\x00" * 4 + ACK) == [Frame.from_bytes(ACK)]
    assert DiscardReason.BAD_DIRECTION in recorder.reasons


@pytest.mark.parametrize("length", [0, 1])
def test_decoder_length_below_minimum_is_bad_length(length: int) -> None:
    header = b"VTU<\x29" + length.to_bytes(2, "big")
    decoder, recorder = decoder_with_recorder()
    assert decoder.feed(header + b"\x00\x00" + KEY_STATUS) == [Frame.from_bytes(KEY_STATUS)]
    assert recorder.events == [
        (DiscardReason.BAD_LENGTH, header),
        (DiscardReason.JUNK, b"\x00\x00"),
    ]


def test_decoder_length_above_max_frame_size_is_bad_length_and_resyncs() -> None:
    header = b"VTU<\x2b\xff\xff"
    decoder, recorder = decoder_with_recorder()
    # The rest of the bogus frame never needs to arrive: the next frame is found at once.
    assert decoder.feed(header + ACK) == [Frame.from_bytes(ACK)]
    assert recorder.events == [(DiscardReason.BAD_LENGTH, header)]
    assert decoder.buffered == 0


def test_decoder_max_frame_size_boundary() -> None:
    fits = frame_bytes(0x29, 1, bytes(11))  # 7 + 1 + 11 + 1 = 20 bytes
    too_big = frame_bytes(0x29, 2, bytes(12))  # 21 bytes
    assert len(fits) == 20
    decoder, recorder = decoder_with_recorder(max_frame_size=20)
    assert decoder.feed(fits) == [Frame.from_bytes(fits)]
    assert decoder.feed(too_big) == []
    assert recorder.reasons[0] is DiscardReason.BAD_LENGTH
    assert recorder.data_for(DiscardReason.BAD_LENGTH) == [too_big[:HEADER_SIZE]]


def test_decoder_default_max_frame_size_takes_the_largest_real_frames() -> None:
    # A KeyParameters with a 255-byte name and a NodeMetaData with 255 keys.
    big = frame_bytes(0x2B, 1, bytes(13) + bytes((0xFE,)) + bytes(0xFE))
    huge = frame_bytes(0x1F, 2, bytes(12) + bytes(255) + bytes(10))
    assert len(huge) <= DEFAULT_MAX_FRAME_SIZE
    assert FrameDecoder().feed(big + huge) == [Frame.from_bytes(big), Frame.from_bytes(huge)]


def test_decoder_one_megabyte_of_garbage_keeps_the_buffer_tiny() -> None:
    data = random.Random(20240601).randbytes(1 << 20)
    while PREFIX in data:
        data = data.replace(PREFIX, b"xxx")
    decoder, recorder = decoder_with_recorder()
    for offset in range(0, len(data), 4096):
        assert decoder.feed(data[offset : offset + 4096]) == []
        assert decoder.buffered <= 2
    # Every byte is reported exactly once as junk, except a held "V"/"VT" tail.
    assert set(recorder.reasons) == {DiscardReason.JUNK}
    reported = b"".join(d for _, d in recorder.events)
    assert len(reported) + decoder.buffered == len(data)
    assert data.startswith(reported)
    # The decoder still works afterwards.
    assert decoder.feed(ACK) == [Frame.from_bytes(ACK)]


def test_decoder_header_claiming_huge_length_keeps_buffer_bounded() -> None:
    max_size = 64
    decoder, recorder = decoder_with_recorder(max_frame_size=max_size)
    # 7 + 57 = 64: a legal length for this decoder, so it waits for the body.
    decoder.feed(b"VTU<\x29\x00\x39")
    garbage = random.Random(7).randbytes(5000).replace(b"V", b"v")
    for byte in garbage:
        decoder.feed(bytes((byte,)))
        assert decoder.buffered < max_size
    # Once the claimed 64 bytes were there, the checksum failed and the decoder resynced.
    assert recorder.reasons[0] is DiscardReason.BAD_CHECKSUM
    assert decoder.buffered <= 2


def test_decoder_waits_for_a_long_claimed_frame_then_recovers_the_frames_inside() -> None:
    # A spurious header whose "body" swallows real frames: once the claimed length
    # has arrived the checksum fails and the real frames are still decoded.
    spurious = b"VTU<\x29\x00\x40"  # claims 64 more bytes
    stream = spurious + ACK + KEY_STATUS + ROOM_COUNT + bytes(30)
    decoder, recorder = decoder_with_recorder()
    frames = decoder.feed(stream)
    assert frames == [
        Frame.from_bytes(ACK),
        Frame.from_bytes(KEY_STATUS),
        Frame.from_bytes(ROOM_COUNT),
    ]
    assert recorder.reasons[0] is DiscardReason.BAD_CHECKSUM


def test_decoder_reset_forgets_a_partial_frame() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(KEY_STATUS[:10]) == []
    assert decoder.buffered == 10
    decoder.reset()
    assert decoder.buffered == 0
    # The rest of the old frame is now junk; a fresh frame decodes.
    assert decoder.feed(KEY_STATUS[10:] + ACK) == [Frame.from_bytes(ACK)]


def test_decoder_for_requests() -> None:
    login = bytes.fromhex(
        "56 54 55 3E 01 00 16 01 08 75 00 73 00 65 00 72 00 0A 73 00 75 00 70 00 65 00 72 00 55"
    )
    decoder, recorder = decoder_with_recorder(direction=Direction.TO_VBOX)
    frames = decoder.feed(login + ACK + HEARTBEAT_REQUEST)
    assert [f.command for f in frames] == [CommandId.LOGIN, CommandId.HEARTBEAT]
    assert all(f.direction is Direction.TO_VBOX for f in frames)
    assert frames[0] == Frame.from_bytes(login)
    # The reply-direction ACK was rejected.
    assert recorder.reasons[0] is DiscardReason.BAD_DIRECTION


def test_decoder_for_both_directions() -> None:
    decoder, recorder = decoder_with_recorder(direction=None)
    frames = decoder.feed(HEARTBEAT_REQUEST + ACK + b"VTU!\x00\x00\x03\x00\x00" + KEY_STATUS)
    assert frames == [
        Frame.from_bytes(HEARTBEAT_REQUEST),
        Frame.from_bytes(ACK),
        Frame.from_bytes(KEY_STATUS),
    ]
    assert [f.direction for f in frames] == [
        Direction.TO_VBOX,
        Direction.FROM_VBOX,
        Direction.FROM_VBOX,
    ]
    # A direction byte that is neither '<' nor '>' is still rejected.
    assert recorder.data_for(DiscardReason.BAD_DIRECTION) == [b"VTU!"]


def test_decoder_payload_containing_a_frame_header_is_not_split() -> None:
    # The hex-splitting reference client would cut this frame at the inner "VTU<".
    inner = ACK
    payload = b"\x01\x00" + inner + b"VTU<"
    outer = frame_bytes(0x60, 0x33, payload)
    decoder, recorder = decoder_with_recorder()
    assert decoder.feed(outer + KEY_STATUS) == [
        Frame(Direction.FROM_VBOX, 0x60, 0x33, payload),
        Frame.from_bytes(KEY_STATUS),
    ]
    assert recorder.events == []
    # Split right after the inner header, too.
    decoder = FrameDecoder()
    cut = outer.index(b"VTU<", 4) + 4
    assert feed_all(decoder, [outer[:cut], outer[cut:]]) == [Frame.from_bytes(outer)]


@pytest.mark.parametrize(
    "rejected",
    [
        pytest.param(KEY_STATUS[:-1] + b"\x00", id="bad-checksum"),
        pytest.param(HEARTBEAT_REQUEST, id="bad-direction"),
        pytest.param(b"VTU<\x29\xff\xff", id="bad-length"),
    ],
)
def test_decoder_reports_each_discarded_byte_once(rejected: bytes) -> None:
    decoder, recorder = decoder_with_recorder()
    assert decoder.feed(ACK + rejected + ACK) == [Frame.from_bytes(ACK)] * 2
    # A rejected frame is resynced one byte later, yet its bytes are reported only once.
    assert b"".join(data for _, data in recorder.events) == rejected
    assert recorder.events[0][0] is not DiscardReason.JUNK


def _frame_ending_with(tail: bytes) -> bytes:
    """A valid reply frame whose last bytes (payload end + checksum) are ``tail``."""
    for message_id in range(256):
        data = frame_bytes(0x29, message_id, b"\x01\x00" + tail[:-1])
        if data.endswith(tail):
            return data
    raise AssertionError(tail)


@pytest.mark.parametrize("tail", [b"V", b"VT"])
def test_decoder_keeps_nothing_after_a_complete_frame(tail: bytes) -> None:
    # Regression: the "V"/"VT" end of a just-decoded frame used to be kept as a
    # possible prefix start, leaving buffered != 0 and a spurious junk report later.
    data = _frame_ending_with(tail)
    decoder, recorder = decoder_with_recorder()
    assert decoder.feed(data) == [Frame.from_bytes(data)]
    assert decoder.buffered == 0
    # The next frame must not make a byte of the previous one reappear as junk.
    assert decoder.feed(ACK) == [Frame.from_bytes(ACK)]
    assert recorder.events == []


def test_decoder_output_does_not_depend_on_read_boundaries_after_a_frame() -> None:
    # Regression: the kept "VT" tail of a decoded frame joined the next read into a
    # phantom frame that the same bytes in one read did not produce.
    first = _frame_ending_with(b"VT")
    follow = b"U<" + ACK[4:]  # junk that completes "VTU<" only with the previous frame's tail
    in_one_read = FrameDecoder().feed(first + follow)
    assert in_one_read == [Frame.from_bytes(first)]
    assert feed_all(FrameDecoder(), [first, follow]) == in_one_read


# ------------------------------------------------------------------------ properties

frames_from_box = st.builds(
    Frame,
    st.just(Direction.FROM_VBOX),
    st.integers(0, 255),
    st.integers(0, 255),
    st.binary(max_size=300),
)
junk = st.binary(max_size=24).filter(lambda b: PREFIX not in b)


def _cut(data: bytes, points: list[int]) -> list[bytes]:
    bounds = [0, *sorted(points), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frames=st.lists(frames_from_box, max_size=8),
    junks=st.lists(junk, min_size=9, max_size=9),
    add_junk=st.booleans(),
    data=st.data(),
)
def test_property_frames_with_junk_in_random_chunks_decode_in_order(
    frames: list[Frame], junks: list[bytes], add_junk: bool, data: st.DataObject
) -> None:
    gaps = junks if add_junk else [b""] * 9
    stream = b"".join(gaps[i] + f.to_bytes() for i, f in enumerate(frames)) + gaps[len(frames)]
    points = data.draw(st.lists(st.integers(0, len(stream)), max_size=20), label="cuts")
    decoder, recorder = decoder_with_recorder()
    assert feed_all(decoder, _cut(stream, points)) == frames
    # Only junk was discarded, each junk byte reported once, in order.
    assert set(recorder.reasons) <= {DiscardReason.JUNK}
    all_junk = b"".join(gaps[: len(frames) + 1])
    reported = b"".join(d for _, d in recorder.events)
    assert len(reported) + decoder.buffered == len(all_junk)
    assert decoder.buffered <= 2


stream_pieces = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"V", b"VT", b"VTU", b"VTU<", b"VTU>", b"VTU<\x00\x00", ACK, KEY_STATUS]),
    st.builds(lambda f: f.to_bytes(), frames_from_box),
    st.builds(
        lambda n: b"VTU<\x29" + n.to_bytes(2, "big"),
        st.integers(0, 0xFFFF),
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pieces=st.lists(stream_pieces, max_size=30),
    max_size=st.sampled_from([9, 16, 64, DEFAULT_MAX_FRAME_SIZE]),
    direction=st.sampled_from([*Direction, None]),
    data=st.data(),
)
def test_property_arbitrary_bytes_never_raise_and_keep_buffer_bounded(
    pieces: list[bytes], max_size: int, direction: Direction | None, data: st.DataObject
) -> None:
    stream = b"".join(pieces)
    points = data.draw(st.lists(st.integers(0, len(stream)), max_size=30), label="cuts")
    recorder = Recorder()
    decoder = FrameDecoder(direction, max_frame_size=max_size, on_discard=recorder)
    decoded = 0
    for chunk in _cut(stream, points):
        for frame in decoder.feed(chunk):
            decoded += len(frame.to_bytes())
            assert isinstance(frame, Frame)
            assert frame.direction is (direction or frame.direction)
            assert isinstance(frame.direction, Direction)
            assert len(frame.to_bytes()) <= max_size
            assert frame.to_bytes() in stream
        assert decoder.buffered < max(max_size, HEADER_SIZE)
    # Nothing vanishes silently: every byte was decoded, reported or is still held.
    reported = sum(len(data) for _, data in recorder.events)
    assert decoded + reported + decoder.buffered >= len(stream)
    assert all(data for _, data in recorder.events)
