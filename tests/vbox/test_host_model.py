"""The model issue 13 adds: protocol, ACs, scenarios, 16-bit ids, AC capabilities, VTH key types."""

from __future__ import annotations

import json

import pytest

from custom_components.vitrea.vbox.climate import (
    ACMode,
    ACType,
    FanSpeed,
    TemperatureUnit,
    ac_fan_speeds,
    ac_modes,
    setpoint_range,
)
from custom_components.vitrea.vbox.enums import KeyCategory, KeyType, Protocol
from custom_components.vitrea.vbox.host.database import key_type_from_vth, key_type_to_vth
from custom_components.vitrea.vbox.installation import (
    AirConditioner,
    Installation,
    InstallationFormatError,
    Key,
    Node,
    Room,
    Scenario,
)


def _host_installation() -> Installation:
    return Installation(
        rooms=(Room(300, "סלון", 2),),
        nodes=(Node(999, "", 0, 300, (Key(0, KeyType.BOILER, KeyCategory.BOILER, "Boiler"),)),),
        protocol=Protocol.HOST,
        air_conditioners=(
            AirConditioner(1, "מזגן", ACType.TYPE_2, 300),
            AirConditioner(999, "AC", ACType(7)),
        ),
        scenarios=(Scenario(9999, "Good night"), Scenario(12, "Movie", 300)),
        firmware="8.66",
    )


def test_host_installation_round_trips_through_json() -> None:
    installation = _host_installation()
    document = json.loads(json.dumps(installation.to_dict()))
    assert document["protocol"] == "host"
    assert Installation.from_dict(document) == installation
    assert installation.air_conditioner(1) == AirConditioner(1, "מזגן", ACType.TYPE_2, 300)
    assert installation.air_conditioner(2) is None
    assert installation.scenario(12) == Scenario(12, "Movie", 300)
    assert installation.scenario(13) is None


def test_an_old_cache_document_loads_as_vtu_without_acs_or_scenarios() -> None:
    document = _host_installation().to_dict()
    for name in ("protocol", "air_conditioners", "scenarios", "firmware"):
        del document[name]
    document["nodes"][0]["mac"] = "00:0d:6f:00:0e:fb:96:21"
    loaded = Installation.from_dict(document)
    assert loaded.protocol is Protocol.VTU
    assert (loaded.air_conditioners, loaded.scenarios, loaded.firmware) == ((), (), "")
    assert loaded.nodes[0].mac == "00:0D:6F:00:0E:FB:96:21"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("protocol",), "json"),
        (("nodes", 0, "id"), 65536),
        (("nodes", 0, "keys", 0, "id"), 256),  # key ids stay bytes
        (("nodes", 0, "mac"), "not a mac"),
        (("air_conditioners", 0, "type"), "TYPE_9"),
        (("air_conditioners", 0, "id"), -1),
        (("scenarios", 0, "room_id"), "300"),
    ],
)
def test_bad_new_fields_are_refused(path: tuple[str | int, ...], value: object) -> None:
    document = _host_installation().to_dict()
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(InstallationFormatError):
        Installation.from_dict(document)


def test_ac_capabilities_per_type() -> None:
    assert ac_modes(ACType.TYPE_1) == (ACMode.COOL, ACMode.HEAT, ACMode.FAN)
    assert ac_modes(ACType.TYPE_3) == (ACMode.COOL, ACMode.HEAT, ACMode.FAN, ACMode.AUTO)
    assert ac_modes(ACType.TMSF) == ()
    assert ac_modes(ACType(9)) == ()
    assert ac_fan_speeds(ACType.TYPE_1) == (FanSpeed.LOW, FanSpeed.MEDIUM, FanSpeed.HIGH)
    assert FanSpeed.AUTO in ac_fan_speeds(ACType.TYPE_2)
    assert ac_fan_speeds(ACType.TYPE_3) == ac_fan_speeds(ACType.TMSF) == ()
    assert setpoint_range(TemperatureUnit.CELSIUS) == (15, 30)
    assert setpoint_range(TemperatureUnit.FAHRENHEIT) == (60, 90)
    assert setpoint_range(None) == setpoint_range(TemperatureUnit(5)) == (15, 90)


@pytest.mark.parametrize(
    ("vth_type", "model"),
    [
        (0, (KeyType.NOT_EXIST, KeyCategory.UNDEFINED)),
        (1, (KeyType.TOGGLE, KeyCategory.UNDEFINED)),
        (2, (KeyType.PUSH_BUTTON, KeyCategory.UNDEFINED)),
        (3, (KeyType.DIMMER, KeyCategory.LIGHT)),
        (4, (KeyType.BLIND, KeyCategory.UNDEFINED)),
        (6, (KeyType.BLIND, KeyCategory.UNDEFINED)),
        (10, (KeyType.BOILER, KeyCategory.BOILER)),
        (11, (KeyType.TOGGLE, KeyCategory.UNDEFINED)),
        (12, (KeyType.SATELLITE, KeyCategory.UNDEFINED)),
        (18, (KeyType.TOGGLE, KeyCategory.FAN)),
        (20, (KeyType.BLIND_MW, KeyCategory.UNDEFINED)),
        (5, (KeyType(205), KeyCategory.UNDEFINED)),
        (24, (KeyType(224), KeyCategory.UNDEFINED)),
        (99, (KeyType(255), KeyCategory.UNDEFINED)),
    ],
)
def test_vth_key_types_map_onto_the_model(
    vth_type: int, model: tuple[KeyType, KeyCategory]
) -> None:
    assert key_type_from_vth(vth_type) == model


@pytest.mark.parametrize("vth_type", [0, 1, 2, 3, 4, 10, 12, 18, 20, 5, 13, 14, 16, 21, 24])
def test_the_simulator_mapping_inverts_it(vth_type: int) -> None:
    assert key_type_to_vth(*key_type_from_vth(vth_type)) == vth_type


def test_model_types_without_a_vth_type_get_the_nearest() -> None:
    assert key_type_to_vth(KeyType.DIMMER_MW) == 3
    assert key_type_to_vth(KeyType.TOGGLE, KeyCategory.LIGHT) == 1
    assert key_type_to_vth(KeyType.ALL_NODES) == 0
    assert key_type_to_vth(KeyType(255)) == 0
