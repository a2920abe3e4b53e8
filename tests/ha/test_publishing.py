"""What a published repository promises: licence, quality scale, versions that match HA's."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml
from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as HA_VERSION
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration

ROOT = Path(__file__).resolve().parents[2]
# What scripts/develop's Home Assistant sets up that has requirements, onboarding's
# integrations included; the browser test fails if Home Assistant installs anything.
DEVELOP_DOMAINS = (
    "assist_pipeline",
    "assist_satellite",
    "camera",
    "conversation",
    "ffmpeg",
    "frontend",
    "google_translate",
    "infrared",
    "isal",
    "met",
    "radio_browser",
    "radio_frequency",
    "tts",
)
INTEGRATION = ROOT / "custom_components" / "vitrea"


def test_license_is_the_one_pyproject_names() -> None:
    """LICENSE holds the whole Apache 2.0 text, the licence pyproject.toml declares."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text.split("\n", 3)[1]
    assert "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert len(text) > 10_000  # the terms themselves, not a pointer to them


def test_quality_scale_says_what_is_not_done() -> None:
    """Every rule has a status; what is not done says why; no rule claims past its basis."""
    rules = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
    status = {
        name: rule if isinstance(rule, str) else rule["status"] for name, rule in rules.items()
    }
    assert set(status.values()) <= {"done", "todo", "exempt"}
    unexplained = [
        name
        for name, rule in rules.items()
        if status[name] != "done" and not (isinstance(rule, dict) and rule.get("comment"))
    ]
    assert not unexplained
    # Updating a discovered box's address cannot be settled while discovery is not done.
    if status["discovery"] != "done":
        assert status["discovery-update-info"] == "todo"
    # The library is bundled, not a published requirement: the rule is not met.
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    if not manifest["requirements"]:
        assert status["dependency-transparency"] == "todo"


def test_hacs_minimum_is_not_newer_than_the_tested_home_assistant() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert AwesomeVersion(hacs["homeassistant"]) <= AwesomeVersion(HA_VERSION)


async def test_dev_requirements_are_the_versions_home_assistant_pins(hass: HomeAssistant) -> None:
    """The packages installed for scripts/develop are those HA would ask for.

    Otherwise Home Assistant installs its own versions during its first start, which
    fails where they must be compiled (the UI stays on "Loading…", issue 11), and
    answers the UI with errors until it is done.
    """
    pinned = dict(
        re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (ROOT / "requirements_test.txt").read_text(), re.M)
    )
    for domain in DEVELOP_DOMAINS:
        integration = await async_get_integration(hass, domain)
        for requirement in integration.requirements:
            name, version = requirement.split("==")
            assert pinned.get(name) == version, f"{domain} needs {requirement}"
