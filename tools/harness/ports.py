"""The simulated box as each of its ports serves it: the server, and the home it shows.

A box serves its home on port 11501 (binary "VTU", the Vitrea app's) and on port
11502 (text lines and the VTH database, for home-automation systems). The
simulator's ``VBoxSimulator`` is the home and its 11501 server; a
``HostSimulator`` serves the same home on 11502, so a change through either
port, or from the wall, reaches the clients of both.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from custom_components.vitrea.vbox import Installation, KeyAddress, KeyType, Protocol
from custom_components.vitrea.vbox.host.database import key_type_from_vth, key_type_to_vth
from simulator import HostSimulator, VBoxSimulator

type BoxServer = VBoxSimulator | HostSimulator
"""The server of the port a client talks to: its port, its fault knobs."""

# Keys whose state port 11502 reports as their last press, which is no state.
_PRESS_KEYS = frozenset({KeyType.SATELLITE, KeyType.PUSH_BUTTON, KeyType.TOGGLE_SCENE})
_KNOWN_KEYS = frozenset(KeyType)


@asynccontextmanager
async def served(box: VBoxSimulator, protocol: Protocol) -> AsyncIterator[BoxServer]:
    """The server a client reaches ``box`` through on ``protocol``'s port.

    Port 11501 is the box itself; port 11502 a ``HostSimulator`` on the same home
    on a free loopback port, stopped on exit.
    """
    if protocol is Protocol.VTU:
        yield box
        return
    host = HostSimulator(box)
    await host.start()
    try:
        yield host
    finally:
        await host.stop()


def shown_installation(installation: Installation, protocol: Protocol) -> Installation:
    """``installation`` as a client of ``protocol``'s port reads it.

    Port 11501 tells nothing of air conditioners and scenarios. Port 11502 tells
    less of keys and keypads: key types collapse onto the VTH ones through the
    library's own tables (a toggle key lit as a light is a plain toggle there),
    and keypads report no MAC.
    """
    if protocol is Protocol.VTU:
        return dataclasses.replace(installation, air_conditioners=(), scenarios=())
    nodes = []
    for node in installation.nodes:
        keys = []
        for key in node.keys:
            kind, category = key_type_from_vth(key_type_to_vth(key.type, key.category))
            keys.append(dataclasses.replace(key, type=kind, category=category))
        nodes.append(dataclasses.replace(node, mac="", keys=tuple(keys)))
    return dataclasses.replace(installation, nodes=tuple(nodes), protocol=Protocol.HOST)


def state_keys(installation: Installation, protocol: Protocol) -> set[KeyAddress]:
    """The keys of ``installation`` (as ``protocol``'s port shows it) that have a state.

    Port 11501 reads every existing key's state, a press key's too. Port 11502's
    sweep reports a press key by its last press, and a key of a type the model does
    not know (a scene key, for one) by nothing the model keeps.
    """
    if protocol is Protocol.VTU:
        return set(installation.active_keys())
    return {
        (node.id, key.id)
        for node in installation.nodes
        for key in node.keys
        if key.type.exists and key.type in _KNOWN_KEYS and key.type not in _PRESS_KEYS
    }


def add_protocol_option(parser: argparse.ArgumentParser, note: str) -> None:
    """The ``--protocol vtu|host`` option of the bench and the soak; ``note`` ends its help."""
    parser.add_argument(
        "--protocol",
        type=Protocol,
        choices=list(Protocol),
        default=Protocol.VTU,
        help="the box's port Home Assistant uses: vtu (11501, the Vitrea app's; the default) "
        f"or host (11502, the integration port, with air conditioners); {note}",
    )
