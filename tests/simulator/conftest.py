"""Simulator tests share the library tests' fixtures (loopback sockets, a simulator, clients)
and have their own for port 11502: the demo box, its port 11502, raw clients of both ports."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from custom_components.vitrea.vbox.vtu import messages as m
from custom_components.vitrea.vbox.vtu.enums import AckType, ProtocolVersion
from simulator import HostSimulator, VBoxSimulator, demo_installation, demo_states
from simulator.homes import demo_ac_states, demo_scenes

from ..vbox.conftest import _sockets, make_client, simulator
from .raw_clients import HostPeer, Peers
from .test_server import Peer

__all__ = ["_sockets", "make_client", "simulator"]  # fixtures, registered by being here

ACK = m.Acknowledgement(AckType.ACK)


@pytest.fixture
async def box() -> AsyncIterator[VBoxSimulator]:
    sim = VBoxSimulator(demo_installation(), states=demo_states(), minute=0.05)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
async def host(box: VBoxSimulator) -> AsyncIterator[HostSimulator]:
    port = HostSimulator(box, ac_states=demo_ac_states(), scenes=demo_scenes())
    await port.start()
    try:
        yield port
    finally:
        await port.stop()


@pytest.fixture
async def peers(host: HostSimulator) -> AsyncIterator[Peers]:
    opened: list[HostPeer] = []

    async def factory() -> HostPeer:
        peer = await HostPeer.open(host.port)
        opened.append(peer)
        return peer

    try:
        yield factory
    finally:
        for peer in opened:
            await peer.close()


@pytest.fixture
async def peer(peers: Peers) -> HostPeer:
    return await peers()


@pytest.fixture
async def vtu(box: VBoxSimulator) -> AsyncIterator[Peer]:
    """A client of the same box's port 11501, logged in."""
    client = await Peer.open(box.port, ProtocolVersion.V2)
    try:
        assert await client.ask(m.Login("admin", "admin")) == ACK
        yield client
    finally:
        await client.close()
