"""The pieces under test and the knobs the soak run's tasks share."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant

from custom_components.vitrea.coordinator import VitreaCoordinator
from custom_components.vitrea.vbox import BoxClient, ConnectionState, Protocol
from simulator import VBoxSimulator
from tools.harness import BoxServer, WireTap
from tools.soak.expect import Difference, differences

POLL_S = 0.05


class Gate:
    """Lets a task through unless someone holds it closed (holds nest)."""

    def __init__(self) -> None:
        self._holds = 0
        self._open = asyncio.Event()
        self._open.set()

    @contextmanager
    def closed(self) -> Iterator[None]:
        self._holds += 1
        self._open.clear()
        try:
            yield
        finally:
            self._holds -= 1
            if not self._holds:
                self._open.set()

    async def wait(self) -> None:
        await self._open.wait()


@dataclass(slots=True)
class Rig:
    """Home Assistant with the entry, the box, and the tap between them.

    ``box`` is the home (its keys and ACs, the wall); ``server`` the port the entry
    talks to, whose knobs the faults turn: the box itself on 11501, its
    ``HostSimulator`` on 11502.
    """

    hass: HomeAssistant
    entry: ConfigEntry
    box: VBoxSimulator
    server: BoxServer
    tap: WireTap
    protocol: Protocol = Protocol.VTU
    # Wall changes and commands stop while a check compares states or a fault
    # would make the simulator misbehave in a way a real box does not.
    pushes: Gate = field(default_factory=Gate)
    commands: Gate = field(default_factory=Gate)
    # Each announcement of the client's connection listener, with its loop time.
    link_events: list[tuple[float, ConnectionState]] = field(default_factory=list)
    on_link: Callable[[ConnectionState], None] | None = None
    _announced: ConnectionState = ConnectionState.CONNECTED  # by the watched client, last
    _watched: BoxClient | None = None
    _unwatch: Callable[[], None] | None = None

    @property
    def coordinator(self) -> VitreaCoordinator | None:
        if self.entry.state is not ConfigEntryState.LOADED:
            return None
        coordinator: VitreaCoordinator = self.entry.runtime_data
        return coordinator

    @property
    def show_mirror_keys(self) -> bool:
        coordinator = self.coordinator
        return coordinator.show_mirror_keys if coordinator else False

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    def watch(self) -> None:
        """Listen to the entry's client (again, if a reload replaced it)."""
        coordinator = self.coordinator
        client = coordinator.client if coordinator else None
        if client is None or client is self._watched:
            return
        self.unwatch()
        self._watched = client
        # A client is watched once it connected: setup (or a reload) awaited that.
        self._announced = ConnectionState.CONNECTED
        self._unwatch = client.add_connection_listener(self._on_link)

    def _on_link(self, state: ConnectionState) -> None:
        self._announced = state
        self.link_events.append((self.now(), state))
        if self.on_link is not None:
            self.on_link(state)

    def unwatch(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
        self._unwatch = self._watched = None

    def last_connected(self) -> float:
        """When the client last announced the link up (0: not since the entry was set up)."""
        return max(
            (time for time, state in self.link_events if state is ConnectionState.CONNECTED),
            default=0.0,
        )

    def dropped_since(self, since: float) -> bool:
        return any(
            time >= since and state is not ConnectionState.CONNECTED
            for time, state in self.link_events
        )

    def link_up(self) -> bool:
        """The client announced the link up (states fresh) and the entities follow it.

        Entities stay available for a moment after a drop, and the client's socket
        is up before it re-read the states: neither alone means recovered.
        """
        self.watch()
        coordinator = self.coordinator
        return bool(
            coordinator
            and self._announced is ConnectionState.CONNECTED
            and coordinator.last_update_success
            and coordinator.client.connected
        )

    def diagnosis(self) -> str:
        """What the link looks like from each side, for a recovery that did not happen."""
        coordinator = self.coordinator
        if coordinator is None:
            return f"entry {self.entry.state}"
        client = coordinator.client
        # The supervisor's task is the client's own business; a dead one explains a lot.
        supervisor = getattr(client, "_supervisor", None)
        task: asyncio.Task[None] | None = getattr(supervisor, "_task", None)
        if task is None:
            reconnecting = "no supervisor"
        elif task.done():
            failure = None if task.cancelled() else task.exception()
            reconnecting = f"supervisor ended ({failure!r})"
        else:
            reconnecting = "supervisor running"
        return (
            f"last announced {self._announced}, socket up {client.connected}, "
            f"entities available {coordinator.last_update_success}, {reconnecting}, "
            f"last error {client.last_error!r}; the box serves {self.server.connected_clients} "
            f"client(s), running {self.server.running}"
        )

    def differences(self) -> list[Difference]:
        return differences(
            self.hass, self.entry, self.box, self.server, show_mirror_keys=self.show_mirror_keys
        )

    def recovered(self) -> bool:
        """Linked, and every entity the box calls for is there and available (values aside)."""
        return self.link_up() and not any(d.presence for d in self.differences())

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Poll ``predicate`` until it holds (True) or ``timeout`` seconds passed (False)."""
        try:
            async with asyncio.timeout(timeout):
                # Polled: what it looks at changes through pushes, reconnects and the
                # entity registry alike, with no single event to wait for.
                while not predicate():  # noqa: ASYNC110
                    await asyncio.sleep(POLL_S)
        except TimeoutError:
            return False
        return True
