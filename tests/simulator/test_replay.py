"""Replay of a diagnostics file: its home served by the simulator, its frames decoded again."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.vitrea.vbox.enums import KeyPowerStatus
from custom_components.vitrea.vbox.installation import InstallationFormatError
from custom_components.vitrea.vbox.vtu.capture import FrameCapture
from custom_components.vitrea.vbox.vtu.client import VBoxClient
from custom_components.vitrea.vbox.vtu.enums import Direction
from custom_components.vitrea.vbox.vtu.messages import Heartbeat, KeyStatus
from simulator import large_installation, load_installation
from simulator import report as report_module
from simulator.replay import captured_key_states, installation_document, is_diagnostics, replay

from ..common import FAST, PASSWORD, USERNAME, running_box


def report(**data: Any) -> dict[str, Any]:
    """A diagnostics download as Home Assistant wraps it, for a two-node home."""
    capture = FrameCapture()
    capture.frame(Direction.TO_VBOX, Heartbeat().to_frame(1).to_bytes())
    for status in (
        KeyStatus(1, 0, KeyPowerStatus.ON, 30),
        KeyStatus(1, 0, KeyPowerStatus.SHORT),  # a press: not a state
        KeyStatus(2, 1, KeyPowerStatus.OFF),
        KeyStatus(1, 0, KeyPowerStatus.ON, 55),  # the later state wins
    ):
        capture.frame(Direction.FROM_VBOX, status.to_frame(0).to_bytes())
    body = {
        "connection": {"protocol_version": 2},
        "installation": large_installation(2).to_dict(),
        "key_states": [
            {"node": 1, "key": 0, "status": "ON", "level": 55, "timer": 0},
            {"node": 2, "key": 1, "status": "OFF", "level": 0, "timer": 0},
        ],
        "capture": capture.to_dict(),
        **data,
    }
    return {"home_assistant": {"version": "2026.10.4"}, "data": body}


def write(tmp_path: Path, document: Any) -> str:
    path = tmp_path / "diagnostics.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def test_a_report_is_recognised_wrapped_or_bare() -> None:
    document = report()
    assert is_diagnostics(document)
    assert is_diagnostics(document["data"])
    assert not is_diagnostics(large_installation(2).to_dict())
    assert not is_diagnostics([document])


async def test_simulator_serves_the_home_of_a_report(tmp_path: Path) -> None:
    installation, states = load_installation(write(tmp_path, report()))
    assert installation == large_installation(2)
    assert {(s.node_id, s.key_id): (s.status, s.level) for s in states} == {
        (1, 0): (KeyPowerStatus.ON, 55),
        (2, 1): (KeyPowerStatus.OFF, 0),
    }
    async with running_box(installation, states) as box:
        client = VBoxClient("127.0.0.1", box.port, USERNAME, PASSWORD, config=FAST)
        try:
            await client.connect()
            # Port 11501 tells nothing of the ACs and scenarios only port 11502 has.
            vtu_part = dataclasses.replace(installation, air_conditioners=(), scenarios=())
            assert await client.read_installation() == vtu_part
            assert client.key_states[(1, 0)].level == 55
        finally:
            await client.close()


@pytest.mark.parametrize(
    ("key_states", "message"),
    [
        ([{"node": 0, "status": "ON"}], "a key state is malformed"),
        ([{"node": 1, "key": 0, "status": "SIDEWAYS"}], "invalid key state"),
        ([{"node": 9, "key": 0, "status": "ON"}], "key 9/0, which does not exist"),
        ({"node": 0}, "'installation' or 'key_states' is malformed"),
    ],
)
def test_a_bad_report_is_refused_clearly(tmp_path: Path, key_states: Any, message: str) -> None:
    path = write(tmp_path, report(key_states=key_states))
    with pytest.raises(InstallationFormatError, match=message) as caught:
        load_installation(path)
    assert str(caught.value).startswith(path)


def test_captured_frames_decode_again() -> None:
    replayed = replay(report())
    assert [item.record["direction"] for item in replayed] == ["sent"] + ["received"] * 4
    assert replayed[0].message == Heartbeat()
    states = captured_key_states(replayed)
    assert {a: (s.status, s.level) for a, s in states.items()} == {
        (1, 0): (KeyPowerStatus.ON, 55),
        (2, 1): (KeyPowerStatus.OFF, 0),
    }


def test_a_damaged_frame_is_reported_not_fatal() -> None:
    document = report()
    frames = document["data"]["capture"]["frames"]
    frames[1]["hex"] = frames[1]["hex"][:-2] + "00"  # wrong checksum
    frames[2]["hex"] = "zz"
    replayed = replay(document)
    assert [bool(item.error) for item in replayed] == [False, True, True, False, False]
    assert "checksum" in str(replayed[1].error)
    assert replayed[1].to_dict()["hex"] == frames[1]["hex"]
    with pytest.raises(InstallationFormatError):
        replay({"rooms": []})
    with pytest.raises(InstallationFormatError):
        installation_document({"rooms": []})


def test_replay_command_prints_each_frame(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report_module.main([write(tmp_path, report())]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["message"] for line in lines] == ["Heartbeat"] + ["KeyStatus"] * 4
    assert lines[1]["fields"]["level"] == 30
    assert lines[1]["direction"] == "received"

    demo = Path(__file__).parent / "reports" / "demo-home.json"
    assert report_module.main([str(demo)]) == 0
    messages = {json.loads(line)["message"] for line in capsys.readouterr().out.splitlines()}
    assert {"Login", "KeyParameters", "NodeMetaData", "KeyStatus"} <= messages

    assert report_module.main([str(tmp_path / "missing.json")]) == 2
    assert "replay: error" in capsys.readouterr().err
    assert report_module.main([]) == 2


REPORTS = sorted((Path(__file__).parent / "reports").glob("*.json"))


@pytest.mark.parametrize("path", REPORTS, ids=[p.stem for p in REPORTS])
def test_reports_decode_as_they_say(path: Path) -> None:
    """Every report kept in tests/simulator/reports/ (a user's download, or the demo home's):
    its captured frames still decode, to the key states it shows."""
    document = json.loads(path.read_text(encoding="utf-8"))
    replayed = replay(document)
    assert replayed
    assert [item.error for item in replayed if item.error] == []
    reported = {(s["node"], s["key"]): s for s in document["data"]["key_states"]}
    captured = captured_key_states(replayed)
    assert captured
    for (node, key), status in captured.items():
        assert reported[(node, key)]["status"] == status.status.name
        assert reported[(node, key)]["level"] == status.level


@pytest.mark.parametrize("path", REPORTS, ids=[p.stem for p in REPORTS])
async def test_reports_serve_their_home(path: Path) -> None:
    """The home of each kept report, served by the simulator, reads back the same."""
    installation, states = load_installation(str(path))
    async with running_box(installation, states) as box:
        client = VBoxClient("127.0.0.1", box.port, USERNAME, PASSWORD, config=FAST)
        try:
            await client.connect()
            assert await client.read_installation() == installation
            assert {a: (s.status, s.level) for a, s in client.key_states.items()} == {
                (s.node_id, s.key_id): (s.status, s.level) for s in states
            }
        finally:
            await client.close()
