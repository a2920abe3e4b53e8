"""Device triggers: a short press, long press or release of a keypad key, named after the key.

Every key that can be pressed on the wall (satellite, push button, scenario key,
as the mapping says) offers three triggers. They fire from the ``vitrea_key_event``
bus event when it carries the button event the key's event entity shows, so a
trigger and the event entity see exactly the same presses: presses on the wall,
never the box's echo of a press Home Assistant sent, and a release only when it
ends a long press. The key is identified by its position (``key``); ``subtype``
is its name, for the automation editor to show.
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.device_automation.exceptions import (
    InvalidDeviceAutomationConfig,
)
from homeassistant.components.event import ButtonEventType
from homeassistant.components.homeassistant.triggers import event as event_trigger
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_EVENT_DATA,
    CONF_PLATFORM,
    CONF_TYPE,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType

from .compat import vol
from .const import DOMAIN, EVENT_KEY_EVENT
from .coordinator import VitreaConfigEntry, VitreaCoordinator
from .mapping import Kind, key_kinds
from .topology import node_identifier
from .vbox import Key, Node

CONF_SUBTYPE: Final = "subtype"
CONF_KEY: Final = "key"

# Trigger type -> the button event it fires on (the press's action in the bus event).
TRIGGER_EVENTS: Final[dict[str, ButtonEventType]] = {
    "short": ButtonEventType.PRESS_END,
    "long": ButtonEventType.LONG_PRESS_START,
    "release": ButtonEventType.LONG_PRESS_END,
}

TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {
        vol.Required(CONF_TYPE): vol.In(list(TRIGGER_EVENTS)),
        vol.Required(CONF_KEY): vol.All(vol.Coerce(int), vol.Range(min=0, max=255)),
        vol.Optional(CONF_SUBTYPE): cv.string,
    }
)


def press_keys(coordinator: VitreaCoordinator, node: Node) -> list[Key]:
    """The keys of a node that are pressed on the wall: those with an event entity."""
    return [
        key
        for key in node.keys
        if Kind.PRESSES in key_kinds(key, show_mirror_keys=coordinator.show_mirror_keys)
    ]


def key_label(node: Node, key: Key) -> str:
    """What people call a key: its name, else "Key N"; the position when names repeat."""
    position = key.id + 1  # people count keys from 1
    name = key.name.strip()
    if not name:
        return f"Key {position}"
    if sum(1 for other in node.keys if other.name.strip() == name) > 1:
        return f"{name} (key {position})"
    return name


@callback
def node_of_device(hass: HomeAssistant, device_id: str) -> tuple[VitreaCoordinator, Node] | None:
    """The loaded coordinator and the node a device registry id stands for, if any."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        return None
    for entry_id in device.config_entries:
        entry: VitreaConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN or entry.state is not ConfigEntryState.LOADED:
            continue
        coordinator = entry.runtime_data
        for node in coordinator.installation.nodes:
            if node_identifier(entry, node) in device.identifiers:
                return coordinator, node
    return None


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """Three triggers for every key of the keypad that is pressed on the wall."""
    found = node_of_device(hass, device_id)
    if found is None:
        return []
    coordinator, node = found
    return [
        {
            CONF_PLATFORM: "device",
            CONF_DOMAIN: DOMAIN,
            CONF_DEVICE_ID: device_id,
            CONF_TYPE: trigger_type,
            CONF_SUBTYPE: key_label(node, key),
            CONF_KEY: key.id,
        }
        for key in press_keys(coordinator, node)
        for trigger_type in TRIGGER_EVENTS
    ]


async def async_validate_trigger_config(hass: HomeAssistant, config: ConfigType) -> ConfigType:
    """Check the schema, and the key against the keypad once the box is loaded."""
    config = TRIGGER_SCHEMA(config)
    # Before the entry is loaded (Home Assistant starting) the keys are not known yet.
    if (found := node_of_device(hass, config[CONF_DEVICE_ID])) is not None:
        coordinator, node = found
        if config[CONF_KEY] not in {key.id for key in press_keys(coordinator, node)}:
            raise InvalidDeviceAutomationConfig(
                f"Key {config[CONF_KEY] + 1} of Vitrea node {node.id} is not pressed on the wall"
            )
    return config


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Listen to the bus event of the key, for the button event of the trigger's type."""
    event_config = event_trigger.TRIGGER_SCHEMA(
        {
            CONF_PLATFORM: "event",
            event_trigger.CONF_EVENT_TYPE: EVENT_KEY_EVENT,
            CONF_EVENT_DATA: {
                CONF_DEVICE_ID: config[CONF_DEVICE_ID],
                CONF_KEY: config[CONF_KEY],
                "event_type": TRIGGER_EVENTS[config[CONF_TYPE]].value,
            },
        }
    )
    return await event_trigger.async_attach_trigger(
        hass, event_config, action, trigger_info, platform_type="device"
    )
