"""A throw-away Home Assistant, a simulated box, and the config flow between them."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Final

from homeassistant import bootstrap
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.runner import RuntimeConfig

from custom_components.vitrea.const import DOMAIN
from custom_components.vitrea.vbox.installation import Installation
from custom_components.vitrea.vbox.messages import KeyStatus
from custom_components.vitrea.vbox.simulator import VBoxSimulator

USERNAME: Final = "admin"
PASSWORD: Final = "harness-pass"

_REPO: Final = Path(__file__).resolve().parent.parent
_CONFIGURATION: Final = "homeassistant:\n  name: Vitrea harness\n"


@asynccontextmanager
async def home_assistant(log_file: Path | None = None) -> AsyncIterator[HomeAssistant]:
    """A running Home Assistant with an empty configuration in a temporary folder.

    Its log goes to ``log_file`` (default: home-assistant.log in that folder), not
    to the terminal: the callers print figures. Stopped, and the folder removed, on exit.
    """
    with tempfile.TemporaryDirectory(prefix="vitrea-harness-") as folder:
        config_dir = Path(folder)
        (config_dir / "configuration.yaml").write_text(_CONFIGURATION)
        (config_dir / "custom_components").symlink_to(_REPO / "custom_components")
        log = log_file or config_dir / "home-assistant.log"
        # A handler on the root logger makes bootstrap's basicConfig a no-op: no
        # terminal output, and integrations we do not ship (assist needs packages
        # this machine has no build of) fail quietly into the file.
        handler = logging.FileHandler(log)
        root = logging.getLogger()
        root.addHandler(handler)
        try:
            hass = await bootstrap.async_setup_hass(
                RuntimeConfig(config_dir=folder, skip_pip=True, log_file=str(log))
            )
            if hass is None:
                raise RuntimeError(f"Home Assistant did not start; see {log}")
            await hass.async_start()
            try:
                yield hass
            finally:
                await hass.async_stop()
        finally:
            root.removeHandler(handler)
            handler.close()


@asynccontextmanager
async def simulated_box(
    installation: Installation, states: Iterable[KeyStatus] = (), *, latency: float = 0.0
) -> AsyncIterator[VBoxSimulator]:
    """A simulator with the harness login on a free loopback port, stopped on exit."""
    box = VBoxSimulator(
        installation, username=USERNAME, password=PASSWORD, states=states, latency=latency
    )
    await box.start()
    try:
        yield box
    finally:
        await box.stop()


async def add_box(hass: HomeAssistant, box: VBoxSimulator) -> ConfigEntry:
    """Add the box through the config flow, as a person would; return the loaded entry."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": "user"},
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: box.port,
            CONF_USERNAME: USERNAME,
            CONF_PASSWORD: PASSWORD,
        },
    )
    if result["type"] is not FlowResultType.CREATE_ENTRY:
        raise RuntimeError(f"the config flow did not create an entry: {result}")
    entry = result["result"]
    await hass.async_block_till_done()
    if entry.state is not ConfigEntryState.LOADED:
        raise RuntimeError(f"the entry did not load: {entry.state}")
    return entry


def entry_entity_ids(hass: HomeAssistant, entry: ConfigEntry) -> set[str]:
    """Every entity the entry registered (enabled or not)."""
    registry = er.async_get(hass)
    return {e.entity_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)}
