"""Replay a diagnostics download: the home it describes, and its captured frames decoded.

A diagnostics file (what Home Assistant's *Download diagnostics* returns for a
Vitrea entry, or just its ``data`` part) holds the installation, every key state
and the frames the client last saw (see the library's ``vtu/capture.py``).
``installation_document`` turns it into the simulator's installation format, so a
user's report becomes a reproducible setup; ``replay`` decodes the captured frames
again, and ``captured_key_states`` says what the KeyStatus frames among them left
each key at.

``python -m simulator.report FILE.json`` prints every captured frame decoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from custom_components.vitrea.vbox import (
    FrameError,
    InstallationFormatError,
    KeyStatus,
    MessageError,
    ProtocolVersion,
)
from custom_components.vitrea.vbox.vtu.frames import Frame
from custom_components.vitrea.vbox.vtu.messages import Message, decode

__all__ = [
    "ReplayedFrame",
    "captured_key_states",
    "diagnostics_data",
    "installation_document",
    "is_diagnostics",
    "replay",
]


@dataclass(frozen=True, slots=True)
class ReplayedFrame:
    record: dict[str, Any]  # the captured entry: time, direction, source, hex
    message: Message | None  # None when the frame or its payload does not decode
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {k: self.record.get(k) for k in ("time", "direction", "source")}
        if self.message is not None:
            out["message"] = type(self.message).__name__  # KeyParameters has a "name" field
            out["fields"] = self.message.to_dict()
        else:
            out["error"] = self.error
            out["hex"] = self.record.get("hex")
        return out


def diagnostics_data(document: Any) -> dict[str, Any] | None:
    """The integration's part of a diagnostics file, or None if it is not one."""
    if not isinstance(document, dict):
        return None
    data = document.get("data", document)  # the full download wraps it in "data"
    if isinstance(data, dict) and "installation" in data and "key_states" in data:
        return data
    return None


def is_diagnostics(document: Any) -> bool:
    return diagnostics_data(document) is not None


def installation_document(document: Any) -> dict[str, Any]:
    """The installation and states of a diagnostics file, as the simulator loads a JSON file."""
    data = diagnostics_data(document)
    if data is None:
        raise InstallationFormatError("not a Vitrea diagnostics file")
    installation = data["installation"]
    states = data["key_states"]
    if not isinstance(installation, dict) or not isinstance(states, list):
        raise InstallationFormatError("diagnostics: 'installation' or 'key_states' is malformed")
    try:
        converted = [
            {
                "node_id": state["node"],
                "key_id": state["key"],
                "status": state["status"],
                "level": state.get("level", 0),
                "timer": state.get("timer", 0),
            }
            for state in states
        ]
    except (KeyError, TypeError, AttributeError) as err:
        raise InstallationFormatError(f"diagnostics: a key state is malformed: {err!r}") from None
    return {**installation, "states": converted}


def replay(document: Any) -> list[ReplayedFrame]:
    """Decode every captured frame again, in capture order."""
    data = diagnostics_data(document)
    if data is None:
        raise InstallationFormatError("not a Vitrea diagnostics file")
    version = _layout(data)
    out: list[ReplayedFrame] = []
    for record in (data.get("capture") or {}).get("frames") or ():
        try:
            frame = Frame.from_bytes(bytes.fromhex(str(record["hex"])))
            out.append(ReplayedFrame(record, decode(frame, version)))
        except (KeyError, TypeError, ValueError, FrameError, MessageError) as err:
            out.append(ReplayedFrame(record, None, f"{type(err).__name__}: {err}"))
    return out


def captured_key_states(replayed: list[ReplayedFrame]) -> dict[tuple[int, int], KeyStatus]:
    """The last state (not a press) each key was reported in by a received KeyStatus frame."""
    states: dict[tuple[int, int], KeyStatus] = {}
    for item in replayed:
        message = item.message
        if (
            item.record.get("direction") == "received"
            and isinstance(message, KeyStatus)
            and not message.status.is_press
        ):
            states[(message.node_id, message.key_id)] = message
    return states


def _layout(data: dict[str, Any]) -> ProtocolVersion | None:
    version = (data.get("connection") or {}).get("protocol_version")
    try:
        return ProtocolVersion(version) if version is not None else None
    except ValueError:
        return None
