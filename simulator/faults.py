"""Faulty answers the simulated box gives on demand: malformed frames and late replies.

Both ports use the rules: port 11501's VTU frames are spoiled by ``malformed``,
port 11502's lines and VTH frames by ``spoiled``.

A rule says which replies to spoil (every Nth one, of one command or of any) and
how many times; the simulator asks :class:`ReplyFaults` for each reply it writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from custom_components.vitrea.vbox import MessageError
from custom_components.vitrea.vbox.host.grammar import EOL
from custom_components.vitrea.vbox.host.lines import parse_line
from custom_components.vitrea.vbox.host.vth import HEADER_SIZE as VTH_HEADER_SIZE
from custom_components.vitrea.vbox.host.vth import VTHFrame
from custom_components.vitrea.vbox.vtu.enums import Direction
from custom_components.vitrea.vbox.vtu.frames import HEADER_SIZE, Frame, checksum
from custom_components.vitrea.vbox.vtu.messages import decode

# The length field a BAD_LENGTH frame announces: within the decoder's generic
# bound (DEFAULT_MAX_FRAME_SIZE), far beyond any real reply of a few hundred bytes,
# so a decoder that trusts it waits for bytes that belong to the next frames.
BAD_LENGTH_FIELD: Final = 1000


class ReplyFault(StrEnum):
    """How a reply is spoiled."""

    SHORT = "short"  # payload cut until it no longer decodes; the checksum is valid
    LENGTH = "length"  # the length field announces BAD_LENGTH_FIELD bytes
    CHECKSUM = "checksum"  # a wrong checksum
    LATE = "late"  # written later (after the client's timeout) while the box answers on


@dataclass(slots=True)
class _Rule:
    fault: ReplyFault
    remaining: int | None  # None: for ever
    every: int
    command: int | None  # the request's command id; None: any request
    delay: float  # LATE only: seconds
    seen: int = 0


@dataclass(frozen=True, slots=True)
class Fault:
    """A rule that fired: how to spoil the reply (LATE: ``delay`` seconds late)."""

    fault: ReplyFault
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class Spoiled:
    """What to do with one reply: ``data`` to write now, or LATE after ``delay``."""

    fault: ReplyFault
    data: bytes
    delay: float = 0.0


class ReplyFaults:
    """The rules in force; the first that matches a reply spoils it."""

    def __init__(self) -> None:
        self._rules: list[_Rule] = []

    def __bool__(self) -> bool:
        return bool(self._rules)

    def add(
        self,
        fault: ReplyFault,
        count: int | None = 1,
        *,
        every: int = 1,
        command: int | None = None,
        delay: float = 0.0,
    ) -> None:
        if count is not None and count < 1:
            raise ValueError(f"count {count}: spoil at least one reply (or None: all)")
        if every < 1:
            raise ValueError(f"every {every}: must be at least 1")
        if fault is ReplyFault.LATE and delay <= 0:
            raise ValueError("a late reply needs a positive delay")
        self._rules.append(_Rule(ReplyFault(fault), count, every, command, delay))

    def clear(self) -> None:
        self._rules.clear()

    def next_fault(self, request_command: int) -> Fault | None:
        """The fault for the reply to a request of ``request_command``, if a rule fires."""
        for rule in self._rules:
            if rule.command is not None and rule.command != request_command:
                continue
            rule.seen += 1
            if rule.seen % rule.every:
                return None
            if rule.remaining is not None:
                rule.remaining -= 1
                if not rule.remaining:
                    self._rules.remove(rule)
            return Fault(rule.fault, rule.delay)
        return None

    def spoil(self, request_command: int, reply: Frame) -> Spoiled | None:
        """The VTU reply to a request of ``request_command`` as a rule spoils it, if one fires."""
        fault = self.next_fault(request_command)
        if fault is None:
            return None
        if fault.fault is ReplyFault.LATE:
            return Spoiled(fault.fault, reply.to_bytes(), fault.delay)
        return Spoiled(fault.fault, malformed(reply, fault.fault))


def malformed(frame: Frame, fault: ReplyFault) -> bytes:
    """``frame`` spoiled the way ``fault`` says (SHORT falls back to LENGTH when no cut fails)."""
    if fault is ReplyFault.CHECKSUM:
        return bad_checksum(frame.to_bytes())
    if fault is ReplyFault.SHORT:
        for size in range(len(frame.payload) - 1, -1, -1):
            cut = Frame(frame.direction, frame.command, frame.message_id, frame.payload[:size])
            try:
                decode(cut)
            except MessageError:
                return cut.to_bytes()
    return bad_length(frame.to_bytes())


# VTU and VTH frames share these: a 7-byte header ending in a 16-bit length, and a
# last byte that is the sum of every byte before it.


def bad_checksum(data: bytes) -> bytes:
    """A frame (VTU or VTH) with a wrong checksum."""
    return data[:-1] + bytes(((data[-1] + 1) & 0xFF,))


def bad_length(data: bytes) -> bytes:
    """A frame (VTU or VTH) whose length field announces BAD_LENGTH_FIELD bytes."""
    spoiled = bytearray(data)
    spoiled[HEADER_SIZE - 2 : HEADER_SIZE] = BAD_LENGTH_FIELD.to_bytes(2, "big")
    spoiled[-1] = checksum(spoiled[:-1])
    return bytes(spoiled)


def _spoiled_frame(data: bytes, fault: ReplyFault) -> bytes:
    if fault is ReplyFault.CHECKSUM:
        return bad_checksum(data)
    if fault is ReplyFault.LENGTH:
        return bad_length(data)
    # SHORT: one byte less, so that a count or a name length no longer matches.
    return VTHFrame(Direction.FROM_VBOX, data[4], data[VTH_HEADER_SIZE:-2]).to_bytes()


def spoiled(data: bytes, fault: ReplyFault) -> bytes:
    """A line cut until the client's parser refuses it, or a VTH frame spoiled by ``fault``."""
    if data.startswith(b"VTH"):
        return _spoiled_frame(data, fault)
    line = data.removesuffix(EOL)
    for size in range(len(line) - 1, 0, -1):
        try:
            parse_line(line[:size])
        except MessageError:
            return line[:size] + EOL
    return b"S:N\xff" + EOL  # pragma: no cover - "S:" alone is refused
