"""What a person does in Home Assistant's UI, shared by the browser tests: fields, pages, REST."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, Literal

from playwright.async_api import Locator, Page, expect

from .conftest import Develop, shots

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
OWNER_PASSWORD = "first-five-minutes"


def field(page: Page, label: str, role: Literal["textbox", "spinbutton"] = "textbox") -> Locator:
    """A form field by its label as the UI shows it (required ones end with '*')."""
    return page.get_by_role(role, name=re.compile(rf"^{re.escape(label)}\*?$"))


async def look(page: Page, name: str) -> str:
    """Save a screenshot, and check what the page says: loaded, and no raw translation key.

    The picture goes to the running test's folder of ``SCREENSHOTS`` (see conftest).
    """
    await page.screenshot(path=shots(page) / f"{name}.png", full_page=True)
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


async def wait_for_state(page: Page, develop: Develop, entity_id: str, state: str) -> None:
    """The state Home Assistant reports for an entity, once the box has confirmed it."""
    async with asyncio.timeout(20):
        while (await rest(page, develop, "GET", f"states/{entity_id}"))["state"] != state:
            await asyncio.sleep(0.2)


async def add_vitrea(page: Page, how: str, fields: dict[str, str], shot: str) -> None:
    """Settings → Devices & services → Add integration → Vitrea → ``how`` to connect, as the
    README says; ``fields`` by label (a port is a number box), a screenshot of the form
    named ``shot``; then Finish on the devices the entry made, and the integration's page."""
    await open_settings(page)
    await page.get_by_role("button", name="Add integration").click()
    await page.get_by_placeholder("Search for a brand name").fill("Vitrea")
    await page.get_by_role("button", name="Vitrea", exact=True).click()
    # The first step asks how to connect: the app's port or the integration port.
    await page.get_by_text("Connect to your Vitrea vBox").wait_for()
    await look(page, f"{shot}-how")
    await page.get_by_text(how, exact=True).click()
    for label, value in fields.items():
        role: Literal["textbox", "spinbutton"] = "spinbutton" if label == "Port" else "textbox"
        await field(page, label, role).fill(value)
    await look(page, shot)
    await page.get_by_role("button", name="Submit").click()
    # Success: Home Assistant offers to name the new devices and place them in areas.
    await page.get_by_text("Name and assign").wait_for(timeout=60_000)
    await look(page, f"{shot}-devices")
    await page.get_by_role("button", name="Finish").click()
    # Where Finish leads depends on how many devices the entry had made by then:
    # go to the integration's page as a person would.
    await expect(page.get_by_text("Name and assign")).to_have_count(0)
    await open_settings(page)
    await page.get_by_role("link", name=re.compile(r"^Vitrea\b")).click()
    await expect(page).to_have_url(re.compile(r"/config/integrations/integration/vitrea\b"))


def log_problems(develop: Develop) -> list[str]:
    """Home Assistant's log lines that a new user should never cause: errors, tracebacks,
    and packages installed while the UI waits (scripts/setup installs everything)."""
    log = (develop.config / "home-assistant.log").read_text().splitlines()
    return [
        line
        for line in log
        if " ERROR " in line or "Traceback" in line or "Attempting install of" in line
    ]
