"""Logbook entries for key presses, in words: the keypad, the key's name, the kind of press.

The words are the device triggers' (``device_automation.trigger_type`` in the
translations), in Home Assistant's language, so the logbook and the automation
editor say the same thing: ``Kitchen keypad "Good night" long press`` (the device
name as the device registry has it, then the press).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.components.logbook.const import LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.translation import async_get_cached_translations

from .const import DOMAIN, EVENT_KEY_EVENT
from .device_trigger import key_label, node_of_device

type DescribeEvent = Callable[[str, str, Callable[[Event], dict[str, str]]], None]


@callback
def async_describe_events(hass: HomeAssistant, async_describe_event: DescribeEvent) -> None:
    """Describe the vitrea_key_event bus event."""

    @callback
    def async_describe_press(event: Event) -> dict[str, str]:
        data = event.data
        return {
            LOGBOOK_ENTRY_NAME: _keypad_name(hass, data),
            LOGBOOK_ENTRY_MESSAGE: _press_text(hass, data["action"], _key_name(hass, data)),
        }

    async_describe_event(DOMAIN, EVENT_KEY_EVENT, async_describe_press)


def _keypad_name(hass: HomeAssistant, data: Mapping[str, Any]) -> str:
    device_id = data.get(ATTR_DEVICE_ID)
    device = dr.async_get(hass).async_get(device_id) if device_id else None
    if device is not None and (name := device.name_by_user or device.name):
        return name
    return f"Vitrea node {data['node']}"  # a keypad since removed from the box


def _key_name(hass: HomeAssistant, data: Mapping[str, Any]) -> str:
    """The key as its device triggers name it; from the event alone for a removed keypad."""
    device_id = data.get(ATTR_DEVICE_ID)
    if device_id and (found := node_of_device(hass, device_id)) is not None:
        _, node = found
        if (key := node.key(data["key"])) is not None:
            return key_label(node, key)
    return str(data.get("name") or "").strip() or f"Key {data['key'] + 1}"


def _press_text(hass: HomeAssistant, action: str, key: str) -> str:
    """``"Good night" long press`` in Home Assistant's language (English if missing)."""
    path = f"component.{DOMAIN}.device_automation.trigger_type.{action}"
    for language in (hass.config.language, "en"):
        texts = async_get_cached_translations(hass, language, "device_automation", DOMAIN)
        if path in texts:
            return texts[path].format(subtype=key)
    return f'"{key}" {action}'  # translations not loaded (yet)
