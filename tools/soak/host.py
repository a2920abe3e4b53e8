"""Port 11502 in the soak run: which text line carries a command to a key or an AC."""

from __future__ import annotations

from typing import Final, Literal

from custom_components.vitrea.vbox import MessageError
from custom_components.vitrea.vbox.host.commands import (
    ACCommand,
    BlindCommand,
    DimmerCommand,
    KeyCommand,
    parse_command,
)
from custom_components.vitrea.vbox.host.vth import VTHFrame

AC: Final = "ac"
type ACTarget = tuple[Literal["ac"], int]
"""An air conditioner as the target of a command: ("ac", its id)."""


def carries(message: bytes | VTHFrame, target: object) -> bool:
    """Whether the line ``message`` changes ``target``: a key (node, key id) or an AC."""
    if isinstance(message, VTHFrame):
        return False
    try:
        command = parse_command(message)
    except MessageError:
        return False
    match command:
        case ACCommand():
            return target == (AC, command.ac)
        case KeyCommand() | DimmerCommand() | BlindCommand():
            # The line names the key by its 1-based digit; the model's ids start at 0.
            return target == (command.node, command.key_digit - 1)
    return False
