"""A listener that raises is logged and does not keep the others from hearing an event."""

from __future__ import annotations

import logging

import pytest

from custom_components.vitrea.vbox import ConnectionState, KeyPowerStatus, KeyStatus
from simulator import PressKind, VBoxSimulator

from .conftest import ClientFactory, wait_until


async def test_a_failing_key_listener_is_logged_and_the_next_still_hears_the_press(
    simulator: VBoxSimulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client = await make_client()
    heard: list[KeyStatus] = []

    def broken(status: KeyStatus, requested: bool) -> None:
        raise RuntimeError("listener bug")

    client.add_key_listener(broken)
    remove = client.add_key_listener(lambda status, requested: heard.append(status))
    await simulator.press_key(8, 3, PressKind.SHORT)
    await wait_until(lambda: len(heard) == 1)
    assert heard[0].status is KeyPowerStatus.SHORT
    assert "Key listener" in caplog.text
    assert "listener bug" in caplog.text
    assert [r.levelno for r in caplog.records if "Key listener" in r.message] == [logging.ERROR]

    remove()  # a removed listener hears nothing more
    await simulator.press_key(8, 3, PressKind.SHORT)
    await wait_until(lambda: caplog.text.count("Key listener") == 2)
    assert len(heard) == 1


async def test_a_failing_connection_listener_does_not_keep_the_others_from_the_news(
    simulator: VBoxSimulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client = await make_client()
    states: list[ConnectionState] = []

    def broken(state: ConnectionState) -> None:
        raise RuntimeError("listener bug")

    client.add_connection_listener(broken)
    client.add_connection_listener(states.append)
    await simulator.drop_connections()
    await wait_until(lambda: ConnectionState.CONNECTED in states)
    assert states[0] is ConnectionState.DISCONNECTED
    assert "Connection listener" in caplog.text
