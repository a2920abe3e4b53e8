"""Names whose home differs between the Home Assistant releases we support (2026.8+).

The type checker sees where the pinned release (2026.10) defines them; at run time
they are imported from where every supported release has them:

* the fan, light and switch constants moved into each platform's ``const`` module
  in 2026.9-2026.10, and the packages still export them;
* flows and actions validate with voluptuous in 2026.8 and with probatio from
  2026.9, which Home Assistant registers under the name ``voluptuous``.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import probatio as vol
    from homeassistant.components.fan.const import FanEntityFeature
    from homeassistant.components.light.const import ATTR_BRIGHTNESS, ColorMode
    from homeassistant.components.switch.const import SwitchDeviceClass
else:
    import voluptuous as vol
    from homeassistant.components.fan import FanEntityFeature
    from homeassistant.components.light import ATTR_BRIGHTNESS, ColorMode
    from homeassistant.components.switch import SwitchDeviceClass

__all__ = ["ATTR_BRIGHTNESS", "ColorMode", "FanEntityFeature", "SwitchDeviceClass", "vol"]
