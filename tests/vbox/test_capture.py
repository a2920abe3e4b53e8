"""The frame capture: the last frames each way and the discards, bounded, credentials never kept."""

from __future__ import annotations

import dataclasses
import itertools
import json

from custom_components.vitrea.vbox.enums import KeyPowerStatus
from custom_components.vitrea.vbox.vtu.capture import (
    DISCARD_BYTES_SHOWN,
    REDACTED_TEXT,
    FrameCapture,
)
from custom_components.vitrea.vbox.vtu.client import VBoxClient
from custom_components.vitrea.vbox.vtu.enums import Direction
from custom_components.vitrea.vbox.vtu.frames import Frame
from custom_components.vitrea.vbox.vtu.messages import (
    Heartbeat,
    KeyStatus,
    KeyStatusRequest,
    Login,
    ToggleHeartbeat,
    decode,
)
from simulator import PressKind, VBoxSimulator

from ..common import FAST, PASSWORD, USERNAME, secret_forms
from .conftest import ClientFactory, HastyRequestsDropped, wait_until


def assert_no_password(text: str, password: str = PASSWORD) -> None:
    for form in secret_forms(password):
        assert form not in text, f"the password leaked as {form!r}"


def captured(capture: FrameCapture, direction: str) -> list[Frame]:
    return [
        Frame.from_bytes(bytes.fromhex(f["hex"]))
        for f in capture.to_dict()["frames"]
        if f["direction"] == direction
    ]


def test_ring_buffer_keeps_the_last_frames_of_each_direction() -> None:
    ticks = itertools.count()
    capture = FrameCapture(max_frames=3, clock=lambda: float(next(ticks)))
    for message_id in range(1, 6):
        capture.frame(Direction.TO_VBOX, Heartbeat().to_frame(message_id).to_bytes())
    capture.frame(Direction.FROM_VBOX, KeyStatus(1, 0, KeyPowerStatus.ON).to_frame(0).to_bytes())

    sent = captured(capture, "sent")
    assert [f.message_id for f in sent] == [3, 4, 5]  # the oldest went first
    # A flood one way does not push the other direction out.
    assert len(captured(capture, "received")) == 1
    records = capture.to_dict()["frames"]
    assert [r["direction"] for r in records] == ["sent"] * 3 + ["received"]
    assert records[0]["time"] == "1970-01-01T00:00:02.000Z"
    assert records[0]["source"] == "vtu"


def test_frames_keep_their_order_when_the_clock_steps_back() -> None:
    """NTP may set the wall clock back between a request and its answer."""
    times = iter([100.0, 50.0, 50.0])
    capture = FrameCapture(clock=lambda: next(times))
    capture.frame(Direction.TO_VBOX, Heartbeat().to_frame(1).to_bytes())
    capture.frame(Direction.FROM_VBOX, KeyStatus(1, 0, KeyPowerStatus.ON).to_frame(1).to_bytes())
    capture.frame(Direction.TO_VBOX, Heartbeat().to_frame(2).to_bytes())
    records = capture.to_dict()["frames"]
    assert [(r["direction"], r["time"][-10:]) for r in records] == [
        ("sent", "01:40.000Z"),
        ("received", "00:50.000Z"),
        ("sent", "00:50.000Z"),
    ]


def test_login_frame_is_kept_with_both_credentials_redacted() -> None:
    capture = FrameCapture()
    capture.set_secrets([PASSWORD])
    capture.frame(Direction.TO_VBOX, Login(USERNAME, PASSWORD).to_frame(7).to_bytes())

    (frame,) = captured(capture, "sent")
    assert frame.message_id == 7
    assert decode(frame) == Login(REDACTED_TEXT, REDACTED_TEXT)
    text = json.dumps(capture.to_dict())
    assert_no_password(text)
    assert USERNAME.encode("utf-16-le").hex(" ") not in text


def test_secret_is_scrubbed_from_discards_and_other_frames() -> None:
    """A box (or proxy) echoing our login back: the password is not kept from that either."""
    capture = FrameCapture()
    capture.set_secrets([PASSWORD])
    echo = Login(USERNAME, PASSWORD).to_frame(3).to_bytes()
    capture.discard("bad_direction", b"junk" + echo + PASSWORD.encode())
    capture.frame(Direction.FROM_VBOX, echo)  # a "Login" frame from the box: not ours

    text = json.dumps(capture.to_dict())
    assert_no_password(text)
    (discard,) = capture.to_dict()["discards"]
    assert discard["reason"] == "bad_direction"
    assert discard["length"] == 4 + len(echo) + len(PASSWORD)
    assert discard["hex"].startswith(b"junk".hex(" "))


def test_discards_are_bounded_and_cut_short() -> None:
    capture = FrameCapture(max_discards=2)
    for size in (1, 2, 1000):
        capture.discard("junk", b"\xaa" * size)
    discards = capture.to_dict()["discards"]
    assert [d["length"] for d in discards] == [2, 1000]
    assert len(bytes.fromhex(discards[1]["hex"])) == DISCARD_BYTES_SHOWN


def test_short_secrets_do_not_mangle_frames() -> None:
    """A one-letter password would match ordinary bytes: only the Login frame hides it."""
    capture = FrameCapture()
    capture.set_secrets(["a", ""])
    frame = KeyStatusRequest(0x61, 0).to_frame(0x61).to_bytes()
    capture.frame(Direction.TO_VBOX, frame)
    assert captured(capture, "sent") == [Frame.from_bytes(frame)]


async def test_client_captures_its_conversation(
    simulator: VBoxSimulator, make_client: ClientFactory
) -> None:
    client = await make_client()
    await client.key_status(1, 0)
    await simulator.press_key(8, 4, PressKind.LONG)
    await simulator.send_raw(b"\x00garbage")
    await simulator.send_bad_checksum()
    await wait_until(lambda: len(client.capture.discards()) >= 2)
    await wait_until(
        lambda: any(
            isinstance(m, KeyStatus) and m.status is KeyPowerStatus.LONG
            for m in map(decode, captured(client.capture, "received"))
        )
    )

    sent = [decode(f) for f in captured(client.capture, "sent")]
    assert sent[:2] == [ToggleHeartbeat(True, True), Login(REDACTED_TEXT, REDACTED_TEXT)]
    assert KeyStatusRequest(1, 0) in sent
    received = [decode(f) for f in captured(client.capture, "received")]
    assert client.key_states[(1, 0)] in received
    reasons = [d.reason for d in client.capture.discards()]
    assert reasons == ["junk", "bad_checksum"]
    assert client.capture.discards()[0].data == b"\x00garbage"
    assert_no_password(json.dumps(client.capture.to_dict()))


async def test_capture_shows_the_requests_a_slow_box_ignored(simulator: VBoxSimulator) -> None:
    """A box that drops hasty requests: each one is in the capture, sent and never answered."""
    proxy = HastyRequestsDropped(simulator.port, min_gap=0.08)
    port = await proxy.start()
    config = dataclasses.replace(FAST, request_timeout=0.3, max_retries=2)
    client = VBoxClient("127.0.0.1", port, USERNAME, PASSWORD, config=config)
    try:
        await client.connect()
        await client.read_installation(with_states=False)
    finally:
        await client.close()
        await proxy.stop()
    assert proxy.ignored >= 1
    sent = captured(client.capture, "sent")
    answered = {f.message_id for f in captured(client.capture, "received") if f.message_id}
    unanswered = [f for f in sent if f.message_id not in answered]
    assert len(unanswered) == proxy.ignored == client.unanswered_requests
    # Each was retried: the same request went out again under a new message id.
    for lost in unanswered:
        retries = [f for f in sent if f.payload == lost.payload and f.command == lost.command]
        assert len(retries) >= 2
