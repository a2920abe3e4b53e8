"""Names of devices and entities: the box's names, translated ones where it has none."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.vitrea.mapping import Kind
from custom_components.vitrea.vbox.enums import KeyCategory, KeyType
from custom_components.vitrea.vbox.installation import Installation, Key, Node, Room
from custom_components.vitrea.vbox.simulator import VBoxSimulator

from .conftest import SetupEntry, box_entry, entity_id, running_box

HOME = Installation(
    rooms=(Room(0, ""), Room(1, "Hall")),
    nodes=(
        Node(
            4,
            "00:15:8D:00:00:00:00:04",
            5,
            0,  # a room without a name
            (
                Key(0, KeyType.TOGGLE, KeyCategory.LIGHT, ""),
                Key(1, KeyType.BOILER, KeyCategory.BOILER, ""),
            ),
        ),
        Node(
            7, "00:15:8D:00:00:00:00:07", 5, 9, (Key(0, KeyType.TOGGLE, KeyCategory.LIGHT, "Lamp"),)
        ),
    ),
)


async def test_unnamed_keys_and_rooms(hass: HomeAssistant, setup_entry: SetupEntry) -> None:
    async with running_box(HOME) as sim:
        entry = box_entry(sim)
        assert await setup_entry(entry)

        def name(kind: Kind, node: int, key: int | None = None) -> str:
            state = hass.states.get(entity_id(hass, HOME, kind, node, key))
            assert state is not None
            return str(state.attributes["friendly_name"])

        assert name(Kind.LIGHT, 4, 0) == "Node 4 Key 1"
        assert name(Kind.BOILER, 4, 1) == "Node 4 Boiler"
        assert name(Kind.BOILER_OFF_AT, 4, 1) == "Node 4 Key 2 time left"
        assert name(Kind.LIGHT, 7, 0) == "Node 7 Lamp"
        assert name(Kind.CHILD_LOCK, 7) == "Node 7 Child lock"

        devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        areas = {d.name: d.area_id for d in devices}
        # Room 0 has no name and room 9 does not exist: neither becomes an area.
        assert areas == {"vBox": None, "Node 4": None, "Node 7": None}
        await hass.config_entries.async_unload(entry.entry_id)


async def test_devices_are_placed_in_their_rooms(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), loaded_entry.entry_id)
    by_name = {d.name: d for d in devices}
    assert by_name["Node 8"].area_id == "master_bedroom"
    assert by_name["Node 2"].area_id is not None  # the Hebrew "סלון"
    assert by_name["Node 2"].model == "VT-MW3-DM3-400W"
