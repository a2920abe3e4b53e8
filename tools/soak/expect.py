"""What Home Assistant should show for what the box holds, and where it does not.

The oracle is written from the box's side: the simulator's key states and node
settings, mapped the way docs/design.md's entity table says, compared with the
state machine. It does not ask the integration what it thinks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from homeassistant.util.percentage import percentage_to_ranged_value

from custom_components.vitrea.mapping import EntitySpec, Kind, UnitSpec, all_specs
from custom_components.vitrea.vbox import LockStatus, Protocol
from simulator import HostSimulator, VBoxSimulator
from tools.harness import BoxServer, shown_installation
from tools.soak.climate import shown_ac

type Spec = EntitySpec | UnitSpec

# light.py's mapping of the box's 1-100 % onto Home Assistant's brightness.
BRIGHTNESS_RANGE = (1, 255)

# The "turns off at" sensor adds the minutes the box reported to the moment of the
# report; the box rounds the minutes up: it may be a minute (and a report's delay) later.
OFF_AT_TOLERANCE_S = 90

# Kinds without a state of their own (a scene's or button's last activation, an
# event's last press): only their availability is compared.
STATELESS = frozenset({Kind.SCENE, Kind.BUTTON, Kind.PRESSES, Kind.SCENARIO})


@dataclass(frozen=True, slots=True)
class Expected:
    """A state and the attributes that must go with it."""

    state: str
    attributes: Mapping[str, object] = field(default_factory=dict)
    tolerance: int = 0  # numeric state: the largest |shown - expected| (timestamp: seconds)


@dataclass(frozen=True, slots=True)
class Difference:
    """One entity that does not show what the box holds."""

    entity: str
    expected: str
    actual: str
    presence: bool  # missing, extra or unavailable (rather than a wrong value)

    def __str__(self) -> str:
        return f"{self.entity}: expected {self.expected}, shows {self.actual}"


def describe(spec: Spec) -> str:
    if isinstance(spec, UnitSpec):
        return f"{spec.kind} {spec.id}"
    where = f"node {spec.node.id}" + (f" key {spec.key.id}" if spec.key else "")
    return f"{spec.kind} of {where}"


def brightness(level: int) -> int:
    return round(percentage_to_ranged_value(BRIGHTNESS_RANGE, level))


def nearest_percent(brightness: int) -> int:
    """The box's level for a brightness: the nearest whole %, at least 1."""
    return max(1, min(100, (brightness * 100 + 127) // 255))


def blind_position(box: VBoxSimulator, node_id: int, key_id: int) -> int:
    status = box.key_state(node_id, key_id)
    return status.level if status.is_on else 0


def expected_state(spec: Spec, box: VBoxSimulator, server: BoxServer) -> Expected | None:
    """What ``spec``'s entity should show; None when it has no state to compare.

    ``server`` serves the entry's port: on 11502 it holds the ACs' states.
    """
    if spec.kind in STATELESS:
        return None
    if isinstance(spec, UnitSpec):
        ac = box.installation.air_conditioner(spec.id)
        assert ac is not None
        assert isinstance(server, HostSimulator)
        return Expected(*shown_ac(ac, server.ac_state(spec.id)))
    node = box.installation.node(spec.node.id)
    assert node is not None
    if spec.kind is Kind.LED_LEVEL:
        return Expected(node.led_level.name.lower())
    if spec.kind is Kind.CHILD_LOCK:
        return Expected(_on_off(node.lock is LockStatus.LOCKED))
    assert spec.key is not None
    status = box.key_state(node.id, spec.key.id)
    match spec.kind:
        case Kind.DIMMER:
            level = status.level if status.is_on and status.level else None
            shown = brightness(level) if level else None
            return Expected(_on_off(status.is_on), {"brightness": shown})
        case Kind.BLIND:
            position = blind_position(box, node.id, spec.key.id)
            return Expected("closed" if position == 0 else "open", {"current_position": position})
        case Kind.BOILER_OFF_AT:
            if not (status.is_on and status.timer):
                return Expected(STATE_UNKNOWN)
            ends = dt_util.utcnow() + timedelta(minutes=status.timer)
            return Expected(ends.isoformat(), tolerance=OFF_AT_TOLERANCE_S)
        case _:  # lights, switches, boilers, fans
            return Expected(_on_off(status.is_on))


def expected_entities(
    hass: HomeAssistant,
    entry: ConfigEntry,
    box: VBoxSimulator,
    server: BoxServer,
    *,
    show_mirror_keys: bool,
) -> tuple[dict[Spec, str | None], set[str]]:
    """Each entity the box calls for with its entity id (None: not registered), and extras.

    What the box calls for is its home as the port of ``server`` shows it. Extras
    are the entry's registry entries that nothing on the box provides.
    """
    protocol = Protocol.HOST if isinstance(server, HostSimulator) else Protocol.VTU
    registry = er.async_get(hass)
    registered = {
        (entity.domain, entity.unique_id): entity.entity_id
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
    }
    wanted: dict[Spec, str | None] = {}
    installation = shown_installation(box.installation, protocol)
    for spec in all_specs(
        installation, show_mirror_keys=show_mirror_keys, installation_id=entry.unique_id
    ):
        wanted[spec] = registered.pop((str(spec.platform), spec.unique_id), None)
    return wanted, set(registered.values())


def differences(
    hass: HomeAssistant,
    entry: ConfigEntry,
    box: VBoxSimulator,
    server: BoxServer,
    *,
    show_mirror_keys: bool,
) -> list[Difference]:
    """Every entity that is missing, extra, unavailable or shows another state than the box."""
    wanted, extras = expected_entities(hass, entry, box, server, show_mirror_keys=show_mirror_keys)
    found = [Difference(e, "no entity", "a registered entity", True) for e in sorted(extras)]
    for spec, entity_id in wanted.items():
        if entity_id is None:
            found.append(Difference(describe(spec), "an entity", "none", True))
            continue
        state = hass.states.get(entity_id)
        if state is None or state.state == STATE_UNAVAILABLE:
            actual = "no state" if state is None else STATE_UNAVAILABLE
            found.append(Difference(entity_id, "available", actual, True))
            continue
        expected = expected_state(spec, box, server)
        if expected is None:
            continue
        shown = {name: state.attributes.get(name) for name in expected.attributes}
        if not _same(expected, state.state) or shown != dict(expected.attributes):
            found.append(
                Difference(
                    entity_id,
                    _render(expected.state, expected.attributes),
                    _render(state.state, shown),
                    False,
                )
            )
    return found


def _same(expected: Expected, actual: str) -> bool:
    if not expected.tolerance:
        return actual == expected.state
    try:
        return abs(_number(actual) - _number(expected.state)) <= expected.tolerance
    except ValueError:
        return False


def _number(state: str) -> float:
    """A numeric state, or a timestamp's seconds; ValueError for anything else."""
    if (moment := dt_util.parse_datetime(state)) is not None:
        return moment.timestamp()
    return float(state)


def _on_off(on: bool) -> str:
    return STATE_ON if on else STATE_OFF


def _render(state: str, attributes: Mapping[str, object]) -> str:
    extra = ", ".join(f"{name}={value!r}" for name, value in attributes.items())
    return f"{state!r}" + (f" ({extra})" if extra else "")
