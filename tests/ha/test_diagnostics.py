"""Diagnostics: what a person attaches to an issue, with the box's address and login redacted."""

from __future__ import annotations

import json
import os
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components.diagnostics import REDACTED
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    _get_diagnostics_for_config_entry as get_diagnostics_download,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.vitrea import diagnostics as vitrea_diagnostics
from custom_components.vitrea.vbox import KeyPowerStatus, VBoxClient
from custom_components.vitrea.vbox.vtu.capture import REDACTED_TEXT
from custom_components.vitrea.vbox.vtu.frames import DiscardReason
from custom_components.vitrea.vbox.vtu.messages import Login
from simulator import PressKind, VBoxSimulator, demo_installation, load_installation
from simulator.replay import captured_key_states, replay

from ..common import FAST, running_box, secret_forms
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
    connection = diagnostics["connection"]
    assert connection["request_gap"] == 0  # the simulator keeps up: no pause learned
    assert connection["unanswered_requests"] == 0
    frames = diagnostics["capture"]["frames"]
    assert {f["direction"] for f in frames} == {"sent", "received"}
    assert diagnostics["capture"]["discards"] == []
    # The port changes from run to run (a free one is picked); the capture has times
    # and its order of heartbeats and pushes is the machine's (tested below).
    assert diagnostics == snapshot(exclude=props("port", "capture"))


async def test_password_never_in_the_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
) -> None:
    """Not in the Login frame, nor in bytes the box sends back (a proxy echoing our login)."""
    client = loaded_entry.runtime_data.client
    echo = Login(USERNAME, PASSWORD).to_frame(1).to_bytes()
    await simulator.send_raw(b"\x00" + echo + PASSWORD.encode() + b"\x00")
    await wait_until(lambda: client.discarded[DiscardReason.BAD_DIRECTION] > 0)

    diagnostics = await get_diagnostics_download(hass, hass_client, loaded_entry)
    text = json.dumps(diagnostics, ensure_ascii=False)
    for form in secret_forms(PASSWORD):
        assert form not in text, f"the password leaked as {form!r}"
    assert_no_secret(diagnostics)
    # The login is there, redacted, so the handshake can still be read.
    login = REDACTED_TEXT.encode("utf-16-le").hex(" ")
    sent = [f["hex"] for f in diagnostics["data"]["capture"]["frames"] if f["direction"] == "sent"]
    assert sum(login in frame for frame in sent) == 1
    assert diagnostics["data"]["capture"]["discards"]


async def test_captured_frames_decode_as_the_diagnostics_say(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
) -> None:
    """Replaying the capture through the decoder gives the key states the report shows."""
    client = loaded_entry.runtime_data.client
    await simulator.set_key_state(2, 0, KeyPowerStatus.ON, 40)
    await simulator.press_key(8, 4, PressKind.SHORT)  # a press is no state
    await simulator.set_key_state(5, 0, KeyPowerStatus.ON)
    await wait_until(lambda: client.key_states[(5, 0)].is_on)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    replayed = replay(diagnostics)
    assert [item.error for item in replayed if item.error] == []
    captured = captured_key_states(replayed)
    reported = {(s["node"], s["key"]): s for s in diagnostics["key_states"]}
    # The demo home fits in the capture: every key's state was read into it.
    assert captured.keys() == reported.keys()
    for address, status in captured.items():
        assert reported[address] == {
            "node": status.node_id,
            "key": status.key_id,
            "status": status.status.name,
            "level": status.level,
            "timer": status.timer,
        }
    assert reported[(2, 0)]["level"] == 40


async def test_demo_diagnostics_load_back_into_the_simulator(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
    tmp_path: Path,
) -> None:
    """A downloaded report becomes a simulated home that serves the same installation and states.

    With VITREA_DIAGNOSTICS_OUT set, the download is also written there (for the README's
    example and for trying ``--installation`` by hand).
    """
    await simulator.set_key_state(11, 1, KeyPowerStatus.ON, 65)
    client = loaded_entry.runtime_data.client
    await wait_until(lambda: client.key_states[(11, 1)].level == 65)
    download = await get_diagnostics_download(hass, hass_client, loaded_entry)
    path = tmp_path / "diagnostics.json"
    text = json.dumps(download, indent=2, ensure_ascii=False)
    for target in (path, os.environ.get("VITREA_DIAGNOSTICS_OUT")):
        if target:
            await hass.async_add_executor_job(
                partial(Path(target).write_text, text, encoding="utf-8")
            )

    installation, states = load_installation(str(path))
    # What HA read from the box (the box tells no floors, so not demo_installation() itself).
    assert installation == loaded_entry.runtime_data.installation
    assert len(installation.nodes) == len(demo_installation().nodes)
    async with running_box(installation, states) as replayed:
        reader = VBoxClient("127.0.0.1", replayed.port, USERNAME, PASSWORD, config=FAST)
        try:
            await reader.connect()
            assert await reader.read_installation() == installation
            assert reader.key_states == client.key_states
        finally:
            await reader.close()


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
