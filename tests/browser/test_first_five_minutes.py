"""A new user's first five minutes, in Chromium: onboarding, adding Vitrea, a light from a tile."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Locator, Page, expect

from .conftest import Develop
from .ui import add_vitrea, log_problems, look, onboard, rest, wait_for_state

APP_PORT = "Vitrea app port 11501 (username and password)"
# The Vitrea lights that are in an area, as [entity_id, area, friendly name, state].
LIGHTS_TEMPLATE = (
    "{% set ns = namespace(out=[]) %}"
    "{% for e in integration_entities('vitrea') | sort"
    " if e.startswith('light.') and area_name(e) %}"
    "{% set ns.out = ns.out + [[e, area_name(e), state_attr(e, 'friendly_name'), states(e)]] %}"
    "{% endfor %}{{ ns.out | tojson }}"
)


async def add_vitrea_app_port(page: Page, develop: Develop) -> None:
    """Vitrea through the app's port, with the README's values."""
    fields = {"Host": "127.0.0.1", "Port": str(develop.box_port)}
    fields |= {"Username": "admin", "Password": "vitrea"}
    await add_vitrea(page, APP_PORT, fields, "03-vitrea-form")
    await page.get_by_text("VT-MW3-DM3-400W").first.wait_for()
    await look(page, "05-vitrea-integration")
    entries = await rest(page, develop, "GET", "config/config_entries/entry?domain=vitrea")
    assert [entry["state"] for entry in entries] == ["loaded"]


async def light_tile(page: Page, friendly_name: str) -> Locator:
    """The tile of a light, whatever prefix (device, area) the dashboard strips from its name.

    The tile shows the friendly name or its end; the longest such name wins.
    """
    tiles = page.locator("hui-tile-card")
    await tiles.first.wait_for()
    best, best_name = None, ""
    for tile in await tiles.all():
        shown = (await tile.locator("ha-tile-info [slot=primary]").inner_text()).strip()
        if shown and friendly_name.endswith(shown) and len(shown) > len(best_name):
            best, best_name = tile, shown
    assert best is not None, f"no tile for {friendly_name!r} on {page.url}"
    return best


async def first_light(page: Page, develop: Develop) -> list[str]:
    """A Vitrea light in an area, once its state has been read from the box."""
    async with asyncio.timeout(30):
        while True:
            lights = await rest(page, develop, "POST", "template", {"template": LIGHTS_TEMPLATE})
            if lights and lights[0][3] in ("on", "off"):
                light: list[str] = lights[0]
                return light
            await asyncio.sleep(0.2)


# The first Vitrea device with a key pressed on the wall (it has an event entity), as
# [device id, device name].
PRESS_DEVICE_TEMPLATE = (
    "{% set e = (integration_entities('vitrea') | select('match', 'event[.]') | list)[0] %}"
    "{{ [device_id(e), device_attr(device_id(e), 'name')] | tojson }}"
)


async def keypad_trigger(page: Page, develop: Develop) -> None:
    """A keypad's page leads to a new automation whose device triggers name its keys' presses."""
    template = {"template": PRESS_DEVICE_TEMPLATE}
    device_id, name = await rest(page, develop, "POST", "template", template)
    await page.goto(f"{develop.url}/config/devices/device/{device_id}")
    await page.get_by_text("Device info").wait_for()
    await look(page, "09-keypad-device")
    await page.get_by_role("button", name="Add to…").click()
    await page.get_by_text("Create as a new trigger").click()
    await page.get_by_text("By type").click()
    await page.get_by_text("Device", exact=True).first.click()
    await page.get_by_text("Triggers when something happens to a device").click()
    await page.get_by_text("Select a device").click()
    await page.keyboard.insert_text(name)
    # The matching row shows the device's name, then its area's (the same here).
    await page.get_by_text(name, exact=True).nth(1).click()
    # The first trigger of the first key, in words: '"<key name>" short press'.
    await expect(page.get_by_text(re.compile(r'^".+" short press$')).first).to_be_visible()
    await look(page, "10-keypad-trigger")


@pytest.mark.timeout(600)
async def test_first_five_minutes(develop: Develop, page: Page) -> None:
    """Onboarding, the config flow, the Overview and an area page, a light toggled from its
    tile, a keypad's presses offered as device triggers in the automation editor."""
    await onboard(page, develop)
    await look(page, "02-overview-new")
    await add_vitrea_app_port(page, develop)

    entity_id, area, friendly_name, before = await first_light(page, develop)
    after = "off" if before == "on" else "on"

    await page.get_by_role("link", name="Overview").click()
    area_button = page.get_by_role("button", name=area, exact=True)
    await area_button.wait_for()
    await look(page, "06-overview")

    await area_button.click()
    tile = await light_tile(page, friendly_name)
    await look(page, f"07-area-light-{before}")
    await tile.locator("ha-tile-icon").click()
    await wait_for_state(page, develop, entity_id, after)
    # The tile follows: "Off", or a brightness when it is on.
    secondary = tile.locator("ha-tile-info [slot=secondary]")
    if after == "off":
        await expect(secondary).to_have_text("Off")
    else:
        await expect(secondary).not_to_have_text("Off")
    await look(page, f"08-area-light-{after}")

    await keypad_trigger(page, develop)

    # Nothing for a new user to worry about: no notification (no "Invalid config"),
    # no error in the log; and nothing left for Home Assistant to install while the
    # UI waits for it (scripts/setup installs it all).
    await expect(page.get_by_role("button", name="Notifications", exact=True)).to_be_visible()
    problems = log_problems(develop)
    assert not problems, "\n".join(problems)
