"""Faults a home network and a busy box produce, seen from Home Assistant.

The basic outages (drop, mid-frame drop, stall, restart, refused login, changed
installation) are in test_coordinator.py; here: a box held by another client
(backoff and a repair issue), junk on the line, replies slower than the timeout,
and commands issued during an outage.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from datetime import timedelta

import pytest
from homeassistant.components.light import ATTR_BRIGHTNESS
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.vitrea import issues, node_settings
from custom_components.vitrea.const import DOMAIN
from custom_components.vitrea.mapping import Kind
from custom_components.vitrea.vbox import (
    BoxBusyError,
    KeyPowerStatus,
    LEDBackgroundBrightness,
    NodeMetaDataRequest,
)
from custom_components.vitrea.vbox.vtu.enums import CommandId
from simulator import ReplyFault, VBoxSimulator

from .conftest import (
    FAST,
    SetupEntry,
    all_available,
    all_unavailable,
    call_service,
    entity_id,
    entry_entity_ids,
    keypad_settings,
    sent,
    state,
    wait_until,
)

LOGGER_NAME = "custom_components.vitrea"


def busy_issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, issues.box_busy_issue_id(entry))


def handshakes(simulator: VBoxSimulator) -> int:
    """Connection attempts that reached the box (each starts with ToggleHeartbeat)."""
    return sum(1 for frame in simulator.received if frame.command == CommandId.TOGGLE_HEARTBEAT)


@pytest.fixture
def quick_busy_issue(monkeypatch: pytest.MonkeyPatch) -> None:
    """Raise the "in use" issue after a fraction of a second instead of minutes."""
    monkeypatch.setattr(issues, "BOX_BUSY_AFTER_S", 0.3)
    monkeypatch.setattr(issues, "LINK_CHECK_INTERVAL_S", 0.05)


# --------------------------------------------------------------------- box in use


@pytest.mark.usefixtures("quick_busy_issue")
async def test_box_held_elsewhere_for_long_raises_a_repair_issue_until_it_is_free(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    entities = entry_entity_ids(hass, loaded_entry)
    simulator.held_elsewhere = True  # the Vitrea app takes the box while we are away
    await simulator.drop_connections()
    await wait_until(lambda: busy_issue(hass, loaded_entry) is not None)
    issue = busy_issue(hass, loaded_entry)
    assert issue is not None
    assert issue.translation_key == "box_busy"
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders == {"host": "127.0.0.1", "minutes": "0.005"}
    await wait_until(all_unavailable(hass, entities))
    assert isinstance(loaded_entry.runtime_data.client.last_error, BoxBusyError)

    # Retried with backoff (at most one attempt per reconnect_max), not in a loop.
    simulator.clear_received()
    await asyncio.sleep(1.0)
    assert 1 <= handshakes(simulator) <= 1.0 / (FAST.reconnect_max * 0.8) + 1

    simulator.held_elsewhere = False  # the app is closed
    await wait_until(all_available(hass, entities))
    assert busy_issue(hass, loaded_entry) is None


async def test_box_held_elsewhere_briefly_raises_no_issue(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    entities = entry_entity_ids(hass, loaded_entry)
    simulator.held_elsewhere = True
    await simulator.drop_connections()
    await wait_until(lambda: isinstance(loaded_entry.runtime_data.client.last_error, BoxBusyError))
    simulator.held_elsewhere = False
    await wait_until(all_available(hass, entities))
    assert busy_issue(hass, loaded_entry) is None


@pytest.mark.usefixtures("quick_busy_issue")
async def test_box_held_elsewhere_at_start_is_retried_then_the_issue_goes(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    simulator: VBoxSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(issues, "BOX_BUSY_AFTER_S", 0.0)
    simulator.held_elsewhere = True
    assert not await setup_entry(config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert busy_issue(hass, config_entry) is not None

    simulator.held_elsewhere = False
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=5))
    await wait_until(lambda: config_entry.state is ConfigEntryState.LOADED)
    assert busy_issue(hass, config_entry) is None


@pytest.mark.usefixtures("quick_busy_issue")
async def test_busy_issue_goes_when_the_box_becomes_unreachable_instead(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    """Unreachable is not "in use": the issue would send the person after the wrong cause."""
    port = simulator.port
    simulator.held_elsewhere = True
    await simulator.drop_connections()
    await wait_until(lambda: busy_issue(hass, loaded_entry) is not None)
    await simulator.stop()
    await wait_until(lambda: busy_issue(hass, loaded_entry) is None)
    simulator.held_elsewhere = False
    await simulator.start(port=port)
    await wait_until(lambda: loaded_entry.runtime_data.client.connected)


@pytest.mark.usefixtures("quick_busy_issue")
async def test_unloading_the_entry_removes_its_busy_issue(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    simulator.held_elsewhere = True
    await simulator.drop_connections()
    await wait_until(lambda: busy_issue(hass, loaded_entry) is not None)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    assert busy_issue(hass, loaded_entry) is None


# --------------------------------------------------------------------- junk and slowness


async def test_junk_between_frames_loses_no_push_and_no_connection(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    kitchen = entity_id(hass, simulator.installation, Kind.LIGHT, 5, 0)
    entities = entry_entity_ids(hass, loaded_entry)
    for _ in range(3):
        await simulator.send_raw(b"\x00garbage\xffVTU")
        await simulator.send_bad_checksum()
        await simulator.set_key_state(5, 0, KeyPowerStatus.ON)
        await wait_until(lambda: state(hass, kitchen) == STATE_ON)
        await simulator.set_key_state(5, 0, KeyPowerStatus.OFF)
        await wait_until(lambda: state(hass, kitchen) == STATE_OFF)
    assert all_available(hass, entities)()
    assert simulator.connected_clients == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    # One line per kind of junk (junk, a torn prefix, bad checksum), not one per frame.
    assert sorted(w.rsplit("(", 1)[1] for w in warnings) == [
        "bad_checksum)",
        "bad_direction)",
        "junk)",
    ], warnings


async def test_reply_slower_than_the_timeout_fails_the_action_then_the_push_corrects_it(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    kitchen = entity_id(hass, simulator.installation, Kind.LIGHT, 5, 0)
    client = loaded_entry.runtime_data.client
    # Room for the retry before the request's deadline even on a loaded machine (the
    # pause after an unanswered try widens, and no try is sent past link_wait).
    client.config = dataclasses.replace(client.config, link_wait=5.0)
    simulator.latency = FAST.request_timeout * 2
    with pytest.raises(HomeAssistantError) as caught:
        await call_service(hass, "light", "turn_on", kitchen)
    assert caught.value.translation_key == "command_timeout"
    # Switching on is absolute, so it was tried again once; each try is the same command.
    assert {(c.action, c.dimmer) for c in sent(simulator)} == {(KeyPowerStatus.ON, 100)}
    assert len(sent(simulator)) == 1 + FAST.max_retries
    # The box did carry it out, late: its push puts HA right.
    await wait_until(lambda: state(hass, kitchen) == STATE_ON)
    simulator.latency = 0
    await call_service(hass, "light", "turn_off", kitchen)
    assert state(hass, kitchen) == STATE_OFF


# --------------------------------------------------------------------- commands during an outage


async def test_action_during_a_short_outage_is_carried_out_once(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    dimmer = entity_id(hass, simulator.installation, Kind.DIMMER, 2, 0)
    port = simulator.port
    await simulator.stop()
    await wait_until(lambda: not loaded_entry.runtime_data.client.connected)
    action = hass.async_create_task(
        call_service(hass, "light", "turn_on", dimmer, **{ATTR_BRIGHTNESS: 128})
    )
    await asyncio.sleep(0.2)
    assert not action.done()  # waiting for the link: neither failed nor dropped
    await simulator.start(port=port)
    await action
    assert [(c.node_id, c.key_id, c.dimmer) for c in sent(simulator)] == [(2, 0, 50)]
    await wait_until(lambda: state(hass, dimmer) == STATE_ON)


async def test_action_during_a_long_outage_fails_and_is_never_sent_late(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    kitchen = entity_id(hass, simulator.installation, Kind.LIGHT, 5, 0)
    port = simulator.port
    await simulator.stop()
    await wait_until(lambda: not loaded_entry.runtime_data.client.connected)
    with pytest.raises(HomeAssistantError) as caught:
        await call_service(hass, "light", "turn_on", kitchen)
    assert caught.value.translation_key == "not_sent"
    assert str(caught.value) == "Not connected to the vBox; the command was not sent"

    await simulator.start(port=port)
    await wait_until(all_available(hass, entry_entity_ids(hass, loaded_entry)))
    await call_service(hass, "light", "turn_off", kitchen)  # queued behind nothing
    assert [c.action for c in sent(simulator)] == [KeyPowerStatus.OFF]
    assert simulator.key_state(5, 0).status is KeyPowerStatus.OFF


@pytest.fixture
def quick_keypad_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """A keypad read back after an unclear answer is asked again within moments."""
    monkeypatch.setattr(node_settings, "NODE_READ_PAUSE_S", 0.05)


def answers_late(simulator: VBoxSimulator) -> None:
    simulator.latency = FAST.request_timeout * 1.5


def answers_garbled(simulator: VBoxSimulator) -> None:
    simulator.malform_replies(ReplyFault.SHORT, command=CommandId.TOGGLE_NODE_STATUS)


@pytest.mark.usefixtures("quick_keypad_read_back")
@pytest.mark.parametrize(
    ("unclear", "error_key"),
    [(answers_late, "command_timeout"), (answers_garbled, "command_failed")],
    ids=["timed_out", "garbled"],
)
async def test_keypad_setting_without_a_clear_answer_is_read_back_from_the_box(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
    unclear: Callable[[VBoxSimulator], None],
    error_key: str,
) -> None:
    """The box did it (late, or acknowledged in a frame that did not decode), and it
    pushes no keypad settings: HA asks what it did and shows that."""
    backlight = entity_id(hass, simulator.installation, Kind.LED_LEVEL, 3)
    assert state(hass, backlight) == "normal"
    unclear(simulator)
    with pytest.raises(HomeAssistantError) as caught:
        await call_service(hass, "select", "select_option", backlight, option="high")
    assert caught.value.translation_key == error_key
    assert keypad_settings(simulator, 3)[1] is LEDBackgroundBrightness.HIGH  # done
    simulator.latency = 0
    await wait_until(lambda: state(hass, backlight) == "high")


@pytest.mark.usefixtures("quick_keypad_read_back")
async def test_keypad_read_back_answered_garbled_asks_again(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    """The read-back's own first answers do not decode either: it asks until one does."""
    backlight = entity_id(hass, simulator.installation, Kind.LED_LEVEL, 3)
    simulator.clear_received()
    simulator.malform_replies(ReplyFault.SHORT, command=CommandId.TOGGLE_NODE_STATUS)
    simulator.malform_replies(ReplyFault.SHORT, 2, command=CommandId.NODE_METADATA)
    with pytest.raises(HomeAssistantError):
        await call_service(hass, "select", "select_option", backlight, option="off")
    await wait_until(lambda: state(hass, backlight) == "off")
    assert sent(simulator, NodeMetaDataRequest) == [NodeMetaDataRequest(3)] * 3


@pytest.mark.usefixtures("quick_keypad_read_back")
async def test_keypad_read_back_gives_up_after_its_tries(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A keypad that never answers is asked NODE_READ_ATTEMPTS times, then left alone."""
    monkeypatch.setattr(node_settings, "NODE_READ_ATTEMPTS", 2)
    backlight = entity_id(hass, simulator.installation, Kind.LED_LEVEL, 3)
    simulator.clear_received()
    simulator.malform_replies(ReplyFault.SHORT, command=CommandId.TOGGLE_NODE_STATUS)
    simulator.malform_replies(ReplyFault.SHORT, None, command=CommandId.NODE_METADATA)
    with pytest.raises(HomeAssistantError):
        await call_service(hass, "select", "select_option", backlight, option="off")
    await wait_until(lambda: len(sent(simulator, NodeMetaDataRequest)) == 2)
    await hass.async_block_till_done(wait_background_tasks=True)  # the read-back ended
    assert len(sent(simulator, NodeMetaDataRequest)) == 2
    # What the box did shows after the next topology read; until then the last known.
    assert state(hass, backlight) == "normal"


async def test_keypad_setting_made_during_a_topology_read_is_not_undone_by_it(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    """The read after a reconnect asked for keypad 1 before the person changed it."""
    vitrea = loaded_entry.runtime_data
    backlight = entity_id(hass, simulator.installation, Kind.LED_LEVEL, 1)
    assert state(hass, backlight) == "normal"
    simulator.latency = 0.01
    simulator.clear_received()
    refresh = hass.async_create_task(vitrea.topology.async_refresh())
    await wait_until(lambda: NodeMetaDataRequest(1) in sent(simulator, NodeMetaDataRequest))
    await call_service(hass, "select", "select_option", backlight, option="high")
    await refresh
    assert not refresh.cancelled()
    assert keypad_settings(simulator, 1)[1] is LEDBackgroundBrightness.HIGH
    assert state(hass, backlight) == "high"
