"""Both clients satisfy BoxClient: checked by mypy on this file, and at run time by members."""

from __future__ import annotations

import inspect
from pathlib import Path

from custom_components.vitrea.vbox import BoxClient, HostClient, Protocol, VBoxClient


def _clients() -> tuple[BoxClient, BoxClient]:
    # mypy --strict (the test below) refuses these assignments if either client strays.
    vtu: BoxClient = VBoxClient("127.0.0.1")
    host: BoxClient = HostClient("127.0.0.1")
    return vtu, host


def test_mypy_accepts_both_clients_as_box_clients() -> None:
    from mypy import api

    stdout, stderr, status = api.run(["--strict", "--follow-imports=silent", str(Path(__file__))])
    assert status == 0, stdout + stderr


def test_each_client_has_every_member_and_names_its_protocol() -> None:
    vtu, host = _clients()
    members = [name for name, _ in inspect.getmembers(BoxClient) if not name.startswith("_")]
    members += list(inspect.get_annotations(BoxClient))
    for client in (vtu, host):
        missing = [name for name in members if not hasattr(client, name)]
        assert missing == [], type(client).__name__
    assert (vtu.protocol, host.protocol) == (Protocol.VTU, Protocol.HOST)
    assert (vtu.port, host.port) == (11501, 11502)
    assert vtu.firmware is host.firmware is None
