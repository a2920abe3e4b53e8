"""Every text the integration can show exists in English and in Hebrew."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path
from typing import Any

import pytest

from custom_components.vitrea import error_translation
from custom_components.vitrea.mapping import Kind
from custom_components.vitrea.vbox import AckType, errors

PACKAGE = Path(error_translation.__file__).parent
ENGLISH = json.loads((PACKAGE / "translations" / "en.json").read_text(encoding="utf-8"))
HEBREW = json.loads((PACKAGE / "translations" / "he.json").read_text(encoding="utf-8"))
ICONS = json.loads((PACKAGE / "icons.json").read_text(encoding="utf-8"))


def _strings(tree: Any, prefix: str = "") -> dict[str, str]:
    if not isinstance(tree, dict):
        return {prefix: tree}
    out: dict[str, str] = {}
    for name, sub in tree.items():
        out.update(_strings(sub, f"{prefix}.{name}" if prefix else name))
    return out


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def test_hebrew_has_every_string_with_the_same_placeholders() -> None:
    english, hebrew = _strings(ENGLISH), _strings(HEBREW)
    assert hebrew.keys() == english.keys()
    for key, text in english.items():
        assert _placeholders(hebrew[key]) == _placeholders(text), key
        assert hebrew[key].strip(), key


def test_every_translation_key_in_the_code_has_a_text() -> None:
    used = {
        key
        for path in PACKAGE.glob("*.py")
        if path.name != "config_flow.py"  # its steps and errors: test_config_flow.py
        for key in re.findall(r'translation_key="(\w+)"', path.read_text(encoding="utf-8"))
    }
    # Names built from a Kind (entity.py), the generic "key" name, a node without a room.
    used |= {"led_level", "child_lock", "key", "node"}
    for kind in (Kind.BOILER_OFF_AT, Kind.PRESSES):  # not named after their key
        used |= {kind.value, f"{kind.value}_of_key"}
    known = {key.split(".")[-2] for key in _strings(ENGLISH) if key.endswith((".name", ".message"))}
    assert used <= known


@pytest.mark.parametrize(
    "error",
    [
        errors.NotConnectedError("x"),
        errors.ConnectionLostError("x"),
        errors.CannotConnectError("x"),
        errors.VBoxTimeoutError("x"),
        errors.BoxBusyError("x"),
        errors.CommandRejectedError("ToggleKeyStatus", AckType.ERROR),
        errors.FrameError("x"),
    ],
)
def test_every_command_error_has_a_translated_message(error: errors.VBoxError) -> None:
    key = error_translation.error_key(error)
    message = ENGLISH["exceptions"][key]["message"]
    assert _placeholders(message) == set()  # no exception text shown to people


def test_icons_belong_to_translated_entities() -> None:
    for platform, entities in ICONS["entity"].items():
        for key in entities:
            assert key in ENGLISH["entity"][platform], f"{platform}.{key}"
    assert ICONS["services"].keys() == ENGLISH["services"].keys()
