"""Diagnostics: what a person attaches to an issue, with the box's address and login redacted."""

from __future__ import annotations

import json
from typing import Any

import pytest
from homeassistant.components.diagnostics import REDACTED
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.vitrea import diagnostics as vitrea_diagnostics
from simulator import VBoxSimulator

from .conftest import PASSWORD, USERNAME, SetupEntry, box_entry, wait_until

HOST = "127.0.0.1"


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


def assert_no_secret(diagnostics: dict[str, Any]) -> None:
    text = json.dumps(diagnostics, ensure_ascii=False)
    for secret in (HOST, USERNAME, PASSWORD):
        assert secret not in text, f"{secret!r} leaked into the diagnostics"


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    assert_no_secret(diagnostics)
    entry = diagnostics["entry"]
    assert entry["data"]["host"] == REDACTED
    assert entry["data"]["username"] == REDACTED
    assert entry["data"]["password"] == REDACTED
    assert diagnostics["connection"]["connected"] is True
    assert diagnostics["connection"]["last_error"] is None
    # The port changes from run to run (a free one is picked).
    assert diagnostics == snapshot(exclude=props("port"))


@pytest.mark.parametrize("fault", ["box_down", "password_changed"])
async def test_last_error_does_not_leak_the_address(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
    fault: str,
) -> None:
    client = loaded_entry.runtime_data.client
    if fault == "box_down":
        await simulator.stop()
    else:
        simulator.set_credentials(USERNAME, "changed-by-the-installer")
        await simulator.drop_connections()
    await wait_until(lambda: client.last_error is not None)
    assert HOST in str(client.last_error)  # the library's own message names the box

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    assert_no_secret(diagnostics)
    connection = diagnostics["connection"]
    assert connection["connected"] is False
    assert REDACTED in connection["last_error"]
    # Everything known before the fault is still there to look at.
    assert len(diagnostics["installation"]["nodes"]) == 14
    assert diagnostics["key_states"]


async def test_address_of_a_host_given_by_name_is_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: SetupEntry,
    simulator: VBoxSimulator,
) -> None:
    entry = box_entry(simulator, host="localhost")
    assert await setup_entry(entry)
    client = entry.runtime_data.client
    await simulator.stop()
    await wait_until(lambda: client.last_error is not None)
    assert HOST in str(client.last_error)  # "Connect call failed ('127.0.0.1', …)"

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics, ensure_ascii=False)
    assert "localhost" not in text
    assert_no_secret(diagnostics)
    assert str(simulator.port) in diagnostics["connection"]["last_error"]  # the rest stays


async def test_discarded_bytes_are_counted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
) -> None:
    client = loaded_entry.runtime_data.client
    await simulator.send_bad_checksum()
    await wait_until(lambda: any(client.discarded.values()))
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    assert diagnostics["connection"]["discarded_bytes"]["BAD_CHECKSUM"] == 1
    assert diagnostics["connection"]["connected"] is True


@pytest.mark.parametrize(
    ("text", "host", "expected"),
    [
        (
            "cannot reach vbox.lan:11501: Connect call failed ('192.168.1.20', 11501)",
            "vbox.lan",
            "cannot reach **REDACTED**:11501: Connect call failed ('**REDACTED**', 11501)",
        ),
        (
            "Connect call failed ('::1', 11501, 0, 0), ('fe80::1%eth0', 11501, 0, 2)",
            "vbox",
            "Connect call failed ('**REDACTED**', 11501, 0, 0), ('**REDACTED**%eth0', 11501, 0, 2)",
        ),
        (
            "10.0.0.7 refused the username or password",
            "10.0.0.7",
            "**REDACTED** refused the username or password",
        ),
        # Numbers that only look like addresses stay.
        ("firmware 7.9.3, 999.1.1.1 at 12:30:00", "vbox", "firmware 7.9.3, 999.1.1.1 at 12:30:00"),
    ],
)
def test_addresses_in_error_texts(text: str, host: str, expected: str) -> None:
    assert vitrea_diagnostics._redact_address(text, host) == expected
