"""The push coordinator: owns the vBox client and turns its callbacks into HA updates.

Nothing polls. Every key status the box pushes (or answers) reaches only the
entities of its key (O(1) per push); ``data`` is an immutable snapshot of the key
states shown (never the client's live dict), and they are published whole when the
link comes back with every state fresh. The connection listener drives availability; key
presses reach the event entities and the ``vitrea_key_event`` bus event.
A press the box reports back within ``ECHO_WINDOW_S`` after Home Assistant sent
the same press to the same key is that press's echo, not a press on the wall: it
reaches nobody (one echo per press sent).
The coordinator owns the installation's ``topology`` (topology.py) and the keypads'
``node_settings`` (node_settings.py). An AC's states reach its entity alone too.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from homeassistant.components.event import ButtonEventType
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from . import issues
from .const import DOMAIN, EVENT_KEY_EVENT, LOGGER
from .dispatch import ByAddress
from .error_translation import translate_errors
from .node_settings import NodeSettingsTracker
from .protocols import host_client
from .topology import Topology
from .vbox import (
    ACState,
    BoxClient,
    CommandRejectedError,
    ConnectionState,
    Installation,
    KeyAddress,
    KeyPowerStatus,
    KeyStatus,
    NotConnectedError,
    VBoxError,
)

type VitreaConfigEntry = ConfigEntry[VitreaCoordinator]
type KeyStatusListener = Callable[[KeyStatus], None]
type PressListener = Callable[[ButtonEventType], None]

# Press actions as they appear in the vitrea_key_event bus event.
PRESS_ACTIONS: dict[KeyPowerStatus, str] = {
    KeyPowerStatus.SHORT: "short",
    KeyPowerStatus.LONG: "long",
    KeyPowerStatus.RELEASED: "release",
}
# How long after a press Home Assistant sent was answered the box's report of it
# counts as its echo. A real box may not echo at all: then a wall press of the same
# key and kind within this window is taken for the echo, so it is kept short.
ECHO_WINDOW_S = 2.0


@dataclasses.dataclass(slots=True, eq=False)  # each press is itself, whatever its time
class _SentPress:
    """A press Home Assistant sent; its echo may come until ``until`` (loop time)."""

    until: float = math.inf  # in flight: the box may report it before it answers


class VitreaCoordinator(DataUpdateCoordinator[Mapping[KeyAddress, KeyStatus]]):
    """Key states by (node, key); pushed by the box, never polled."""

    config_entry: VitreaConfigEntry
    _states: dict[KeyAddress, KeyStatus]  # what entities show, by key
    _snapshot: Mapping[KeyAddress, KeyStatus] | None  # data, until the next change

    def __init__(
        self,
        hass: HomeAssistant,
        entry: VitreaConfigEntry,
        client: BoxClient,
        installation: Installation,
        store: Store[dict[str, Any]],
    ) -> None:
        super().__init__(hass, LOGGER, config_entry=entry, name=DOMAIN, update_interval=None)
        self.client = client
        self.data = client.key_states  # a copy: see the data property
        self.node_settings = NodeSettingsTracker(
            hass, entry, client, installation, self.async_update_listeners
        )
        self.topology = Topology(
            hass,
            entry,
            client,
            installation,
            store,
            settings=self.node_settings,
            on_change=self.async_update_listeners,
        )
        self._state_listeners: ByAddress[KeyAddress, KeyStatus] = ByAddress()
        self._press_listeners: ByAddress[KeyAddress, ButtonEventType] = ByAddress()
        self._ac_listeners: ByAddress[int, ACState] = ByAddress()
        self._sent_presses: dict[tuple[int, int, KeyPowerStatus], list[_SentPress]] = {}
        # Per key, the link drop count when a long press started and its release was
        # due; after a drop that release may never be reported, or belong to another press.
        self._long_presses: dict[KeyAddress, int] = {}
        self._unsubscribe: list[Callable[[], None]] = []
        self._unsub_stop: Callable[[], None] | None = None
        self._unsub_link_check: Callable[[], None] | None = None
        self._unsub_unavailable: Callable[[], None] | None = None
        # The link as last announced by the client: states read back while it is
        # reconnecting are not shown until every one of them is fresh again.
        self._connected = True
        # Counts link drops: what a press started before one may never see its end.
        self.link_drops = 0

    @property
    def installation(self) -> Installation:
        """The installation in use (the topology's, replaced when the box's changed)."""
        return self.topology.installation

    @property
    def show_mirror_keys(self) -> bool:
        return self.topology.show_mirror_keys

    # ------------------------------------------------------------------ lifecycle

    @callback
    def async_start(self) -> None:
        """Listen to the client (connected, with the installation read)."""
        self._unsubscribe = [
            self.client.add_key_listener(self._on_key_status),
            self.client.add_connection_listener(self._on_connection),
        ]
        if (host := host_client(self.client)) is not None:
            self._unsubscribe.append(host.add_ac_listener(self._on_ac_state))
        # Entries are not unloaded when HA stops: free the box's only slot anyway.
        self._unsub_stop = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, self._async_on_hass_stop
        )
        # The link may have dropped (or the login been refused) since connect():
        # what nobody listened to then is taken up now.
        state = self.client.state
        if state is not None and state is not ConnectionState.CONNECTED:
            self._on_connection(state)

    async def _async_on_hass_stop(self, _event: Event) -> None:
        self._unsub_stop = None
        await self.client.close()

    async def async_shutdown(self) -> None:
        """Stop listening and close the connection (the box takes one client)."""
        await super().async_shutdown()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if self._unsub_stop is not None:
            self._unsub_stop()
            self._unsub_stop = None
        self._stop_link_check()
        self._cancel_unavailable_later()
        issues.async_clear_box_busy(self.hass, self.config_entry)
        await self.client.close()

    async def _async_update_data(self) -> Mapping[KeyAddress, KeyStatus]:
        """Only reached through homeassistant.update_entity: states are pushed."""
        if not (self._connected and self.client.connected):
            raise UpdateFailed(translation_domain=DOMAIN, translation_key="not_connected")
        return self.data

    @property  # a snapshot built on demand, not an attribute
    def data(self) -> Mapping[KeyAddress, KeyStatus]:
        """Every key state shown, as an immutable snapshot (taken when first asked for
        after a change: a push costs no copy)."""
        if self._snapshot is None:
            self._snapshot = MappingProxyType(dict(self._states))
        return self._snapshot

    @data.setter
    def data(self, states: Mapping[KeyAddress, KeyStatus] | None) -> None:
        self._states = dict(states or {})
        self._snapshot = None

    def key_state(self, address: KeyAddress) -> KeyStatus | None:
        """The state shown for one key (None until the box reported it)."""
        return self._states.get(address)

    @callback
    def _async_publish_states(self) -> None:
        """Show the client's states, every one of them, to every entity."""
        self.async_set_updated_data(self.client.key_states)

    async def async_read_states(self, *, topology_read: bool) -> None:
        """After setup, in the background: every key's state, then the topology if it
        came from the cache. Entities exist already; each shows its state as it comes.
        """
        self.topology.verified = topology_read
        try:
            await self.client.read_key_states(self.installation.active_keys())
        except VBoxError as err:
            # The client reads them again once it is back.
            LOGGER.debug("Could not read the Vitrea key states: %s", err)
            return
        self.async_update_listeners()  # every state read (or known to be unknown)
        if not topology_read:
            await self.topology.async_refresh()

    # ------------------------------------------------------------------ pushes

    @callback
    def async_add_press_listener(
        self, address: KeyAddress, listener: PressListener
    ) -> Callable[[], None]:
        """Call ``listener`` with the button event of every press on the wall of ``address``."""
        return self._press_listeners.add(address, listener)

    @callback
    def async_add_ac_listener(
        self, ac_id: int, listener: Callable[[ACState], None]
    ) -> Callable[[], None]:
        """Call ``listener`` with every state the box reports for the AC ``ac_id``."""
        return self._ac_listeners.add(ac_id, listener)

    @callback
    def _on_ac_state(self, state: ACState) -> None:
        self._ac_listeners.notify(state.ac_id, state)

    @callback
    def async_add_state_listener(
        self, address: KeyAddress, listener: KeyStatusListener
    ) -> Callable[[], None]:
        """Call ``listener`` with every new state of the key at ``address`` (not presses)."""
        return self._state_listeners.add(address, listener)

    @callback
    def _on_key_status(self, status: KeyStatus, requested: bool) -> None:
        if status.status.is_press:
            # A press state read back by us (after a reconnect, or late) is no new press.
            if not requested and not self._is_echo(status):
                self._fire_press(status)
            return
        if self._connected:  # else shown once every state is fresh again
            self._states[status.node_id, status.key_id] = status
            self._snapshot = None
            self._state_listeners.notify((status.node_id, status.key_id), status)

    def _presses_sent(self, node_id: int, key_id: int, action: KeyPowerStatus) -> list[_SentPress]:
        """The presses sent to a key whose echo may still come (the older ones dropped)."""
        sent = self._sent_presses.setdefault((node_id, key_id, action), [])
        now = self.hass.loop.time()
        sent[:] = [press for press in sent if press.until > now]
        return sent

    def _is_echo(self, status: KeyStatus) -> bool:
        """Whether a press is the box's report of one Home Assistant sent (used up once)."""
        sent = self._presses_sent(status.node_id, status.key_id, status.status)
        if not sent:
            return False
        sent.pop(0)
        LOGGER.debug(
            "Key %s/%s: the box reported the press Home Assistant sent; not a wall press",
            status.node_id,
            status.key_id,
        )
        return True

    def _press_event(self, status: KeyStatus) -> ButtonEventType | None:
        """The button event of a press on the wall; None for a release of no long press."""
        address = (status.node_id, status.key_id)
        long_press_since = self._long_presses.pop(address, None)
        if status.status is KeyPowerStatus.SHORT:
            return ButtonEventType.PRESS_END
        if status.status is KeyPowerStatus.LONG:
            self._long_presses[address] = self.link_drops
            return ButtonEventType.LONG_PRESS_START
        # A release after a link drop may belong to a press we never saw begin.
        return ButtonEventType.LONG_PRESS_END if long_press_since == self.link_drops else None

    def _fire_press(self, status: KeyStatus) -> None:
        event_type = self._press_event(status)
        if event_type is not None:
            self._press_listeners.notify((status.node_id, status.key_id), event_type)
        node = self.installation.node(status.node_id)
        key = node.key(status.key_id) if node else None
        self.hass.bus.async_fire(
            EVENT_KEY_EVENT,
            {
                "device_id": self.topology.node_device_id(node) if node else None,
                "node": status.node_id,
                "key": status.key_id,
                "name": key.name if key else None,
                "action": PRESS_ACTIONS[status.status],
                # What the key's event entity shows, None when it ignores the press.
                "event_type": event_type.value if event_type else None,
            },
        )

    @callback
    def _on_connection(self, state: ConnectionState) -> None:
        self._connected = state is ConnectionState.CONNECTED
        self._cancel_unavailable_later()
        if state is ConnectionState.DISCONNECTED:
            self.link_drops += 1
            self._start_link_check()
            # Home Assistant skips actions on unavailable entities without a word, so
            # they stay available as long as an action waits for the link: within that
            # a blip goes unnoticed, and an action is carried out or fails clearly.
            self._unsub_unavailable = async_call_later(
                self.hass, self.client.config.link_wait, self._async_link_down
            )
            return
        self._stop_link_check()
        if state is ConnectionState.AUTH_FAILED:
            LOGGER.warning(
                "The vBox at %s refused the login; asking to re-authenticate", self.client.host
            )
            self.config_entry.async_start_reauth(self.hass)
            self._async_mark_unavailable()
            return
        if not self.last_update_success:
            LOGGER.info("Connection to the vBox at %s is back", self.client.host)
        issues.async_clear_box_busy(self.hass, self.config_entry)
        self._async_publish_states()
        # A box is reprogrammed (nodes added, removed, rewired) by restarting it:
        # a reconnect is when its topology may have changed.
        self.config_entry.async_create_background_task(
            self.hass, self.topology.async_refresh(), "vitrea topology refresh"
        )

    @callback
    def _async_link_down(self, _now: datetime) -> None:
        self._unsub_unavailable = None
        LOGGER.warning(
            "Lost the connection to the vBox at %s; entities are unavailable until it is back",
            self.client.host,
        )
        self._async_mark_unavailable()

    @callback
    def _async_mark_unavailable(self) -> None:
        self.last_update_success = False
        self.async_update_listeners()

    def _cancel_unavailable_later(self) -> None:
        if self._unsub_unavailable is not None:
            self._unsub_unavailable()
            self._unsub_unavailable = None

    def _start_link_check(self) -> None:
        if self._unsub_link_check is None:
            self._unsub_link_check = async_track_time_interval(
                self.hass,
                self._async_check_link,
                timedelta(seconds=issues.LINK_CHECK_INTERVAL_S),
                name="vitrea link check",
            )

    def _stop_link_check(self) -> None:
        if self._unsub_link_check is not None:
            self._unsub_link_check()
            self._unsub_link_check = None

    @callback
    def _async_check_link(self, _now: datetime) -> None:
        """While reconnecting: a box held "in use" for long becomes a repair issue."""
        issues.async_connection_failed(self.hass, self.config_entry, self.client.last_error)

    # ------------------------------------------------------------------ commands

    async def async_set_key(
        self,
        node_id: int,
        key_id: int,
        action: KeyPowerStatus,
        *,
        dimmer: int = 0,
        timer: int = 0,
    ) -> None:
        """Send a key command; the new state arrives as a push."""
        with translate_errors(), self._sending(node_id, key_id, action):
            await self.client.set_key(node_id, key_id, action, dimmer=dimmer, timer=timer)

    @contextmanager
    def _sending(self, node_id: int, key_id: int, action: KeyPowerStatus) -> Iterator[None]:
        """Expect the echo of a press while it is sent and for ECHO_WINDOW_S after."""
        if not action.is_press:
            yield
            return
        press = _SentPress()
        sent = self._presses_sent(node_id, key_id, action)
        sent.append(press)
        try:
            yield
        except NotConnectedError, CommandRejectedError:
            # Never carried out: no echo will come.
            if press in sent:
                sent.remove(press)
            raise
        finally:
            press.until = self.hass.loop.time() + ECHO_WINDOW_S
