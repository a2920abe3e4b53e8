"""Hygiene in Home Assistant: credentials never logged, hostile names, bad input refused.

All against the real simulator on loopback, logs captured at DEBUG.
"""

from __future__ import annotations

import json
import logging
from contextlib import AbstractAsyncContextManager
from typing import Any, Final

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME, STATE_OFF, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, valid_entity_id
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.vitrea.const import DOMAIN
from custom_components.vitrea.mapping import Kind
from custom_components.vitrea.vbox import Installation, Key, KeyCategory, KeyType, Node, Room
from custom_components.vitrea.vbox.vtu.messages import Login
from simulator import VBoxSimulator, demo_installation

from ..common import wait_until
from .conftest import (
    SetupEntry,
    box_entry,
    box_input,
    entity_id,
    entry_entities,
    entry_entity_ids,
    expected_entities,
    running_box,
    sent,
    start_flow,
    state,
    turn_on_for,
)

USER: Final = "hygiene-user-Qx7"
SECRET: Final = "pw-Zk93!hygiene"
WRONG: Final = "typo-Jm27!hygiene"
CHANGED: Final = "new-Rt55!hygiene"

CONTROL = "\x00\x07\n\r\t\x1b[31m"
HEBREW_LONGEST = "ש" * 127  # the most characters a one-byte length in bytes allows
LATIN_LONGEST = "x" * 127
EMOJI = "😀" * 63  # surrogate pairs: 252 bytes
RTL = "\u202e\u05e9\u05dc\u05d5\u05dd\u202c 🏠 \u200fhome"
PADDING_ONLY = "   \x00\x00"  # trimmed by the client: no name at all


def _mac(node_id: int) -> str:
    return f"00:15:8D:00:00:00:00:{node_id:02X}"


HOSTILE = Installation(
    rooms=(Room(0, CONTROL), Room(1, HEBREW_LONGEST), Room(2, RTL), Room(3, "")),
    nodes=(
        Node(
            4,
            _mac(4),
            5,
            0,
            (
                Key(0, KeyType.TOGGLE, KeyCategory.LIGHT, CONTROL),
                Key(1, KeyType.TOGGLE, KeyCategory.LIGHT, ""),
                Key(2, KeyType.TOGGLE, KeyCategory.UNDEFINED, HEBREW_LONGEST),
                Key(3, KeyType.TOGGLE, KeyCategory.FAN, EMOJI),
                Key(4, KeyType.BOILER, KeyCategory.BOILER, CONTROL),
            ),
        ),
        Node(
            6,
            _mac(6),
            12,
            1,
            (
                Key(0, KeyType.DIMMER, KeyCategory.LIGHT, RTL),
                Key(1, KeyType.BLIND, KeyCategory.UNDEFINED, ""),
                Key(2, KeyType.TOGGLE_SCENE, KeyCategory.SCENARIO, EMOJI),
                Key(3, KeyType.PUSH_BUTTON, KeyCategory.UNDEFINED, ""),
                Key(4, KeyType.SATELLITE, KeyCategory.UNDEFINED, CONTROL),
                Key(5, KeyType.BOILER, KeyCategory.BOILER, ""),
            ),
        ),
        Node(7, _mac(7), 5, 2, (Key(0, KeyType.TOGGLE, KeyCategory.LIGHT, PADDING_ONLY),)),
        Node(8, _mac(8), 5, 3, (Key(0, KeyType.TOGGLE, KeyCategory.LIGHT, LATIN_LONGEST),)),
    ),
)


def private_box(installation: Installation) -> AbstractAsyncContextManager[VBoxSimulator]:
    """A box with distinctive credentials, so that any leak of them is found."""
    return running_box(installation, username=USER, password=SECRET)


def forms(secret: str) -> list[str]:
    """A secret as text and as the UTF-16LE bytes of a Login frame, in hex as logs print it."""
    wire = secret.encode("utf-16-le")
    return [secret, wire.hex(), wire.hex(" "), wire.hex(" ").upper(), repr(wire)[2:-1]]


def leaks(text: str, *secrets: str) -> list[str]:
    return [form for secret in secrets for form in forms(secret) if form in text]


def logins(simulator: VBoxSimulator) -> int:
    return len(sent(simulator, Login))


def reauth_flow_ids(hass: HomeAssistant) -> list[str]:
    return [
        flow["flow_id"]
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_REAUTH
    ]


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


# ------------------------------------------------------------------ credentials


async def test_credentials_never_logged_through_the_life_of_an_entry(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Flow with a wrong then the right password, setup, drop and reconnect, password
    changed on the box and reauth, diagnostics, unload, all logged at DEBUG: no
    username or password appears in any form, not even in the simulator's lines."""
    caplog.set_level(logging.DEBUG)
    async with private_box(demo_installation()) as sim:
        flow = await start_flow(hass)
        typed = box_input(sim.port, **{CONF_USERNAME: USER, CONF_PASSWORD: WRONG})
        result = await hass.config_entries.flow.async_configure(flow["flow_id"], typed)
        assert result["errors"] == {"base": "invalid_auth"}
        right = box_input(sim.port, **{CONF_USERNAME: USER, CONF_PASSWORD: SECRET})
        result = await hass.config_entries.flow.async_configure(flow["flow_id"], right)
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        entry = result["result"]
        assert entry.state is ConfigEntryState.LOADED

        # The link drops and comes back.
        client = entry.runtime_data.client
        before = logins(sim)
        await sim.drop_connections()
        await wait_until(lambda: logins(sim) > before and client.connected)

        # The password is changed on the box; the person enters the new one.
        sim.set_credentials(USER, CHANGED)
        await sim.drop_connections()
        await wait_until(lambda: bool(reauth_flow_ids(hass)))
        (flow_id,) = reauth_flow_ids(hass)
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_USERNAME: USER, CONF_PASSWORD: CHANGED}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reauth_successful"
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        await wait_until(lambda: entry.runtime_data.client.connected)

        diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
        assert leaks(json.dumps(diagnostics), USER, SECRET, CHANGED) == []

        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()

    assert "refused the login" in caplog.text  # the password change was seen and logged
    assert leaks(caplog.text, USER, WRONG, SECRET, CHANGED) == []


# ------------------------------------------------------------------ hostile names


def friendly_name(hass: HomeAssistant, kind: Kind, node: int, key: int | None = None) -> str:
    current = hass.states.get(entity_id(hass, HOSTILE, kind, node, key))
    assert current is not None
    return str(current.attributes["friendly_name"])


async def test_hostile_names_make_working_entities(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: SetupEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Names with control characters, empty, 127 characters, emoji and right-to-left
    marks: the entry loads, every entity exists with a valid id and a state, names
    are kept as the box has them, missing ones are the translated fallbacks, and
    they survive diagnostics and a restart from the cached topology."""
    caplog.set_level(logging.DEBUG)
    async with running_box(HOSTILE) as sim:
        entry = box_entry(sim)
        assert await setup_entry(entry)
        assert entry.state is ConfigEntryState.LOADED

        def check_entities() -> None:
            assert entry_entities(hass, entry) == expected_entities(HOSTILE)
            for entity in entry_entity_ids(hass, entry):
                assert valid_entity_id(entity), entity
                assert state(hass, entity) not in (None, STATE_UNAVAILABLE), entity

            # Each node is alone in its room: named after it ("Keypad 8": no room name).
            assert friendly_name(hass, Kind.LIGHT, 4, 0) == f"{CONTROL} {CONTROL}"
            assert friendly_name(hass, Kind.LIGHT, 4, 1) == f"{CONTROL} Key 2"
            assert friendly_name(hass, Kind.SWITCH, 4, 2) == f"{CONTROL} {HEBREW_LONGEST}"
            assert friendly_name(hass, Kind.FAN, 4, 3) == f"{CONTROL} {EMOJI}"
            assert friendly_name(hass, Kind.BOILER_OFF_AT, 4, 4) == f"{CONTROL} Turns off at"
            assert friendly_name(hass, Kind.DIMMER, 6, 0) == f"{HEBREW_LONGEST} {RTL}"
            assert friendly_name(hass, Kind.BLIND, 6, 1) == f"{HEBREW_LONGEST} Key 2"
            assert friendly_name(hass, Kind.SCENE, 6, 2) == f"{HEBREW_LONGEST} {EMOJI}"
            assert friendly_name(hass, Kind.BUTTON, 6, 3) == f"{HEBREW_LONGEST} Key 4"
            assert friendly_name(hass, Kind.PRESSES, 6, 4) == f"{HEBREW_LONGEST} {CONTROL}"
            assert friendly_name(hass, Kind.BOILER, 6, 5) == f"{HEBREW_LONGEST} Boiler"
            assert friendly_name(hass, Kind.BOILER_OFF_AT, 6, 5) == f"{HEBREW_LONGEST} Turns off at"
            assert friendly_name(hass, Kind.LIGHT, 7, 0) == f"{RTL.strip()} Key 1"
            assert friendly_name(hass, Kind.LIGHT, 8, 0) == f"Keypad 8 {LATIN_LONGEST}"

            devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
            placed = {d.name for d in devices if d.area_id is not None}
            assert placed == {CONTROL, HEBREW_LONGEST, RTL.strip()}  # room 3 has no name

        check_entities()
        diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
        rooms = diagnostics["installation"]["rooms"]
        assert [r["name"] for r in rooms] == [CONTROL, HEBREW_LONGEST, RTL, ""]

        # A restart builds the entities from the cached topology: the same again.
        registry_ids = sorted(entry_entity_ids(hass, entry))
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        await wait_until(lambda: entry.runtime_data.client.connected)
        await wait_until(lambda: all(state(hass, e) != STATE_UNAVAILABLE for e in registry_ids))
        assert sorted(entry_entity_ids(hass, entry)) == registry_ids
        check_entities()

        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    assert errors_logged(caplog) == []


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "credentials",
    [
        pytest.param({CONF_PASSWORD: "p" * 128}, id="password-too-long"),
        pytest.param({CONF_USERNAME: "u" * 128}, id="username-too-long"),
    ],
)
async def test_credentials_the_box_cannot_take_are_a_clear_error(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    caplog: pytest.LogCaptureFixture,
    credentials: dict[str, str],
) -> None:
    """Credentials too long for the protocol's one-byte length get a form error that
    says what is wrong, not 'Unexpected error' and a logged traceback."""
    flow = await start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], box_input(simulator.port, **credentials)
    )
    assert result["type"] is FlowResultType.FORM
    assert hass.config_entries.async_entries(DOMAIN) == []
    assert leaks(caplog.text, *credentials.values()) == []
    assert result["errors"] == dict.fromkeys(credentials, "credential_too_long")
    assert simulator.received == []  # refused before connecting
    assert errors_logged(caplog) == []


@pytest.mark.parametrize(
    "minutes",
    [None, "", "1.5", [30], {"minutes": 30}, float("nan"), float("inf")],
)
async def test_turn_on_for_refuses_minutes_of_the_wrong_type(
    hass: HomeAssistant, simulator: VBoxSimulator, boiler: str, minutes: Any
) -> None:
    """Minutes that are not a whole number are refused with a translated error that
    names the field, and nothing reaches the box."""
    simulator.clear_received()
    with pytest.raises(ServiceValidationError) as err:
        await turn_on_for(hass, boiler, minutes)
    assert err.value.translation_key == "invalid_minutes"
    assert "Minutes" in str(err.value)
    assert simulator.received == []
    assert state(hass, boiler) == STATE_OFF


@pytest.mark.parametrize("minutes", [1.5, 120.9, True])
async def test_turn_on_for_does_not_truncate_minutes(
    hass: HomeAssistant, simulator: VBoxSimulator, boiler: str, minutes: Any
) -> None:
    """A fractional or boolean number of minutes is refused, not silently rounded down."""
    simulator.clear_received()
    with pytest.raises(ServiceValidationError):
        await turn_on_for(hass, boiler, minutes)
    assert simulator.received == []


@pytest.mark.parametrize("minutes", [45, 45.0, "45", " 45 "])
async def test_turn_on_for_takes_a_whole_number_in_any_form(
    hass: HomeAssistant, simulator: VBoxSimulator, boiler: str, minutes: Any
) -> None:
    """A template renders "45"; a number selector may send 45.0: both mean 45 minutes."""
    simulator.clear_received()
    await turn_on_for(hass, boiler, minutes)
    assert [command.timer for command in sent(simulator)] == [45]
