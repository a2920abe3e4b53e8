"""Simulator tests share the library tests' fixtures: loopback sockets, a simulator, clients."""

from ..vbox.conftest import _sockets, make_client, simulator

__all__ = ["_sockets", "make_client", "simulator"]  # fixtures, registered by being here
