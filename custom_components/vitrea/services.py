"""Entity actions of the integration, registered once in async_setup."""

from __future__ import annotations

from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
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


def valid_minutes(value: Any) -> int:
    """The minutes of turn_on_for as an int; a translated error unless 1-120 exactly.

    "30" (from a template) and 30.0 are accepted, never rounded. The check is
    here rather than in the schema: a schema's error reaches the person in
    voluptuous' English, with its "Got None".
    """
    minutes: int | None = None
    whole_float = isinstance(value, float) and value.is_integer()
    digits = isinstance(value, str) and value.strip().lstrip("+-").isdigit()
    if isinstance(value, int) and not isinstance(value, bool):
        minutes = value
    elif whole_float or digits:
        minutes = int(value)
    if minutes is None or not TIMER_MIN_MINUTES <= minutes <= TIMER_MAX_MINUTES:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_minutes",
            translation_placeholders={
                "min": str(TIMER_MIN_MINUTES),
                "max": str(TIMER_MAX_MINUTES),
            },
        )
    return minutes


# Any value: valid_minutes checks it where the error can be translated.
TURN_ON_FOR_SCHEMA: VolDictType = {vol.Required(ATTR_MINUTES): object}


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
