"""A throw-away Home Assistant, a simulated box, and the config flow between them."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Final

from homeassistant import bootstrap
from homeassistant.config_entries import ConfigEntry, ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.runner import RuntimeConfig

from custom_components.vitrea.const import DOMAIN
from custom_components.vitrea.vbox import Installation, KeyStatus, Protocol
from simulator import VBoxSimulator
from tools.harness.ports import BoxServer

USERNAME: Final = "admin"
PASSWORD: Final = "harness-pass"

_REPO: Final = Path(__file__).resolve().parents[2]  # the repository
_LOAD_TIMEOUT_S: Final = 60.0
_STILL_LOADING: Final = (ConfigEntryState.SETUP_RETRY, ConfigEntryState.SETUP_IN_PROGRESS)
_CONFIGURATION: Final = "homeassistant:\n  name: Vitrea harness\n"


@asynccontextmanager
async def home_assistant(log_file: Path | None = None) -> AsyncIterator[HomeAssistant]:
    """A running Home Assistant with an empty configuration in a temporary folder.

    Its log goes to ``log_file`` (default: home-assistant.log in that folder), not
    to the terminal: the callers print figures. Stopped, and the folder removed, on exit.
    """
    folder = Path(tempfile.mkdtemp(prefix="vitrea-harness-"))
    root = logging.getLogger()
    root_handlers, root_level = list(root.handlers), root.level
    try:
        (folder / "configuration.yaml").write_text(_CONFIGURATION)
        _web_server_on_a_free_port(folder)
        (folder / "custom_components").symlink_to(_REPO / "custom_components")
        log = log_file or folder / "home-assistant.log"
        # A handler on the root logger makes bootstrap's basicConfig a no-op: no
        # terminal output, and integrations we do not ship (assist needs packages
        # this machine has no build of) fail quietly into the file.
        root.addHandler(logging.FileHandler(log))
        hass = await bootstrap.async_setup_hass(
            RuntimeConfig(config_dir=str(folder), skip_pip=True, log_file=str(log))
        )
        if hass is None:
            raise RuntimeError(f"Home Assistant did not start; see {log}")
        try:
            await hass.async_start()
            if hass.config.recovery_mode:
                # It loads no custom integration then: say why instead of "not found".
                raise RuntimeError(f"Home Assistant started in recovery mode; see {log}")
            yield hass
        finally:
            await hass.async_stop()
    finally:
        _restore_logging(root, root_handlers, root_level)
        # In a thread: Home Assistant reports blocking calls made in the event loop.
        await asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True)


def _web_server_on_a_free_port(config_dir: Path) -> None:
    """Home Assistant's web server (it always starts) on a free loopback port.

    On 8123 it would clash with another harness (a benchmark beside a soak run) or
    a real instance, and Home Assistant would fall back to recovery mode, without
    custom integrations. Not through ``http:`` in configuration.yaml: that becomes
    a trial configuration, reverted after five minutes by restarting Home
    Assistant. A stored configuration in the first storage version is what Home
    Assistant migrates and confirms itself, filling in the defaults.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    storage = config_dir / ".storage"
    storage.mkdir()
    stored = {
        "version": 1,
        "minor_version": 1,
        "key": "http",
        "data": {"server_host": ["127.0.0.1"], "server_port": port},
    }
    (storage / "http").write_text(json.dumps(stored))


def _restore_logging(root: logging.Logger, handlers: list[logging.Handler], level: int) -> None:
    """Undo what Home Assistant did to the root logger, closing what it left writing.

    It moves the root handlers (ours and any the caller had) behind a queue whose
    thread writes the records; a closed file handler left there would reopen its
    file, in the folder being removed, on the next record.
    """
    for handler in root.handlers[:]:
        if handler in handlers:
            continue
        root.removeHandler(handler)
        listener = getattr(handler, "listener", None)
        moved: list[logging.Handler] = list(getattr(listener, "handlers", ()))
        handler.close()  # a queue handler stops its thread once the queue is written
        for other in moved:
            if other not in handlers:
                other.close()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


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


async def add_box(
    hass: HomeAssistant, box: BoxServer, protocol: Protocol = Protocol.VTU
) -> ConfigEntry:
    """Add the box through the config flow, as a person would; return the loaded entry."""
    return await add_box_at(hass, box.port, protocol)


async def add_box_at(
    hass: HomeAssistant, port: int, protocol: Protocol = Protocol.VTU
) -> ConfigEntry:
    """``add_box`` for a box reached through another port (e.g. a ``WireTap``'s)."""
    result = await _config_flow(hass, port, protocol)
    if result["type"] is not FlowResultType.CREATE_ENTRY:
        raise RuntimeError(f"the config flow did not create an entry: {result}")
    entry = result["result"]
    await hass.async_block_till_done()
    # On a loaded machine the box may still count the flow's test connection when the
    # entry connects: it answers "in use" and the entry retries by itself (seconds).
    try:
        async with asyncio.timeout(_LOAD_TIMEOUT_S):
            while entry.state is not ConfigEntryState.LOADED:
                if entry.state not in _STILL_LOADING:
                    raise RuntimeError(f"the entry did not load: {entry.state} {entry.reason}")
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise RuntimeError(f"the entry did not load: {entry.state} {entry.reason}") from None
    return entry


async def _config_flow(hass: HomeAssistant, port: int, protocol: Protocol) -> ConfigFlowResult:
    """The user flow as a person goes through it: how to connect, then the box's address."""
    flow = hass.config_entries.flow
    result = await flow.async_init(DOMAIN, context={"source": "user"})
    if result["type"] is FlowResultType.MENU:
        result = await flow.async_configure(result["flow_id"], {"next_step_id": str(protocol)})
    data: dict[str, Any] = {CONF_HOST: "127.0.0.1", CONF_PORT: port}
    if protocol is Protocol.VTU:
        data |= {CONF_USERNAME: USERNAME, CONF_PASSWORD: PASSWORD}
    return await flow.async_configure(result["flow_id"], data)


def entry_entity_ids(hass: HomeAssistant, entry: ConfigEntry) -> set[str]:
    """Every entity the entry registered (enabled or not)."""
    registry = er.async_get(hass)
    return {e.entity_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)}
