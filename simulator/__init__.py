"""A fake vBox for tests, benchmarks and the demo: never shipped with the integration.

``python -m simulator --help`` runs one on a port. It speaks the box side of the
binary protocol (port 11501) through the library's own codec: ``server`` answers
on TCP, ``state`` keeps each key's state and timer, ``homes`` holds the homes it
can serve, ``faults`` spoils replies on demand, ``console`` takes commands from a
person or a test and ``cli`` is the command line.
"""

from __future__ import annotations

from .faults import ReplyFault
from .homes import (
    MAX_LARGE_NODES,
    demo_installation,
    demo_states,
    large_installation,
    load_installation,
)
from .server import DEFAULT_PORT, BusyMode, VBoxSimulator, key_parameters, node_metadata
from .state import PressKind

__all__ = [
    "DEFAULT_PORT",
    "MAX_LARGE_NODES",
    "BusyMode",
    "PressKind",
    "ReplyFault",
    "VBoxSimulator",
    "demo_installation",
    "demo_states",
    "key_parameters",
    "large_installation",
    "load_installation",
    "node_metadata",
]
