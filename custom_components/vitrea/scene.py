"""Scenes: Vitrea scenario keys (a short press on the keypad), and the box's own
scenarios, activated by number on port 11502."""

from __future__ import annotations

from typing import Any

from homeassistant.components.scene import Scene
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import VitreaConfigEntry, VitreaCoordinator
from .entity import (
    VitreaBaseEntity,
    VitreaPressEntity,
    async_setup_platform_entities,
    async_setup_unit_entities,
)
from .error_translation import translate_errors
from .mapping import Kind, UnitSpec
from .protocols import host_client

PARALLEL_UPDATES = 0  # commands are paced by the client, one at a time on the wire


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VitreaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_setup_platform_entities(entry, async_add_entities, {Kind.SCENE: VitreaScene})
    async_setup_unit_entities(entry, async_add_entities, Kind.SCENARIO, VitreaScenario)


class VitreaScene(VitreaPressEntity, Scene):
    """A scenario key; the box runs the scenario, the lights it moves report themselves."""

    async def async_activate(self, **kwargs: Any) -> None:
        await self._async_press()


class VitreaScenario(VitreaBaseEntity, Scene):
    """A scenario of the box; the box answers whether it ran it.

    It belongs to no device: on the vBox's its name would follow "vBox", and a
    Hebrew scenario's name after a Latin device name is reordered by the browser.
    """

    def __init__(self, coordinator: VitreaCoordinator, spec: UnitSpec) -> None:
        super().__init__(coordinator)
        scenario = coordinator.installation.scenario(spec.id)
        assert scenario is not None  # specs are made from the installation's scenarios
        self.scenario_id = scenario.id
        self._attr_unique_id = spec.unique_id
        if name := scenario.name.strip():
            self._attr_name = name
        else:
            self._attr_translation_key = "scenario"
            self._attr_translation_placeholders = {"scenario": str(scenario.id)}

    async def async_activate(self, **kwargs: Any) -> None:
        host = host_client(self.coordinator.client)
        assert host is not None  # scenarios exist only on port 11502
        with translate_errors():
            await host.activate_scenario(self.scenario_id)
