"""What a request the box received is, on either port: a key command, or a read of states.

The bench times requests as the simulator's server receives them: VTU frames on
port 11501; text lines (and VTH frames) on port 11502.
"""

from __future__ import annotations

from collections.abc import Set

from custom_components.vitrea.vbox import MessageError
from custom_components.vitrea.vbox.host.commands import (
    ACCommand,
    BlindCommand,
    DimmerCommand,
    KeyCommand,
    StatusQuery,
    parse_command,
)
from custom_components.vitrea.vbox.vtu.enums import CommandId
from custom_components.vitrea.vbox.vtu.frames import Frame
from tools.harness import WireMessage

_COMMANDS = (KeyCommand, DimmerCommand, BlindCommand, ACCommand)


def _line(message: WireMessage) -> object | None:
    """The command a text line carries; None for a VTH frame or a line that is none."""
    if not isinstance(message, bytes):
        return None
    try:
        return parse_command(message)
    except MessageError:
        return None


def is_command(message: WireMessage) -> bool:
    """A command that changes a key or an AC (not a read, not a keep-alive)."""
    if isinstance(message, Frame):
        return message.command == CommandId.TOGGLE_KEY_STATUS
    return isinstance(_line(message), _COMMANDS)


def read_targets(message: WireMessage, wanted: Set[object]) -> set[object]:
    """Which of ``wanted`` (key addresses (node, key), ACs ("ac", id)) ``message`` reads."""
    if isinstance(message, Frame):
        if message.command == CommandId.KEY_STATUS and len(message.payload) >= 2:
            address: object = (message.payload[0], message.payload[1])
            return {address} & set(wanted)
        return set()
    query = _line(message)
    if not isinstance(query, StatusQuery):
        return set()
    return {target for target in wanted if query_reads(query, target)}


def query_reads(query: StatusQuery, target: object) -> bool:
    """Whether the answer to ``query`` tells ``target``'s state."""
    match target:
        case ("ac", int(ac_id)):
            return query.target == "ac" and query.id == ac_id
        case (int(node_id), int(key_id)):
            if query.target == "all":
                return True
            if query.target not in ("node", "key") or query.id != node_id:
                return False
            # The line names the key by its 1-based digit; a node query: all its keys.
            return query.key_digit is None or query.key_digit - 1 == key_id
    return False
