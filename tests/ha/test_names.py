"""Names people read: devices after their rooms, entities after their keys, one language each.

The frontend's area pages show a light's name with the area's name cut from its
front (and other entities by their own name under their device's name): a
room's only keypad must show its keys' names alone there.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.vitrea.mapping import Kind, device_name
from custom_components.vitrea.vbox import Installation, Key, KeyCategory, KeyType, Node, Room
from simulator import VBoxSimulator, demo_installation

from .conftest import (
    EntityLookup,
    SetupEntry,
    box_entry,
    device_of,
    entity_id,
    running_box,
    wait_until,
)

README = Path(__file__).parents[2] / "README.md"
HEBREW = re.compile("[\u0590-\u05ff]")
LATIN = re.compile("[A-Za-z]")

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


def friendly(hass: HomeAssistant, entity: str) -> str:
    state = hass.states.get(entity)
    assert state is not None, entity
    return str(state.attributes["friendly_name"])


def area_tile_name(friendly_name: str, area: str) -> str:
    """What an area page's light tile shows (HA frontend 2026.10's area strategy).

    It strips the area's name and a " ", ": " or " - " after it from the front of
    the friendly name, when the rest is not empty; otherwise it shows it whole.
    """
    for separator in (" ", ": ", " - "):
        prefix = f"{area}{separator}".lower()
        rest = friendly_name[len(prefix) :]
        if friendly_name.lower().startswith(prefix) and rest:
            return rest
    return friendly_name


def test_device_names_of_the_demo_home() -> None:
    home = demo_installation()
    names = {node.id: device_name(home, node) for node in home.nodes}
    assert names == {
        1: "כניסה",  # a room's only keypad: the room
        2: "סלון מעמעמים",  # beside others: what it is, in the room's language
        3: "סלון תריסים",
        5: "מטבח",
        6: "סלון מפסקים",
        8: "Master Bedroom keypad",
        11: "Master Bedroom lights",
        13: "חדר ילדים",  # the box pads it with a space: trimmed
        14: "Master Bedroom blinds",
        16: "Bathroom",
        20: "Garden",
        22: "Office",
        25: "מרפסת",
        31: "חדר כביסה",
    }


def test_two_keypads_of_one_kind_in_a_room_are_numbered() -> None:
    lamp = (Key(0, KeyType.DIMMER, KeyCategory.LIGHT, "Lamp"),)
    home = Installation(
        rooms=(Room(1, "Hall"), Room(2, "מסדרון")),
        nodes=(
            Node(9, "00:15:8D:00:00:00:00:09", 37, 1, lamp),
            Node(3, "00:15:8D:00:00:00:00:03", 37, 1, lamp),
            Node(5, "00:15:8D:00:00:00:00:05", 37, 2, lamp),
            Node(6, "00:15:8D:00:00:00:00:06", 37, 2, lamp),
            Node(7, "00:15:8D:00:00:00:00:07", 6, 2, ()),  # no keys: a keypad
        ),
    )
    names = [device_name(home, node) for node in home.nodes]
    assert names == [
        "Hall dimmers 2",
        "Hall dimmers 1",
        "מסדרון מעמעמים 1",
        "מסדרון מעמעמים 2",
        "מסדרון לוח מקשים",
    ]


async def test_entity_names_in_the_demo_home(
    hass: HomeAssistant, demo_entity: EntityLookup
) -> None:
    assert friendly(hass, demo_entity(Kind.LIGHT, 1, 0)) == "כניסה תאורת כניסה"
    assert friendly(hass, demo_entity(Kind.DIMMER, 2, 0)) == "סלון מעמעמים תאורה ראשית"
    # A scenario key's scene and its presses, a push button and its presses.
    assert friendly(hass, demo_entity(Kind.SCENE, 1, 3)) == "כניסה יציאה מהבית"
    assert friendly(hass, demo_entity(Kind.PRESSES, 1, 3)) == "כניסה Key 4 presses"
    assert friendly(hass, demo_entity(Kind.PRESSES, 1, 4)) == "כניסה Key 5 presses"
    assert friendly(hass, demo_entity(Kind.BUTTON, 8, 4)) == "Master Bedroom keypad לילה טוב"
    assert friendly(hass, demo_entity(Kind.PRESSES, 8, 4)) == "Master Bedroom keypad Presses"
    # A satellite's presses are its only entity: named after the key.
    assert friendly(hass, demo_entity(Kind.PRESSES, 8, 3)) == "Master Bedroom keypad Satellite"
    # The boiler's timer: no "דוד חשמל time left".
    assert friendly(hass, demo_entity(Kind.BOILER_OFF_AT, 16, 0)) == "Bathroom Turns off at"


async def test_no_two_entities_of_a_device_share_a_name(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    entities = er.async_entries_for_config_entry(er.async_get(hass), loaded_entry.entry_id)
    names = Counter(friendly(hass, entity.entity_id) for entity in entities)
    assert [name for name, count in names.items() if count > 1] == []


async def test_translated_names_do_not_wrap_the_box_names(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry
) -> None:
    """An entity's own name is the box's name as it is, or a translated text alone."""
    key_names = {key.name for node in simulator.installation.nodes for key in node.keys}
    for entity in er.async_entries_for_config_entry(er.async_get(hass), loaded_entry.entry_id):
        own = entity.original_name
        assert own is not None, entity.entity_id
        assert own in key_names or not HEBREW.search(own), own


async def test_area_pages_show_the_keys_of_a_rooms_only_keypad_by_their_names(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    areas = ar.async_get(hass)
    registry = er.async_get(hass)
    devices = dr.async_get(hass)
    shown = {}
    for entity in er.async_entries_for_config_entry(registry, loaded_entry.entry_id):
        if entity.domain != "light":
            continue
        device = devices.async_get(entity.device_id or "")
        assert device is not None
        assert device.area_id is not None
        area = areas.async_get_area(device.area_id)
        assert area is not None
        tile = area_tile_name(friendly(hass, entity.entity_id), area.name)
        # What is added to the key's name is in the room's script: a name mixing
        # scripts is reordered, and cut at the wrong end, by the browser.
        added = tile.removesuffix(entity.original_name or "")
        script = HEBREW if HEBREW.search(area.name) else LATIN
        other = LATIN if script is HEBREW else HEBREW
        assert not other.search(added), tile
        shown[entity.entity_id] = tile
    assert shown["light.knysh_knysh_tvrt_knysh"] == "תאורת כניסה"
    assert shown["light.knysh_knysh_porch_light"] == "Porch Light"
    assert shown["light.mrpst_mrpst_tvrt_mrpst"] == "תאורת מרפסת"
    assert shown["light.slvn_slvn_m_m_mym_tvrh_rshyt"] == "מעמעמים תאורה ראשית"


async def test_readme_entity_ids_exist_in_the_demo_home(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    platforms = "light|switch|sensor|event|cover|scene|button|fan|select"
    # Not a file (light.py) nor an attribute (trigger.event.data).
    pattern = rf"(?<![\w.])(?:{platforms})\.(?!py\b)[a-z0-9_]+\b"
    found = re.findall(pattern, README.read_text(encoding="utf-8"))
    # Actions (light.turn_off) are not entities.
    mentioned = {e for e in found if not hass.services.has_service(*e.split("."))}
    assert mentioned, "the README shows no entity id"
    assert {e for e in mentioned if hass.states.get(e) is None} == set()


async def test_unnamed_keys_and_rooms(hass: HomeAssistant, setup_entry: SetupEntry) -> None:
    async with running_box(HOME) as sim:
        entry = box_entry(sim)
        assert await setup_entry(entry)

        def name(kind: Kind, node: int, key: int | None = None) -> str:
            return friendly(hass, entity_id(hass, HOME, kind, node, key))

        assert name(Kind.LIGHT, 4, 0) == "Keypad 4 Key 1"
        assert name(Kind.BOILER, 4, 1) == "Keypad 4 Boiler"
        assert name(Kind.BOILER_OFF_AT, 4, 1) == "Keypad 4 Turns off at"
        assert name(Kind.LIGHT, 7, 0) == "Keypad 7 Lamp"
        assert name(Kind.CHILD_LOCK, 7) == "Keypad 7 Child lock"

        devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        areas = {d.name: d.area_id for d in devices}
        # Room 0 has no name and room 9 does not exist: neither becomes an area.
        assert areas == {"vBox": None, "Keypad 4": None, "Keypad 7": None}
        await hass.config_entries.async_unload(entry.entry_id)


async def test_devices_are_placed_in_their_rooms(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), loaded_entry.entry_id)
    by_name = {d.name: d for d in devices}
    assert by_name["Master Bedroom lights"].area_id == "master_bedroom"
    assert by_name["סלון מעמעמים"].area_id == "slvn"
    assert by_name["סלון מעמעמים"].model == "VT-MW3-DM3-400W"
    assert by_name["חדר ילדים"].area_id == "khdr_yldym"


async def test_a_keypad_added_beside_another_renames_it(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The office's only keypad is "Office"; beside a dimmer keypad, both say what they are."""
    office = simulator.installation.node(22)
    assert office is not None
    registry = dr.async_get(hass)
    device = device_of(hass, loaded_entry, office.mac)
    assert device is not None
    assert device.name == "Office"

    desk = Node(
        40,
        "00:15:8D:00:04:11:22:33",
        37,
        7,
        (Key(0, KeyType.DIMMER, KeyCategory.LIGHT, "Desk Lamp"),),
    )
    bigger = replace(simulator.installation, nodes=(*simulator.installation.nodes, desk))
    await simulator.restart(bigger)
    await wait_until(lambda: device_of(hass, loaded_entry, desk.mac) is not None)
    added = device_of(hass, loaded_entry, desk.mac)
    assert added is not None
    assert added.name == "Office dimmers"
    await wait_until(
        lambda: getattr(registry.async_get(device.id), "name", None) == "Office keypad"
    )

    # A name the person gave is theirs: only the integration's own name follows the rooms.
    registry.async_update_device(added.id, name_by_user="Desk")
    await simulator.restart(
        replace(bigger, nodes=(*bigger.nodes, replace(desk, id=41, mac="00:15:8D:00:04:11:22:34")))
    )
    await wait_until(
        lambda: getattr(registry.async_get(added.id), "name", None) == "Office dimmers 1"
    )
    renamed = registry.async_get(added.id)
    assert renamed is not None
    assert renamed.name_by_user == "Desk"
