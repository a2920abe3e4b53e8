"""Port 11502's text lines, both ways, line-exact against docs/vbox-protocol.md §3."""

from __future__ import annotations

import pytest

from custom_components.vitrea.vbox.climate import (
    ACMode,
    ACState,
    ACType,
    FanSpeed,
    TemperatureUnit,
)
from custom_components.vitrea.vbox.errors import MessageError
from custom_components.vitrea.vbox.host import commands, lines
from custom_components.vitrea.vbox.host.commands import (
    ACCommand,
    BlindCommand,
    DimmerCommand,
    Keepalive,
    KeyCommand,
    LedCommand,
    ScenarioCommand,
    StatusQuery,
    VersionQuery,
    parse_command,
)
from custom_components.vitrea.vbox.host.lines import (
    ACLine,
    Echo,
    ErrorLine,
    KeyLine,
    Ok,
    Other,
    PasswordOk,
    ScenarioResult,
    Version,
    parse_line,
)

M, F, U = ACMode, FanSpeed, TemperatureUnit

BUILT = [
    (lines.keepalive(), "P:VITREA"),
    (lines.version_query(), "G:V:S"),
    (lines.status_all(), "H:NALL:G"),
    (lines.status_node(18), "H:N018:G"),
    (lines.status_key(18, 2), "H:N018:G:2"),
    (lines.status_ac(1), "H:A001:G"),
    (lines.key_on(18, 2, 30), "H:N018:2:O:030"),  # §4.6: on for 30 minutes
    (lines.key_on(18, 2), "H:N018:2:O:000"),
    (lines.key_off(18, 2), "H:N018:2:F"),
    (lines.dimmer(5, 1, 75), "H:N005:1:D:000:075"),
    (lines.dimmer(5, 1, 0, ramp=10), "H:N005:1:D:010:000"),
    (lines.dimmer_stop(5, 1), "H:N005:1:D:000:255"),
    (lines.blind(7, 3, 40), "H:N007:3:B:040"),
    (lines.blind_stop(7, 3), "H:N007:3:B:255"),
    (lines.scenario(12), "H:R0012"),
    (lines.led(9, 4, True), "L:N009:4:O"),
    (lines.led(9, 4, False), "L:N009:4:F"),
    (lines.ac_full(1, M.COOL, F.HIGH, 24, U.CELSIUS), "H:A001:1:O:02:024:0"),  # §3.5.1
    (lines.ac_power(1, True), "H:A001:2:O"),
    (lines.ac_power(1, False), "H:A001:2:F"),
    (lines.ac_mode(3, M.HEAT), "H:A003:3:1"),
    (lines.ac_fan(3, F.AUTO), "H:A003:4:4"),
    (lines.ac_setpoint(3, 72), "H:A003:5:072"),
    (lines.ac_raise(3), "H:A003:6"),
    (lines.ac_lower(3), "H:A003:7"),
    (lines.ac_unit(3, U.FAHRENHEIT), "H:A003:8:1"),
]


@pytest.mark.parametrize(("built", "text"), BUILT, ids=[t for _, t in BUILT])
def test_builders_are_line_exact(built: bytes, text: str) -> None:
    assert built == text.encode() + b"\r\n"


@pytest.mark.parametrize(
    "build",
    [
        lambda: lines.status_node(1000),
        lambda: lines.status_key(1, 10),
        lambda: lines.key_on(1, 1, 121),
        lambda: lines.dimmer(1, 1, 101),
        lambda: lines.dimmer(1, 1, 50, ramp=121),
        lambda: lines.blind(1, 1, 101),
        lambda: lines.scenario(10000),
        lambda: lines.status_ac(-1),
        lambda: lines.ac_setpoint(1, 14),
        lambda: lines.ac_full(1, M.COOL, F.LOW, 31, U.CELSIUS),
        lambda: lines.ac_full(1, M.COOL, F.LOW, 59, U.FAHRENHEIT),
        lambda: lines.ac_mode(1, M(7)),  # an unknown code is never sent
        lambda: lines.ac_fan(1, F(9)),
        lambda: lines.ac_unit(1, U(2)),
    ],
)
def test_builders_refuse_what_the_box_would_misread(build: object) -> None:
    assert callable(build)
    with pytest.raises(MessageError):
        build()


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        (b"S:PSW:OK", PasswordOk()),
        (b"OK", Ok()),
        (b"V:866", Version(8, 66, "8.66")),  # the only version a source shows
        (b"V:9", Version(9, 0, "9")),
        (b"V:1000", Version(1, 0, "1.000")),
        (b"V:10.05", Version(10, 5, "10.05")),
        (b"S:N018:2:o:030", KeyLine(18, 2, "o", 30)),
        (b"S:N018:2:O", KeyLine(18, 2, "O")),
        (b"S:N005:1:D:75", KeyLine(5, 1, "D", 75)),
        (b"S:N005:1:D:", KeyLine(5, 1, "D")),
        (b"S:N012:3:S", KeyLine(12, 3, "S")),
        (b"S:N012:3:M:2", KeyLine(12, 3, "M", 2)),
        (b"S:R0012:OK", ScenarioResult(12, True)),
        (b"S:R0012:ERROR", ScenarioResult(12, False)),
        (b"E:3:Wrong key number", ErrorLine("3", "Wrong key number")),
        (b"E:5", ErrorLine("5", "wrong scenario")),
        (b"E:N018:2:004", ErrorLine("004", "wrong key number (node 018, key 2)")),
        (b"ERROR", ErrorLine("", "ERROR")),
        (b"H:N018:2:O:030", Echo("H:N018:2:O:030")),
        (b"L:N009:4:O", Echo("L:N009:4:O")),
        (b"P:VITREA", Echo("P:VITREA")),
        (b"G:V:S", Echo("G:V:S")),
        (b"L:N009", Other("L:N009")),
        (b"J:N009", Other("J:N009")),
        (b"T:05:14:03:12:2026:4", Other("T:05:14:03:12:2026:4")),
        (b"S:I001:C", Other("S:I001:C")),
        (b"S:C:1", Other("S:C:1")),
        (b"OK\r\n", Ok()),
    ],
)
def test_box_lines_parse(line: bytes, parsed: object) -> None:
    assert parse_line(line) == parsed


def test_ac_status_line_of_the_doc() -> None:
    assert parse_line(b"S:A001:1:O:02:024:026:2:F:0") == ACLine(
        ACState(1, True, M.COOL, F.HIGH, 24, 26, ACType.TYPE_2, False, U.CELSIUS)
    )


def test_ac_fields_that_are_not_text_are_unknown_never_invented() -> None:
    parsed = parse_line(b"S:A002:1:F:\xff\xfe:\x80\x81:0-3:4:\x00:\xff")
    assert parsed == ACLine(ACState(2, False, None, None, None, None, ACType.TMSF, None, None))
    # A TMSF status with an unknown mode/fan and short line: no field made up.
    assert parse_line(b"S:A003:1:O:9") == ACLine(ACState(3, True))
    assert parse_line(b"S:A004:1:O:33:070:068:3:O:1") == ACLine(
        ACState(4, True, M.DRY, F.TOP, 70, 68, ACType.TYPE_3, True, U.FAHRENHEIT)
    )


@pytest.mark.parametrize(
    "line",
    [
        b"S:N018:x:O",
        b"S:N018:2",
        b"S:N018:2:OO",
        b"S:NABC:2:O",
        b"S:N018:2:O:1:2",
        b"S:A001:1:X:02",
        b"S:A001",
        b"S:Axyz:1:O",
        b"V:8a6",
        b"V:",
        b"Q:what",
        b"",
        b"S:R0012:MAYBE",
        b"\xff\xfe",
    ],
)
def test_malformed_lines_raise_naming_the_line(line: bytes) -> None:
    with pytest.raises(MessageError) as err:
        parse_line(line)
    assert repr(line.strip())[2:-1] in str(err.value)


# --------------------------------------------------------------------------- box side


@pytest.mark.parametrize(
    ("built", "command"),
    [
        (lines.keepalive(), Keepalive()),
        (lines.version_query(), VersionQuery()),
        (lines.status_all(), StatusQuery("all")),
        (lines.status_node(18), StatusQuery("node", 18)),
        (lines.status_key(18, 2), StatusQuery("key", 18, 2)),
        (b"H:N018:2:G\r\n", StatusQuery("key", 18, 2)),  # the other order one source sends
        (lines.status_ac(1), StatusQuery("ac", 1)),
        (b"H:I004:G", StatusQuery("input", 4)),
        (b"H:C:G", StatusQuery("occupancy")),
        (lines.key_on(18, 2, 30), KeyCommand(18, 2, "O", 30)),
        (b"H:N018:2:O:", KeyCommand(18, 2, "O", 0)),  # VC's plain on
        (lines.key_off(18, 2), KeyCommand(18, 2, "F")),
        (b"H:N018:2:F:000", KeyCommand(18, 2, "F")),  # VC's off
        (b"H:N018:2:T", KeyCommand(18, 2, "T")),
        (lines.dimmer(5, 1, 75, 3), DimmerCommand(5, 1, 75, 3)),
        (lines.dimmer_stop(5, 1), DimmerCommand(5, 1, 255)),
        (lines.blind(7, 3, 40), BlindCommand(7, 3, 40)),
        (lines.blind_stop(7, 3), BlindCommand(7, 3, 255)),
        (lines.scenario(12), ScenarioCommand(12)),
        (lines.led(9, 4, True), LedCommand(9, 4, True)),
        (lines.ac_full(1, M.COOL, F.HIGH, 24, U.CELSIUS), ACCommand(1, 1, ("O", "02", "024", "0"))),
        (lines.ac_power(1, False), ACCommand(1, 2, ("F",))),
        (lines.ac_mode(1, M.FAN), ACCommand(1, 3, ("2",))),
        (lines.ac_setpoint(1, 22), ACCommand(1, 5, ("022",))),
        (lines.ac_raise(1), ACCommand(1, 6)),
        (lines.ac_unit(1, U.CELSIUS), ACCommand(1, 8, ("0",))),
    ],
)
def test_the_box_parses_every_command_the_client_builds(built: bytes, command: object) -> None:
    assert parse_command(built) == command


@pytest.mark.parametrize(
    "line",
    [
        b"H:N018:22:O",
        b"H:N018:2:X",
        b"H:N018",
        b"H:A001:9",
        b"H:A001:1:F:02:024:0",  # sub 1 always carries O
        b"H:A001:1:O:2:024:0",
        b"H:A001:5:abc",
        b"H:A001:2:X",
        b"H:Q001:G",
        b"X:VITREA",
        b"H:N018:2:D:050",
        b"H:\xff",
        b"H:",
    ],
)
def test_the_box_refuses_malformed_commands(line: bytes) -> None:
    with pytest.raises(MessageError):
        parse_command(line)


def test_box_formatters_parse_back_on_the_client() -> None:
    state = ACState(7, True, M.HEAT, F.LOW, 26, 21, ACType.TYPE_1, False, U.CELSIUS)
    assert parse_line(commands.format_ac_line(state)) == ACLine(state)
    unknown = ACState(8, False)
    assert commands.format_ac_line(unknown) == b"S:A008:1:F:--:-:-:-:-:-\r\n"
    assert parse_line(commands.format_ac_line(unknown)) == ACLine(unknown)
    assert commands.format_key_line(18, 2, "o", 30) == b"S:N018:2:o:030\r\n"
    assert parse_line(commands.format_key_line(18, 2, "S")) == KeyLine(18, 2, "S")
    assert parse_line(commands.format_scenario_result(12, False)) == ScenarioResult(12, False)
    assert commands.format_version("8.66") == b"V:866\r\n"
    assert parse_line(commands.format_version("866")) == Version(8, 66, "8.66")
    assert parse_line(commands.format_error("3", "Wrong key")) == ErrorLine("3", "Wrong key")
    assert parse_line(commands.password_ok()) == PasswordOk()
    assert parse_line(commands.ok()) == Ok()
    with pytest.raises(MessageError):
        commands.format_version("v8")
