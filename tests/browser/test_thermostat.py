"""The integration port in Chromium: a box added through port 11502, an AC from a thermostat card.

An installer adds the box with the config flow's "Integration port 11502" choice (no
password); a person then raises an air conditioner's target temperature and changes
its mode in a thermostat card on the dashboard, and switches it off in the card's
more-info dialog, clicking as a person does. After each change the simulated box's
own AC state (asked through its control console) has followed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from .conftest import ROOT, Develop
from .ui import add_vitrea, log_problems, look, onboard, rest

INTEGRATION_PORT = "Integration port 11502 (no password; adds air conditioners)"
# Vitrea's air conditioners that cool, heat and have fan speeds (the common split
# unit), as [entity_id, hvac_modes].
ACS_TEMPLATE = (
    "{% set ns = namespace(out=[]) %}"
    "{% for e in integration_entities('vitrea') | sort if e.startswith('climate.')"
    " and 'cool' in state_attr(e, 'hvac_modes') and 'heat' in state_attr(e, 'hvac_modes')"
    " and state_attr(e, 'fan_modes') %}"
    "{% set ns.out = ns.out + [[e, state_attr(e, 'hvac_modes')]] %}"
    "{% endfor %}{{ ns.out | tojson }}"
)


async def console(develop: Develop, command: str) -> str:
    """One command on the simulator's control console, through ``--attach`` as
    scripts/demo attaches a terminal to it; its one-line answer."""
    attach = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        "--attach",
        str(develop.console),
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await attach.communicate(command.encode() + b"\n")
    # The greeting, the answer, then "detached" at the end of the input.
    lines = out.decode().splitlines()
    assert attach.returncode == 0, f"the console answered {lines}"
    return lines[1]


async def box_ac(develop: Develop, ac_id: int) -> dict[str, Any]:
    """The AC's state on the box, as the console reports it."""
    answer = await console(develop, f"ac {ac_id}")
    state: dict[str, Any] = json.loads(answer)
    return state


async def until_box(develop: Develop, ac_id: int, **wanted: object) -> dict[str, Any]:
    """The box's AC state once it has every ``wanted`` value (within 20 s)."""
    state: dict[str, Any] = {}
    try:
        async with asyncio.timeout(20):
            while True:
                state = await box_ac(develop, ac_id)
                if all(state.get(name) == value for name, value in wanted.items()):
                    return state
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise AssertionError(f"the box's AC {ac_id} is {state}, not {wanted}") from None


async def until_entity(
    page: Page, develop: Develop, entity_id: str, state: str, **attributes: object
) -> dict[str, Any]:
    """Home Assistant's state of ``entity_id`` once it shows ``state`` and ``attributes``."""
    shown: dict[str, Any] = {}
    try:
        async with asyncio.timeout(20):
            while True:
                shown = await rest(page, develop, "GET", f"states/{entity_id}")
                if shown["state"] == state and all(
                    shown["attributes"].get(name) == value for name, value in attributes.items()
                ):
                    return shown
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise AssertionError(f"{entity_id} shows {shown}, not {state} {attributes}") from None


async def add_integration_port(page: Page, develop: Develop) -> None:
    """Vitrea through the integration port: the address only, no username or password."""
    fields = {"Host": "127.0.0.1", "Port": str(develop.host_port)}
    await add_vitrea(page, INTEGRATION_PORT, fields, "02-integration-port")
    await look(page, "03-vitrea-integration")
    entries = await rest(page, develop, "GET", "config/config_entries/entry?domain=vitrea")
    assert [entry["state"] for entry in entries] == ["loaded"]


async def an_air_conditioner(page: Page, develop: Develop) -> tuple[str, int, list[str]]:
    """A Vitrea AC that cools and heats, once its state came from the box: entity, AC id, modes."""
    async with asyncio.timeout(30):
        while True:
            acs = await rest(page, develop, "POST", "template", {"template": ACS_TEMPLATE})
            if acs:
                entity_id, modes = acs[0]
                state = await rest(page, develop, "GET", f"states/{entity_id}")
                if state["state"] in modes:
                    break
            await asyncio.sleep(0.2)
    # The box's number of the AC: its unique id ends "-ac<number>" (the README's scheme).
    entry = await ws(page, {"type": "config/entity_registry/get", "entity_id": entity_id})
    ac_id = int(str(entry["unique_id"]).rpartition("-ac")[2])
    return entity_id, ac_id, modes


async def ws(page: Page, message: dict[str, Any]) -> Any:
    """A websocket command on the connection the UI itself holds."""
    return await page.evaluate(
        "(message) => document.querySelector('home-assistant').hass.callWS(message)", message
    )


async def thermostat_dashboard(page: Page, entity_id: str, modes: list[str]) -> None:
    """A dashboard with a thermostat card for the AC, its modes as buttons under the dial,
    opened from the sidebar.

    What a person makes in the dashboard settings and editor ("Add dashboard",
    "Add card", Thermostat, the "Climate HVAC modes" feature), made through the UI's
    own connection: the clicks that matter here are the ones on the card.
    """
    dashboard = {"url_path": "air-conditioning", "title": "Air conditioning"}
    await ws(page, {"type": "lovelace/dashboards/create", "mode": "storage", **dashboard})
    card = {
        "type": "thermostat",
        "entity": entity_id,
        "features": [{"type": "climate-hvac-modes", "style": "icons", "hvac_modes": modes}],
    }
    config = {"views": [{"title": "Home", "path": "home", "cards": [card]}]}
    save = {"type": "lovelace/config/save", "url_path": dashboard["url_path"], "config": config}
    await ws(page, save)
    await page.reload()  # the sidebar lists the dashboards the page loaded
    await page.get_by_role("link", name="Air conditioning").click()


async def card_says(card: Locator, text: str) -> None:
    """The card shows ``text`` as one of its paragraphs (what a screen reader reads)."""
    snapshot = ""
    try:
        async with asyncio.timeout(10):
            while f"paragraph: {text}" not in (snapshot := await card.aria_snapshot()):
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise AssertionError(f"the card does not say {text!r}:\n{snapshot}") from None


@pytest.mark.timeout(600)
async def test_thermostat(develop: Develop, page: Page) -> None:
    """Add a box through port 11502; raise an AC's target and change its mode from a
    thermostat card; switch it off in the more-info dialog; the box's AC follows each."""
    await onboard(page, develop)
    # Degrees Celsius, as the box's ACs report them (Settings → System → General).
    await ws(page, {"type": "config/core/update", "unit_system": "metric"})
    await add_integration_port(page, develop)
    entity_id, ac_id, modes = await an_air_conditioner(page, develop)
    before = await rest(page, develop, "GET", f"states/{entity_id}")

    await thermostat_dashboard(page, entity_id, modes)
    card = page.locator("hui-thermostat-card")
    await expect(card).to_be_visible(timeout=30_000)
    await look(page, "04-thermostat")

    # Two clicks on "+" (or "-" near the top of the range): a degree each, sent once
    # the clicks stop. The two buttons under the dial have no accessible name.
    target = int(before["attributes"]["temperature"])
    wanted = target + 2 if target + 2 <= before["attributes"]["max_temp"] else target - 2
    control = card.locator("ha-state-control-climate-temperature")
    minus, plus = await control.get_by_role("button").all()
    for _ in range(2):
        await (plus if wanted > target else minus).click()
    await until_entity(page, develop, entity_id, before["state"], temperature=wanted)
    await until_box(develop, ac_id, setpoint=wanted)
    await card_says(card, f"{wanted} °C")
    await look(page, "05-thermostat-target")

    # A mode from the buttons under the dial: the AC runs in it.
    mode = "cool" if before["state"] != "cool" else "heat"
    await card.get_by_role("radio", name=mode.capitalize()).click()
    await until_entity(page, develop, entity_id, mode, temperature=wanted)
    await until_box(develop, ac_id, on=True, mode=mode.upper(), setpoint=wanted)
    await look(page, f"06-thermostat-{mode}")

    # Off, from the more-info dialog's mode list.
    await card.get_by_role("button", name="Show more information").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_be_visible()
    await look(page, "07-more-info")
    # The dialog's content is slotted into it: found from the page, not inside the dialog.
    await page.get_by_role("button", name=f"Mode {mode.capitalize()}").click()
    await look(page, "08-more-info-modes")
    items = page.locator("[role=menuitem], [role=menuitemradio], [role=option]")
    await items.filter(has_text="Off").click()
    await until_entity(page, develop, entity_id, "off")
    await until_box(develop, ac_id, on=False)
    await look(page, "09-more-info-off")

    problems = log_problems(develop)
    assert not problems, "\n".join(problems)
