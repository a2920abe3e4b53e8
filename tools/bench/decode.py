"""Decoder throughput: our FrameDecoder versus the public client's hex-split framing.

The capture is what a client receives from a box over one session, built with the
library's own message classes: the handshake ACKs, the whole topology read of the
demo installation (Hebrew and English names in RoomMetaData, NodeMetaData,
KeyParameters), every key's state, then a steady stream of KeyStatus pushes,
command ACKs and heartbeat ACKs. It is cut into TCP-like chunks of varied sizes,
as ``StreamReader.read(4096)`` hands them to the client.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from custom_components.vitrea.vbox import AckType, Installation, KeyPowerStatus, KeyStatus, KeyType
from custom_components.vitrea.vbox.vtu.enums import Direction
from custom_components.vitrea.vbox.vtu.frames import Frame, FrameDecoder
from custom_components.vitrea.vbox.vtu.messages import (
    Acknowledgement,
    NodeCount,
    Reply,
    RoomCount,
    RoomMetaData,
)
from simulator import demo_installation, key_parameters, node_metadata
from tools.bench.stats import Summary, summarise

_DIMMERS: Final = frozenset({KeyType.DIMMER, KeyType.DIMMER_MW})
_BLINDS: Final = frozenset({KeyType.BLIND, KeyType.BLIND_MW})

HEX_HEADER: Final = "5654553c"  # "VTU<": what the public client splits on
STEADY_EVENTS: Final = 6000
MIN_RUN_S: Final = 0.3  # each timed run decodes the capture as often as this takes

type Decode = Callable[[Sequence[bytes]], list[Frame]]


@dataclass(frozen=True, slots=True)
class Capture:
    frames: tuple[Frame, ...]  # what was sent, in order
    startup_frames: int  # the handshake and topology read before the steady state
    data: bytes
    chunks: tuple[bytes, ...]  # TCP-like reads
    whole_chunks: tuple[bytes, ...]  # reads that each hold whole frames only


@dataclass(frozen=True, slots=True)
class DecodeResult:
    capture: Capture
    frames_per_s: Summary
    baseline_frames_per_s: Summary
    baseline_frames_lost: int  # frames of the TCP-like capture the baseline cannot deliver
    whole_frames_per_s: Summary
    whole_baseline_frames_per_s: Summary

    @property
    def ratio(self) -> float:
        return self.frames_per_s.median / self.baseline_frames_per_s.median

    @property
    def whole_ratio(self) -> float:
        return self.whole_frames_per_s.median / self.whole_baseline_frames_per_s.median


# --------------------------------------------------------------------------- capture


def _state(rng: random.Random, node_id: int, key_id: int, key_type: KeyType) -> KeyStatus:
    on = rng.random() < 0.5
    status = KeyPowerStatus.ON if on else KeyPowerStatus.OFF
    if key_type in _DIMMERS:
        return KeyStatus(node_id, key_id, status, level=rng.randrange(1, 101) if on else 0)
    if key_type in _BLINDS:
        return KeyStatus(node_id, key_id, status, level=rng.choice((0, 30, 50, 100)))
    if key_type is KeyType.BOILER:
        return KeyStatus(node_id, key_id, status, timer=rng.choice((0, 15, 30, 60)) if on else 0)
    return KeyStatus(node_id, key_id, status)


def build_capture(seed: int = 5, steady_events: int = STEADY_EVENTS) -> Capture:
    """One session's box-to-client bytes, deterministic for a seed."""
    rng = random.Random(seed)
    home: Installation = demo_installation()
    layout = home.protocol_version
    replies: list[Reply] = [Acknowledgement(AckType.ACK), Acknowledgement(AckType.ACK)]
    replies.append(RoomCount(tuple(room.id for room in home.rooms)))
    replies += [RoomMetaData(room.id, room.floor_id, room.name) for room in home.rooms]
    replies.append(NodeCount(tuple(node.id for node in home.nodes)))
    keys: list[tuple[int, int, KeyType]] = []
    for node in home.nodes:
        replies.append(node_metadata(node, layout))
        for key in node.keys:
            if key.type.exists:
                replies.append(key_parameters(node.id, key, layout))
                keys.append((node.id, key.id, key.type))
    replies += [_state(rng, node_id, key_id, kind) for node_id, key_id, kind in keys]
    startup = len(replies)
    # Steady state: mostly pushes (wall presses come as S/L/R then the new state),
    # the ACK of a command now and then, a heartbeat ACK every few seconds.
    for _ in range(steady_events):
        roll = rng.random()
        node_id, key_id, kind = rng.choice(keys)
        if roll < 0.6:
            replies.append(_state(rng, node_id, key_id, kind))
        elif roll < 0.75:
            press = rng.choice((KeyPowerStatus.SHORT, KeyPowerStatus.LONG))
            replies.append(KeyStatus(node_id, key_id, press))
            replies.append(KeyStatus(node_id, key_id, KeyPowerStatus.RELEASED))
        elif roll < 0.9:
            replies.append(Acknowledgement(AckType.ACK))  # a command's ACK ...
            replies.append(_state(rng, node_id, key_id, kind))  # ... and the new state
        else:
            replies.append(Acknowledgement(AckType.ACK))  # heartbeat
    frames = tuple(reply.to_frame(index & 0xFF) for index, reply in enumerate(replies))
    encoded = [frame.to_bytes() for frame in frames]
    data = b"".join(encoded)
    return Capture(frames, startup, data, _tcp_chunks(rng, data), _whole_chunks(rng, encoded))


def _tcp_chunks(rng: random.Random, data: bytes) -> tuple[bytes, ...]:
    """Reads of varied sizes, cut anywhere: a few bytes, a segment, a full 4096 read."""
    chunks: list[bytes] = []
    pos = 0
    while pos < len(data):
        roll = rng.random()
        if roll < 0.1:
            size = rng.randint(1, 32)
        elif roll < 0.6:
            size = rng.randint(33, 512)
        else:
            size = rng.randint(513, 4096)
        chunks.append(data[pos : pos + size])
        pos += size
    return tuple(chunks)


def _whole_chunks(rng: random.Random, encoded: list[bytes]) -> tuple[bytes, ...]:
    """Reads of 1-8 whole frames: the only case the hex-split framing gets right."""
    chunks: list[bytes] = []
    pos = 0
    while pos < len(encoded):
        count = rng.randint(1, 8)
        chunks.append(b"".join(encoded[pos : pos + count]))
        pos += count
    return tuple(chunks)


# --------------------------------------------------------------------------- decoders


def decode_stream(chunks: Sequence[bytes]) -> list[Frame]:
    """Our decoder, fed read by read as the client's reader task does."""
    decoder = FrameDecoder(Direction.FROM_VBOX)
    frames: list[Frame] = []
    for chunk in chunks:
        frames += decoder.feed(chunk)
    return frames


def naive_split(chunk: bytes) -> list[bytes]:
    """Framing by text search, the way the public TypeScript client frames a read.

    The read becomes hex text, a separator goes before every occurrence of the
    header's hex, and each piece becomes bytes again (an odd trailing nibble is
    dropped, as a hex-to-bytes conversion does).
    """
    parts = chunk.hex().replace(HEX_HEADER, ";;;" + HEX_HEADER).split(";;;")
    return [bytes.fromhex(part[: len(part) & ~1]) for part in parts if part]


def decode_naive(chunks: Sequence[bytes]) -> list[Frame]:
    """Hex-split framing, then the fields read at their offsets, as the TS responses do.

    Like that client it keeps no state between reads and verifies no checksum; a
    piece that is not one whole frame (a frame split across reads, a split inside a
    payload) cannot be delivered and is dropped here.
    """
    frames: list[Frame] = []
    for chunk in chunks:
        for piece in naive_split(chunk):
            if len(piece) < 9 or piece[:4] != b"VTU<":
                continue
            if 7 + ((piece[5] << 8) | piece[6]) != len(piece):
                continue
            frames.append(Frame(Direction.FROM_VBOX, piece[4], piece[7], piece[8:-1]))
    return frames


# --------------------------------------------------------------------------- timing


def _passes_for(decode: Decode, chunks: Sequence[bytes]) -> int:
    start = time.perf_counter()
    decode(chunks)
    once = time.perf_counter() - start
    return max(1, int(MIN_RUN_S / max(once, 1e-9)) + 1)


def _rate(decode: Decode, chunks: Sequence[bytes], passes: int) -> float:
    """Frames delivered per second over ``passes`` decodes of the capture."""
    gc.collect()
    delivered = 0
    start = time.perf_counter()
    for _ in range(passes):
        delivered += len(decode(chunks))
    return delivered / (time.perf_counter() - start)


def run_decode(runs: int, seed: int = 5) -> DecodeResult:
    capture = build_capture(seed)
    expected = list(capture.frames)
    # Sanity: on whole-frame reads both decoders deliver exactly what was sent.
    assert decode_stream(capture.whole_chunks) == expected, "FrameDecoder lost frames"
    assert decode_naive(capture.whole_chunks) == expected, "hex-split baseline lost frames"
    assert decode_stream(capture.chunks) == expected, "FrameDecoder lost frames on TCP reads"
    lost = len(expected) - len(decode_naive(capture.chunks))

    series: dict[str, list[float]] = {"ours": [], "base": [], "ours_w": [], "base_w": []}
    cases: dict[str, tuple[Decode, tuple[bytes, ...]]] = {
        "ours": (decode_stream, capture.chunks),
        "base": (decode_naive, capture.chunks),
        "ours_w": (decode_stream, capture.whole_chunks),
        "base_w": (decode_naive, capture.whole_chunks),
    }
    passes = {name: _passes_for(fn, chunks) for name, (fn, chunks) in cases.items()}
    for _ in range(runs):
        # Interleaved, so a machine-wide slowdown hits both decoders alike.
        for name, (fn, chunks) in cases.items():
            series[name].append(_rate(fn, chunks, passes[name]))
    return DecodeResult(
        capture=capture,
        frames_per_s=summarise(series["ours"]),
        baseline_frames_per_s=summarise(series["base"]),
        baseline_frames_lost=lost,
        whole_frames_per_s=summarise(series["ours_w"]),
        whole_baseline_frames_per_s=summarise(series["base_w"]),
    )
