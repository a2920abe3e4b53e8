"""Entity actions of the integration, registered once in async_setup."""

from __future__ import annotations

from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import service
from homeassistant.helpers.typing import VolDictType

from .compat import vol
from .const import (
    ATTR_MINUTES,
    DOMAIN,
    SERVICE_TURN_ON_FOR,
    TIMER_MAX_MINUTES,
    TIMER_MIN_MINUTES,
)


def whole_number(value: Any) -> int:
    """An int, or a float/str that is one exactly ("30" from a template); never rounded."""
    if isinstance(value, bool):
        raise vol.Invalid("expected a whole number of minutes")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    raise vol.Invalid(f"expected a whole number of minutes, got {value!r}")


TURN_ON_FOR_SCHEMA: VolDictType = {
    vol.Required(ATTR_MINUTES): vol.All(
        whole_number, vol.Range(min=TIMER_MIN_MINUTES, max=TIMER_MAX_MINUTES)
    )
}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_TURN_ON_FOR,
        entity_domain=Platform.SWITCH,
        schema=TURN_ON_FOR_SCHEMA,
        func="async_turn_on_for",
    )
