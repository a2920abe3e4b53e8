"""The homes the simulator can serve: the demo home, large generated ones, or a JSON file.

``load_installation`` turns the command line's ``--installation`` (``demo``,
``large:N``, or a path: a dump or a diagnostics download) into an installation
and its initial key states; ``host_extras`` gives what port 11502 adds to it:
the ACs' initial states and what each scenario does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from custom_components.vitrea.vbox import (
    ACMode,
    ACState,
    ACType,
    AirConditioner,
    FanSpeed,
    Installation,
    InstallationFormatError,
    Key,
    KeyCategory,
    KeyPowerStatus,
    KeyStatus,
    KeyType,
    LEDBackgroundBrightness,
    LockStatus,
    MessageError,
    Node,
    ProtocolVersion,
    Room,
    Scenario,
    TemperatureUnit,
)

from .replay import installation_document, is_diagnostics
from .state import SceneStep, existing_keys

# A node count is one byte on the wire (0x24), so a box holds at most 255 nodes.
MAX_LARGE_NODES: Final = 255

_T = KeyType
_C = KeyCategory


def _key(key_id: int, key_type: KeyType, category: KeyCategory, name: str) -> Key:
    return Key(key_id, key_type, category, name)


def _keys(*specs: tuple[KeyType, KeyCategory, str]) -> tuple[Key, ...]:
    return tuple(_key(i, t, c, n) for i, (t, c, n) in enumerate(specs))


_NONE: Final = (_T.NOT_EXIST, _C.UNDEFINED, "")
_INACTIVE: Final = (_T.NOT_ACTIVE, _C.UNDEFINED, "")


def demo_installation() -> Installation:
    """A realistic Israeli home: Hebrew and English names, sparse node ids, every key type."""
    rooms = (
        Room(0, "כניסה"),
        Room(1, "סלון"),
        Room(2, "מטבח"),
        Room(3, "Master Bedroom", 1),
        Room(4, "חדר ילדים ", 1),  # the trailing space is the box's padding: clients trim it
        Room(5, "Bathroom", 1),
        Room(6, "Garden"),
        Room(7, "Office"),
        Room(8, "חדר כביסה"),
        Room(9, "מרפסת"),
    )
    unlocked, locked = LockStatus.UNLOCKED, LockStatus.LOCKED
    normal, low = LEDBackgroundBrightness.NORMAL, LEDBackgroundBrightness.LOW
    nodes = (
        Node(
            1,
            "00:15:8D:00:01:A2:3C:11",
            20,  # VT-MW3-SR3-ST3-10A
            0,
            _keys(
                (_T.TOGGLE, _C.LIGHT, "תאורת כניסה"),
                (_T.TOGGLE, _C.LIGHT, "Porch Light"),
                (_T.TOGGLE, _C.UNDEFINED, "שקע חשמל"),
                (_T.TOGGLE_SCENE, _C.SCENARIO, "יציאה מהבית"),
                (_T.TOGGLE_SCENE, _C.SCENARIO, "חזרה הביתה"),
                _NONE,
            ),
            (7, 9, 3),
            unlocked,
            normal,
        ),
        Node(
            2,
            "00:15:8D:00:01:A2:3C:2E",
            37,  # VT-MW3-DM3-400W
            1,
            _keys(
                (_T.DIMMER, _C.LIGHT, "תאורה ראשית"),
                (_T.DIMMER, _C.LIGHT, "ספוטים"),
                (_T.DIMMER, _C.LIGHT, "Dining Table"),
            ),
            (7, 9, 3),
        ),
        Node(
            3,
            "00:15:8D:00:01:A2:3D:07",
            7,  # VT-MW3-UD2-6A
            1,
            _keys(
                (_T.BLIND, _C.UNDEFINED, "תריס סלון"),
                (_T.BLIND, _C.UNDEFINED, "תריס יציאה למרפסת"),
                _INACTIVE,
            ),
            (7, 9, 3),
        ),
        Node(
            5,
            "00:0D:6F:00:0B:12:4C:93",
            5,  # VT-MW4-SR4-10A
            2,
            _keys(
                (_T.TOGGLE, _C.LIGHT, "תאורת מטבח"),
                (_T.TOGGLE, _C.LIGHT, "Under-cabinet LEDs"),
                (_T.TOGGLE, _C.FAN, "קולט אדים"),
                (_T.TOGGLE, _C.UNDEFINED, "מדיח כלים"),
            ),
            (7, 8, 1),
        ),
        Node(
            6,
            "00:0D:6F:00:0B:12:4D:20",
            2,  # VT-MW3-SR2-10A
            1,
            _keys(
                (_T.TOGGLE, _C.AUDIO, "מערכת שמע"),
                (_T.TOGGLE, _C.FAN, "מאוורר תקרה"),
            ),
            (7, 8, 1),
        ),
        Node(
            8,
            "00:15:8D:00:02:5F:10:8A",
            12,  # VT-MW3-ST6-02
            3,
            _keys(
                (_T.TOGGLE, _C.LIGHT, "Ceiling Light"),
                (_T.DIMMER_MW, _C.LIGHT, "מנורת לילה (MW)"),
                (_T.BLIND_MW, _C.UNDEFINED, "תריס חדר שינה (MW)"),
                (_T.SATELLITE, _C.UNDEFINED, "Satellite"),
                (_T.PUSH_BUTTON, _C.UNDEFINED, "לילה טוב"),
                _NONE,
            ),
            (8, 1, 2),
            unlocked,
            low,
        ),
        Node(
            11,
            "00:15:8D:00:02:5F:11:C4",
            93,  # VT-MW3-DM2-SR1-01
            3,
            _keys(
                (_T.DIMMER, _C.LIGHT, "מנורת לילה"),
                (_T.DIMMER, _C.LIGHT, "Reading Lamp"),
                (_T.TOGGLE, _C.LIGHT, "ארון בגדים"),
            ),
            (8, 1, 2),
        ),
        Node(
            13,
            "00:15:8D:00:02:60:01:7B",
            42,  # VT-MW4-DM4-400W
            4,
            _keys(
                (_T.DIMMER, _C.LIGHT, "תאורה"),
                (_T.DIMMER, _C.LIGHT, "מנורת לילה ילדים"),
                _INACTIVE,
                _NONE,
            ),
            (7, 9, 3),
            locked,
            normal,
        ),
        Node(
            14,
            "00:15:8D:00:02:60:02:D5",
            6,  # VT-MW3-UD1-6A
            3,
            _keys((_T.BLIND, _C.UNDEFINED, "תריס חדר שינה")),
            (7, 9, 3),
        ),
        Node(
            16,
            "00:0D:6F:00:0C:44:91:E2",
            30,  # VT-MW3-DP1-16A
            5,
            _keys((_T.BOILER, _C.BOILER, "דוד חשמל")),
            (7, 9, 3),
        ),
        Node(
            20,
            "00:0D:6F:00:0C:44:93:05",
            3,  # VT-MW3-SR3-10A
            6,
            _keys(
                (_T.TOGGLE, _C.LIGHT, "Garden Lights"),
                (_T.TOGGLE, _C.UNDEFINED, "השקיה"),
                (_T.DUAL_POLE, _C.UNDEFINED, "משאבת בריכה"),
            ),
            (7, 8, 1),
        ),
        Node(
            22,
            "00:15:8D:00:03:0A:77:41",
            14,  # VT-MW4-ST4-01
            7,
            _keys(
                (_T.TOGGLE, _C.LIGHT, "Office Light"),
                (_T.TOGGLE, _C.AUDIO, "Speakers"),
                (_T.SATELLITE, _C.UNDEFINED, "לוויין שולחן"),
                (_T.PUSH_BUTTON, _C.UNDEFINED, "Doorbell"),
            ),
            (8, 1, 2),
        ),
        Node(
            25,
            "00:15:8D:00:03:0A:78:9C",
            31,  # VT-MW3-NO1-10A
            9,
            _keys((_T.TOGGLE, _C.LIGHT, "תאורת מרפסת")),
            (7, 9, 3),
        ),
        Node(
            31,
            "00:0D:6F:00:0D:20:05:6B",
            49,  # VT-MW3-DPS-16A
            8,
            _keys((_T.DUAL_POLE, _C.UNDEFINED, "מייבש כביסה"), _NONE),
            (7, 9, 3),
        ),
    )
    return Installation(
        rooms,
        nodes,
        ProtocolVersion.V2,
        air_conditioners=(
            AirConditioner(1, "מזגן סלון", ACType.TYPE_2, 1),
            AirConditioner(2, "Master Bedroom AC", ACType.TYPE_1, 3),
            AirConditioner(3, "מזגן חדר ילדים", ACType.TYPE_3, 4),
            AirConditioner(7, "Bathroom Floor Heating", ACType.TMSF, 5),
        ),
        scenarios=(
            Scenario(1, "יציאה מהבית"),
            Scenario(2, "חזרה הביתה"),
            Scenario(5, "Movie Night", 1),
            Scenario(12, "לילה טוב", 3),
        ),
    )


def demo_ac_states() -> list[ACState]:
    """The demo's ACs: the living room cooling, the kids' room in °F, the floor heating on."""
    celsius, fahrenheit = TemperatureUnit.CELSIUS, TemperatureUnit.FAHRENHEIT
    return [
        ACState(1, True, ACMode.COOL, FanSpeed.AUTO, 24, 27, unit=celsius),
        ACState(2, False, ACMode.HEAT, FanSpeed.LOW, 22, 21, unit=celsius),
        ACState(3, False, ACMode.AUTO, None, 72, 75, unit=fahrenheit),
        ACState(7, True, None, None, 28, 24, unit=celsius),
    ]


def demo_scenes() -> dict[int, tuple[SceneStep, ...]]:
    """What each demo scenario does to the keys (pushed on both ports)."""
    on, off = KeyPowerStatus.ON, KeyPowerStatus.OFF
    lights = ((1, 0), (1, 1), (2, 0), (2, 1), (2, 2), (5, 0), (5, 1), (11, 0), (11, 1))
    return {
        1: tuple(SceneStep(node, key, off) for node, key in lights),  # leaving home
        2: (SceneStep(1, 0, on), SceneStep(2, 0, on, 60)),  # coming home
        5: (SceneStep(2, 0, on, 20), SceneStep(2, 1, off), SceneStep(3, 0, off)),  # movie
        12: (SceneStep(8, 0, off), SceneStep(11, 0, on, 10), SceneStep(14, 0, off)),  # night
    }


def demo_states() -> list[KeyStatus]:
    """The demo's initial states: the living-room light at 60 %, a blind 40 % open, ..."""
    on = KeyPowerStatus.ON
    return [
        KeyStatus(2, 0, on, 60),
        KeyStatus(3, 0, on, 40),
        KeyStatus(20, 0, on),
        KeyStatus(6, 0, on),
    ]


# Node templates of large_installation: model and key positions (25 keys per 4 nodes).
_LARGE_TEMPLATES: Final[tuple[tuple[int, tuple[tuple[KeyType, KeyCategory], ...]], ...]] = (
    (
        5,
        (
            (_T.TOGGLE, _C.LIGHT),
            (_T.TOGGLE, _C.LIGHT),
            (_T.TOGGLE, _C.FAN),
            (_T.TOGGLE, _C.UNDEFINED),
        ),
    ),
    (
        12,
        (
            (_T.TOGGLE, _C.LIGHT),
            (_T.DIMMER, _C.LIGHT),
            (_T.BLIND, _C.UNDEFINED),
            (_T.SATELLITE, _C.UNDEFINED),
            (_T.TOGGLE, _C.LIGHT),
            (_T.PUSH_BUTTON, _C.UNDEFINED),
        ),
    ),
    (
        13,
        (
            (_T.DIMMER, _C.LIGHT),
            (_T.DIMMER, _C.LIGHT),
            (_T.TOGGLE, _C.LIGHT),
            (_T.TOGGLE, _C.LIGHT),
            (_T.BLIND, _C.UNDEFINED),
            (_T.BLIND, _C.UNDEFINED),
            (_T.SATELLITE, _C.UNDEFINED),
            (_T.SATELLITE, _C.UNDEFINED),
        ),
    ),
    (
        15,
        (
            (_T.TOGGLE, _C.LIGHT),
            (_T.DIMMER, _C.LIGHT),
            (_T.BLIND, _C.UNDEFINED),
            (_T.TOGGLE_SCENE, _C.SCENARIO),
            (_T.SATELLITE, _C.UNDEFINED),
            (_T.TOGGLE, _C.LIGHT),
            (_T.DIMMER, _C.LIGHT),
            (_T.NOT_EXIST, _C.UNDEFINED),
        ),
    ),
)


def large_installation(
    nodes: int, *, protocol_version: ProtocolVersion = ProtocolVersion.V2
) -> Installation:
    """A deterministic big installation: ``nodes`` nodes, ~6.25 keys each, 40 rooms per 64 nodes.

    Node ids skip every multiple of 7 (sparse, like real boxes) up to 219 nodes; a
    bigger home fills those gaps too, up to 255 (ids are bytes, 0 is not used).
    """
    if not 0 <= nodes <= MAX_LARGE_NODES:
        raise ValueError(f"large installation of {nodes} nodes: use 0-{MAX_LARGE_NODES}")
    room_count = max(1, round(nodes * 40 / 64))
    rooms = tuple(Room(r, f"Room {r}", r // 10) for r in range(room_count))
    sparse = [i for i in range(1, 256) if i % 7]
    ids = sorted([*sparse, *range(7, 256, 7)][:nodes])
    out: list[Node] = []
    for index, node_id in enumerate(ids):
        model, template = _LARGE_TEMPLATES[index % len(_LARGE_TEMPLATES)]
        keys = tuple(
            Key(k, t, c, f"Node {node_id} Key {k}" if t.exists else "")
            for k, (t, c) in enumerate(template)
        )
        out.append(
            Node(
                id=node_id,
                mac=f"00:15:8D:00:00:{index >> 8:02X}:{index & 0xFF:02X}:{node_id:02X}",
                model=model,
                room_id=index % room_count,
                keys=keys,
                firmware=(7, 9, 3),
            )
        )
    # A few ACs (every type in turn) and scenarios, growing with the home.
    acs = tuple(
        AirConditioner(n + 1, f"AC {n + 1}", ACType(n % 4 + 1), n % room_count)
        for n in range(_a_few(nodes, 16))
    )
    scenarios = tuple(Scenario(n + 1, f"Scenario {n + 1}") for n in range(_a_few(nodes, 20)))
    return Installation(
        rooms, tuple(out), protocol_version, air_conditioners=acs, scenarios=scenarios
    )


def _a_few(nodes: int, per: int) -> int:
    """One per ``per`` nodes, at least one in a home with nodes, at most 16."""
    return min(16, max(1, nodes // per)) if nodes else 0


def large_scenes(installation: Installation) -> dict[int, tuple[SceneStep, ...]]:
    """Scenario n of a large home switches off the first key of four nodes in turn."""
    nodes = installation.nodes
    return {
        scenario.id: tuple(
            SceneStep(node.id, 0, KeyPowerStatus.OFF)
            for node in nodes[4 * index : 4 * index + 4]
            if node.keys and node.keys[0].type.exists
        )
        for index, scenario in enumerate(installation.scenarios)
    }


def host_extras(
    spec: str, installation: Installation
) -> tuple[list[ACState], dict[int, tuple[SceneStep, ...]]]:
    """What port 11502 adds to the home of ``spec``: AC states and scenario effects.

    A JSON file's ACs start switched off and its scenarios change no key.
    """
    if spec == "demo":
        return demo_ac_states(), demo_scenes()
    if spec.startswith("large:"):
        return [], large_scenes(installation)
    return [], {}


def load_installation(spec: str) -> tuple[Installation, list[KeyStatus]]:
    """``"demo"``, ``"large:N"`` or the path of a JSON file; returns it with its states.

    The file holds ``Installation.to_dict()`` output, optionally with a top-level
    ``"states"`` list of ``{"node_id", "key_id", "status", "level", "timer"}`` objects
    (what the client's ``dump`` prints), or is a diagnostics download (see replay.py).
    Raises InstallationFormatError (or ValueError for a bad ``large:N``) with a
    message that says what is wrong.
    """
    if spec == "demo":
        return demo_installation(), demo_states()
    if spec.startswith("large:"):
        count = spec.removeprefix("large:")
        if not count.isdigit():
            raise ValueError(f"{spec!r}: expected large:N with N a number of nodes")
        return large_installation(int(count)), []
    path = Path(spec)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InstallationFormatError(f"{spec}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InstallationFormatError(f"{spec}: cannot read: {err}") from None
    except json.JSONDecodeError as err:
        raise InstallationFormatError(f"{spec}: not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise InstallationFormatError(f"{spec}: expected a JSON object with rooms and nodes")
    try:
        if is_diagnostics(data):
            data = installation_document(data)
        installation = Installation.from_dict(data)
        states = [_state_from_dict(item) for item in data.get("states") or ()]
    except InstallationFormatError as err:
        raise InstallationFormatError(f"{spec}: {err}") from None
    existing = {(node_id, key.id) for node_id, key in existing_keys(installation)}
    for state in states:
        if (state.node_id, state.key_id) not in existing:
            raise InstallationFormatError(
                f"{spec}: a state for key {state.node_id}/{state.key_id}, which does not exist"
            )
    return installation, states


def _state_from_dict(item: Any) -> KeyStatus:
    try:
        raw = item["status"]
        status = KeyPowerStatus[raw] if isinstance(raw, str) else KeyPowerStatus(int(raw))
        result = KeyStatus(
            int(item["node_id"]),
            int(item["key_id"]),
            status,
            int(item.get("level") or 0),
            int(item.get("timer") or 0),
        )
        result.payload()  # range checks
    except (KeyError, TypeError, ValueError, AttributeError, MessageError, OverflowError) as err:
        raise InstallationFormatError(f"invalid key state {item!r}: {err!r}") from None
    return result
