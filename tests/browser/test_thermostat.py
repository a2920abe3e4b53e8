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
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from .conftest import Develop
from .ui import add_vitrea, log_problems, look, onboard, rest

INTEGRATION_PORT = "Integration port 11502 (no password; adds air conditioners)"
# Vitrea's air conditioners that can cool and heat, as [entity_id, hvac_modes].
ACS_TEMPLATE = (
    "{% set ns = namespace(out=[]) %}"
    "{% for e in integration_entities('vitrea') | sort if e.startswith('climate.')"
    " and 'cool' in state_attr(e, 'hvac_modes') and 'heat' in state_attr(e, 'hvac_modes') %}"
    "{% set ns.out = ns.out + [[e, state_attr(e, 'hvac_modes')]] %}"
    "{% endfor %}{{ ns.out | tojson }}"
)


async def console(develop: Develop, command: str) -> str:
    """One command on the simulator's control console; its one-line answer."""
    reader, writer = await asyncio.open_unix_connection(develop.console)
    try:
        await reader.readline()  # the greeting
        writer.write(command.encode() + b"\n")
        await writer.drain()
        return (await reader.readline()).decode().strip()
    finally:
        writer.close()


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


async def thermostat_dashboard(
    page: Page, develop: Develop, entity_id: str, modes: list[str]
) -> None:
    """The Overview with a thermostat card for the AC, its modes as buttons under the dial.

    What a person makes in the dashboard editor ("Take control", "Add card",
    Thermostat, the "Climate HVAC modes" feature), saved through the UI's own
    connection: the clicks that matter here are the ones on the card.
    """
    card = {
        "type": "thermostat",
        "entity": entity_id,
        "features": [{"type": "climate-hvac-modes", "style": "icons", "hvac_modes": modes}],
    }
    config = {"views": [{"title": "Home", "path": "home", "cards": [card]}]}
    await ws(page, {"type": "lovelace/config/save", "config": config})
    await page.goto(f"{develop.url}/lovelace/home")


async def target_shown(card: Locator) -> float:
    """The target temperature the card's dial shows."""
    text = await card.locator("ha-big-number").first.inner_text()
    return float("".join(ch for ch in text if ch.isdigit() or ch == "."))


@pytest.mark.timeout(600)
async def test_thermostat(develop: Develop, page: Page) -> None:
    """Add a box through port 11502; raise an AC's target and change its mode from a
    thermostat card; switch it off in the more-info dialog; the box's AC follows each."""
    await onboard(page, develop)
    await add_integration_port(page, develop)
    entity_id, ac_id, modes = await an_air_conditioner(page, develop)
    before = await rest(page, develop, "GET", f"states/{entity_id}")

    await thermostat_dashboard(page, develop, entity_id, modes)
    card = page.locator("hui-thermostat-card")
    await expect(card).to_be_visible()
    await look(page, "04-thermostat")

    # Two clicks on "+": one degree each, sent once the clicks stop.
    target = int(before["attributes"]["temperature"])
    wanted = target + 2 if target + 2 <= before["attributes"]["max_temp"] else target - 2
    button = "Increase temperature" if wanted > target else "Decrease temperature"
    for _ in range(2):
        await card.get_by_role("button", name=button).click()
    await until_entity(page, develop, entity_id, before["state"], temperature=wanted)
    await until_box(develop, ac_id, setpoint=wanted)
    assert await target_shown(card) == wanted
    await look(page, "05-thermostat-target")

    # A mode from the buttons under the dial: the AC runs in it.
    mode = "cool" if before["state"] != "cool" else "heat"
    await card.get_by_role("radio", name=mode.capitalize()).click()
    await until_entity(page, develop, entity_id, mode, temperature=wanted)
    await until_box(develop, ac_id, on=True, mode=mode.upper(), setpoint=wanted)
    await look(page, f"06-thermostat-{mode}")

    # Off, from the more-info dialog's mode list.
    await card.get_by_role("button", name="Show more info").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_be_visible()
    await look(page, "07-more-info")
    await dialog.get_by_role("combobox", name="Mode").click()
    await page.get_by_role("option", name="Off").click()
    await until_entity(page, develop, entity_id, "off")
    await until_box(develop, ac_id, on=False)
    await look(page, "08-more-info-off")

    problems = log_problems(develop)
    assert not problems, "\n".join(problems)
