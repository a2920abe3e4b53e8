"""Entity actions of the integration, registered once in async_setup."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
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

TURN_ON_FOR_SCHEMA: VolDictType = {
    vol.Required(ATTR_MINUTES): vol.All(
        cv.positive_int, vol.Range(min=TIMER_MIN_MINUTES, max=TIMER_MAX_MINUTES)
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
