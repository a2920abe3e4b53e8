"""A new user's first five minutes, in Chromium: onboarding, adding Vitrea, a light from a tile."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, Literal

import pytest
from playwright.async_api import Locator, Page, expect

from .conftest import SCREENSHOTS, Develop

# Every text node of the page, inside shadow roots too (Home Assistant's UI is
# web components), without script and style.
PAGE_TEXT_JS = """() => {
  const out = [];
  const walk = (root) => {
    const it = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let n = it.currentNode; n; n = it.nextNode()) {
      if (n.nodeType === Node.TEXT_NODE) {
        const tag = n.parentElement && n.parentElement.tagName;
        const text = n.textContent.trim();
        if (text && tag !== "SCRIPT" && tag !== "STYLE") out.push(text);
      } else if (n.shadowRoot) {
        walk(n.shadowRoot);
      }
    }
  };
  walk(document.body);
  return out.join("\\n");
}"""
# What the frontend shows when a translation is missing: the key itself.
RAW_KEY = re.compile(
    r"\b(component\.[a-z_]+\.|config\.(step|error|abort)\.|ui\.(panel|card|dialogs)\.|state\.[a-z_]+\.)"
)
# The Vitrea lights that are in an area, as [entity_id, area, friendly name, state].
LIGHTS_TEMPLATE = (
    "{% set ns = namespace(out=[]) %}"
    "{% for e in integration_entities('vitrea') | sort"
    " if e.startswith('light.') and area_name(e) %}"
    "{% set ns.out = ns.out + [[e, area_name(e), state_attr(e, 'friendly_name'), states(e)]] %}"
    "{% endfor %}{{ ns.out | tojson }}"
)
OWNER_PASSWORD = "first-five-minutes"


def field(page: Page, label: str, role: Literal["textbox", "spinbutton"] = "textbox") -> Locator:
    """A form field by its label as the UI shows it (required ones end with '*')."""
    return page.get_by_role(role, name=re.compile(rf"^{re.escape(label)}\*?$"))


async def look(page: Page, name: str) -> str:
    """Save a screenshot, and check what the page says: loaded, and no raw translation key."""
    await page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    text: str = await page.evaluate(PAGE_TEXT_JS)
    assert not RAW_KEY.search(text), f"{name}: a raw translation key is shown:\n{text}"
    assert "Loading" not in text, f"{name}: still loading:\n{text}"
    return text


async def rest(page: Page, develop: Develop, method: str, path: str, body: Any = None) -> Any:
    """Home Assistant's REST API (JSON), with the token the UI got at onboarding."""
    token = await page.evaluate("JSON.parse(localStorage.hassTokens).access_token")
    response = await page.request.fetch(
        f"{develop.url}/api/{path}",
        method=method,
        headers={"Authorization": f"Bearer {token}"},
        data=json.dumps(body) if body is not None else None,
    )
    text = await response.text()
    assert response.ok, f"{method} /api/{path}: {response.status} {text}"
    # JSON, but a rendered template is plain text (here: JSON written by the template).
    return json.loads(text)


async def onboard(page: Page, develop: Develop) -> None:
    """The onboarding screens, as a person clicks through them."""
    await page.goto(develop.url)
    await page.get_by_role("button", name="Create my smart home").click()
    await field(page, "Name").fill("Dana")
    await field(page, "Username").fill("dana")
    await field(page, "Password").fill(OWNER_PASSWORD)
    await field(page, "Confirm password").fill(OWNER_PASSWORD)
    await look(page, "01-onboarding-owner")
    await page.get_by_role("button", name="Create account").click()
    await page.get_by_role("heading", name="Home location").wait_for()
    await page.get_by_role("button", name="Next").click()
    await page.get_by_text("We would like to know the country").wait_for()
    await page.get_by_role("button", name="Next").click()
    await page.get_by_role("heading", name="Help us help you").wait_for()
    await page.get_by_role("button", name="Next").click()
    await page.get_by_role("button", name="Finish").click()
    await page.get_by_role("heading", name="Welcome Dana").wait_for()


async def open_settings(page: Page) -> None:
    """Settings → Devices & services, from the sidebar."""
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_role("link", name=re.compile("^Devices & services")).click()
    await expect(page).to_have_url(re.compile(r"/config/integrations/dashboard\b"))


async def add_vitrea(page: Page, develop: Develop) -> None:
    """Settings → Devices & services → Add integration → Vitrea, as the README says."""
    await open_settings(page)
    await page.get_by_role("button", name="Add integration").click()
    await page.get_by_placeholder("Search for a brand name").fill("Vitrea")
    await page.get_by_role("button", name="Vitrea", exact=True).click()
    # How to connect: the Vitrea app's port, with its username and password.
    await page.get_by_text("Vitrea app port 11501").click()
    await field(page, "Host").fill("127.0.0.1")
    await field(page, "Port", "spinbutton").fill(str(develop.box_port))
    await field(page, "Username").fill("admin")
    await field(page, "Password").fill("vitrea")
    await look(page, "03-vitrea-form")
    await page.get_by_role("button", name="Submit").click()
    # Success: Home Assistant offers to name the new devices and place them in areas.
    await page.get_by_text("Name and assign").wait_for(timeout=60_000)
    await look(page, "04-vitrea-devices")
    await page.get_by_role("button", name="Finish").click()
    # Where Finish leads depends on how many devices the entry had made by then:
    # go to the integration's page as a person would.
    await expect(page.get_by_text("Name and assign")).to_have_count(0)
    await open_settings(page)
    await page.get_by_role("link", name=re.compile(r"^Vitrea\b")).click()
    await expect(page).to_have_url(re.compile(r"/config/integrations/integration/vitrea\b"))
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


async def wait_for_state(page: Page, develop: Develop, entity_id: str, state: str) -> None:
    """The state Home Assistant reports for an entity, once the box has confirmed it."""
    async with asyncio.timeout(20):
        while (await rest(page, develop, "GET", f"states/{entity_id}"))["state"] != state:
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
    await add_vitrea(page, develop)

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
    log = (develop.config / "home-assistant.log").read_text().splitlines()
    errors = [line for line in log if " ERROR " in line or "Traceback" in line]
    assert not errors, "\n".join(errors)
    installs = [line for line in log if "Attempting install of" in line]
    assert not installs, "\n".join(installs)
