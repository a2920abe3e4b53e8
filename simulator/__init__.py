"""A fake vBox for tests, benchmarks and the demo: never shipped with the integration.

``python -m simulator --help`` runs one on a port. It speaks the box side of the
binary protocol (port 11501) and of port 11502's text lines and VTH database
through the library's own codecs: ``server`` answers 11501 on TCP and
``host_server`` 11502 on the same home, ``state`` keeps each key's state and
timer, ``climate`` each AC's, ``homes`` holds the homes it can serve, ``faults``
spoils replies on demand, ``console`` takes commands from a person or a test and
``cli`` is the command line.
"""

from __future__ import annotations

from .faults import ReplyFault
from .homes import (
    MAX_LARGE_NODES,
    demo_ac_states,
    demo_installation,
    demo_scenes,
    demo_states,
    host_extras,
    large_installation,
    load_installation,
)
from .host_server import DEFAULT_HOST_PORT, HostSimulator
from .server import DEFAULT_PORT, BusyMode, VBoxSimulator, key_parameters, node_metadata
from .state import PressKind, SceneStep

__all__ = [
    "DEFAULT_HOST_PORT",
    "DEFAULT_PORT",
    "MAX_LARGE_NODES",
    "BusyMode",
    "HostSimulator",
    "PressKind",
    "ReplyFault",
    "SceneStep",
    "VBoxSimulator",
    "demo_ac_states",
    "demo_installation",
    "demo_scenes",
    "demo_states",
    "host_extras",
    "key_parameters",
    "large_installation",
    "load_installation",
    "node_metadata",
]
