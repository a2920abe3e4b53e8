"""The keypad-key blueprint: imported from the repository, validated and run by Home Assistant."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components import automation
from homeassistant.components.automation.helpers import async_get_blueprints
from homeassistant.components.blueprint import importer
from homeassistant.components.blueprint.errors import MissingInput
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN
from homeassistant.components.button import SERVICE_PRESS
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.vitrea import coordinator
from custom_components.vitrea.mapping import Kind
from simulator import PressKind, VBoxSimulator

from .conftest import (
    EntityLookup,
    all_presses_handled,
    call_service,
    press_one_by_one,
    state,
    wait_until,
)

REPOSITORY = Path(coordinator.__file__).parents[2]
BLUEPRINT = Path("blueprints/automation/vitrea/keypad_key.yaml")
MANIFEST = json.loads((REPOSITORY / "custom_components/vitrea/manifest.json").read_text())


@pytest.fixture
def config_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A configuration folder with the blueprint installed where HA imports it to."""
    hass.config.config_dir = str(tmp_path)
    target = tmp_path / "blueprints/automation/vitrea/keypad_key.yaml"
    target.parent.mkdir(parents=True)
    shutil.copy(REPOSITORY / BLUEPRINT, target)
    return tmp_path


def use_blueprint(key: str | None) -> dict[str, Any]:
    """An automation of the blueprint: each kind of press calls test.automation."""
    inputs: dict[str, Any] = {
        name: [{"action": "test.automation", "data": {"press": name}}]
        for name in ("short_press", "long_press", "release")
    }
    if key is not None:
        inputs["key"] = key
    return {"use_blueprint": {"path": "vitrea/keypad_key.yaml", "input": inputs}}


async def add_automation(hass: HomeAssistant, key: str) -> None:
    """An automation made from the blueprint, for one key."""
    assert await async_setup_component(
        hass, automation.DOMAIN, {automation.DOMAIN: [use_blueprint(key)]}
    )
    await hass.async_block_till_done()
    assert len(hass.states.async_entity_ids(automation.DOMAIN)) == 1


async def test_imported_from_the_repository_url(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """The blueprint's source URL is this file in the repository the manifest names."""
    source_url = f"{MANIFEST['documentation']}/blob/main/{BLUEPRINT.as_posix()}"
    repository = MANIFEST["documentation"].removeprefix("https://github.com/")
    aioclient_mock.get(
        f"https://raw.githubusercontent.com/{repository}/main/{BLUEPRINT.as_posix()}",
        text=(REPOSITORY / BLUEPRINT).read_text(encoding="utf-8"),
    )
    imported = await importer.fetch_blueprint_from_url(hass, source_url)

    assert imported.blueprint.domain == "automation"
    assert imported.blueprint.metadata["source_url"] == source_url
    assert imported.blueprint.name == "Vitrea keypad key"
    assert set(imported.blueprint.inputs) == {"key", "short_press", "long_press", "release"}
    assert imported.suggested_filename.endswith("keypad_key")


@pytest.mark.usefixtures("config_dir")
async def test_loads_and_validates_as_an_automation_blueprint(
    hass: HomeAssistant,
) -> None:
    assert await async_setup_component(hass, automation.DOMAIN, {})
    blueprints = async_get_blueprints(hass)
    blueprint = await blueprints.async_get_blueprint("vitrea/keypad_key.yaml")
    assert blueprint.validate() is None  # the Home Assistant version it needs is met
    # The key is required; every action has a default.
    with pytest.raises(MissingInput, match="key"):
        await blueprints.async_inputs_from_config(use_blueprint(None))
    inputs = await blueprints.async_inputs_from_config(
        {"use_blueprint": {"path": "vitrea/keypad_key.yaml", "input": {"key": "event.x"}}}
    )
    assert inputs.async_substitute()["triggers"][0]["entity_id"] == "event.x"


@pytest.mark.usefixtures("config_dir")
async def test_runs_the_actions_of_each_press_on_the_wall(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    demo_entity: EntityLookup,
    automation_calls: list[ServiceCall],
) -> None:
    calls = automation_calls
    await add_automation(hass, demo_entity(Kind.PRESSES, 8, 4))
    await press_one_by_one(
        simulator,
        calls,
        (8, 4, PressKind.SHORT),
        (8, 4, PressKind.LONG),
        (8, 4, PressKind.RELEASE),
        (8, 4, PressKind.SHORT),
    )
    assert [c.data["press"] for c in calls] == [
        "short_press",
        "long_press",
        "release",
        "short_press",
    ]

    # Not: a release of no long press, another key, the press Home Assistant sends.
    await simulator.press_key(8, 4, PressKind.RELEASE)
    await simulator.press_key(8, 3, PressKind.SHORT)
    await call_service(hass, BUTTON_DOMAIN, SERVICE_PRESS, demo_entity(Kind.BUTTON, 8, 4))
    await all_presses_handled(hass, simulator)
    assert len(calls) == 4


@pytest.mark.usefixtures("config_dir")
async def test_no_action_when_the_key_comes_back(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    loaded_entry: MockConfigEntry,
    demo_entity: EntityLookup,
    automation_calls: list[ServiceCall],
) -> None:
    """An outage, a reload or a renamed key shows the last press again: it is no new press."""
    calls = automation_calls
    good_night = demo_entity(Kind.PRESSES, 8, 4)
    await add_automation(hass, good_night)
    await press_one_by_one(simulator, calls, (8, 4, PressKind.LONG))

    # An outage: the key becomes unavailable, then shows its last press again.
    port = simulator.port
    await simulator.stop()
    await wait_until(lambda: state(hass, good_night) == STATE_UNAVAILABLE)
    await simulator.start("127.0.0.1", port)
    await wait_until(lambda: state(hass, good_night) not in (None, STATE_UNAVAILABLE))
    # A reload of the entry: the entity is removed and restored.
    await hass.config_entries.async_reload(loaded_entry.entry_id)
    # Its states are read again in the background: a press during a read would be its answer.
    await hass.async_block_till_done(wait_background_tasks=True)
    await wait_until(lambda: state(hass, good_night) not in (None, STATE_UNAVAILABLE))
    # The user renames the key.
    er.async_get(hass).async_update_entity(good_night, name="Bedtime")
    await hass.async_block_till_done()
    assert hass.states.get(good_night).attributes["friendly_name"].endswith("Bedtime")

    await all_presses_handled(hass, simulator)
    assert [c.data["press"] for c in calls] == ["long_press"]
