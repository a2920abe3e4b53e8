"""The logbook tells key presses in words, read back through the logbook itself."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from homeassistant.components.logbook.helpers import async_determine_event_types
from homeassistant.components.logbook.processor import EventProcessor
from homeassistant.components.recorder import Recorder, get_instance
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.vitrea.const import DOMAIN, EVENT_KEY_EVENT
from simulator import PressKind, VBoxSimulator

from .conftest import device_of, wait_until


@pytest.fixture(autouse=True)
def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """The recorder is prepared before Home Assistant starts (the plugin's hook)."""


@pytest.fixture(autouse=True)
async def logbook(hass: HomeAssistant, recorder_mock: Recorder) -> None:
    assert await async_setup_component(hass, "logbook", {})


async def press_all(hass: HomeAssistant, simulator: VBoxSimulator, *presses: Any) -> None:
    seen = async_capture_events(hass, EVENT_KEY_EVENT)
    for node_id, key_id, kind in presses:
        await simulator.press_key(node_id, key_id, kind)
    await wait_until(lambda: len(seen) == len(presses))
    await async_wait_recording_done(hass)


async def logbook_lines(hass: HomeAssistant) -> list[str]:
    """What the logbook shows for the integration: each entry's name and message."""
    processor = EventProcessor(hass, async_determine_event_types(hass, None, None))
    now = dt_util.utcnow()
    entries = await get_instance(hass).async_add_executor_job(
        processor.get_events, now - timedelta(hours=1), now + timedelta(minutes=1)
    )
    return [f"{e['name']} {e['message']}" for e in entries if e.get("domain") == DOMAIN]


@pytest.fixture
async def hebrew(hass: HomeAssistant) -> None:
    """Home Assistant set to Hebrew before the integration loads (its texts load with it)."""
    await hass.config.async_update(language="he")


@pytest.fixture
async def keypad(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry
) -> dr.DeviceEntry:
    """The bedroom keypad (node 8), with the logbook running."""
    node = simulator.installation.node(8)
    assert node is not None
    device = device_of(hass, loaded_entry, node.mac)
    assert device is not None
    return device


async def test_presses_in_words(
    hass: HomeAssistant, simulator: VBoxSimulator, keypad: dr.DeviceEntry
) -> None:
    await press_all(
        hass,
        simulator,
        (8, 4, PressKind.LONG),
        (8, 4, PressKind.RELEASE),
        (8, 3, PressKind.SHORT),
    )
    name = keypad.name  # "Node 8": the device's name, whatever it becomes
    assert await logbook_lines(hass) == [
        f'{name} "לילה טוב" long press',  # "Good night"
        f'{name} "לילה טוב" released',
        f'{name} "Satellite" short press',
    ]

    # The name the user gave the keypad.
    dr.async_get(hass).async_update_device(keypad.id, name_by_user="Bedroom door")
    assert (await logbook_lines(hass))[-1] == 'Bedroom door "Satellite" short press'


@pytest.mark.usefixtures("hebrew")
async def test_presses_in_hebrew(
    hass: HomeAssistant, simulator: VBoxSimulator, keypad: dr.DeviceEntry
) -> None:
    await press_all(hass, simulator, (8, 3, PressKind.LONG), (8, 3, PressKind.SHORT))
    assert await logbook_lines(hass) == [
        f'{keypad.name} לחיצה ארוכה על "Satellite"',
        f'{keypad.name} לחיצה קצרה על "Satellite"',
    ]


async def test_presses_of_a_keypad_no_longer_loaded(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    loaded_entry: MockConfigEntry,
    keypad: dr.DeviceEntry,
) -> None:
    """Entries written before the box was unloaded, or the keypad removed, still read well."""
    await press_all(hass, simulator, (8, 3, PressKind.SHORT))
    await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert await logbook_lines(hass) == [f'{keypad.name} "Satellite" short press']
    # And once the keypad's device is gone too.
    dr.async_get(hass).async_remove_device(keypad.id)
    assert await logbook_lines(hass) == ['Vitrea node 8 "Satellite" short press']
