"""Figures of the integration inside a real Home Assistant, against the simulator.

``scripts/bench`` runs this module in a child process (see bench.process). Home
Assistant (``harness.home_assistant``) and the simulator share one event loop,
so a change made on the box and its effect in Home Assistant are timed with one
clock. The box is added once through the config flow with no simulated latency;
then, with the reply latency set on the simulator:

* cold start: the entry unloaded, its topology cache removed, set up again, and
  timed until every entity of the entry has a state that is not "unavailable";
* warm start: the same with the cache kept; ``warm_start_states_s`` goes on until
  the coordinator has re-read every key's state (entities show it as it arrives).

Then with no latency, after a cold setup so that nothing else uses the link:

* push latency: a key changed on the box (``set_key_state``, ON and OFF in turn)
  or pressed (``press_key``, on keys that have an event entity), from just before
  the simulator writes the push to the entity's state written in Home Assistant
  (the EVENT_STATE_CHANGED listener); half of the samples each;
* command latency: a turn_on / turn_off action (``blocking=False``, the state
  flips each time) until the pushed state is written; "to wire" ends when the
  simulator reads the ToggleKeyStatus frame, an upper bound of when it was written;
* reconnect: the box drops the link; the requests it receives until every key's
  state was read again, and until the link is quiet (nothing for ``QUIET_S``): what
  the integration sends to recover, topology check included.

``--push-only`` measures the push latency alone, the same way, on a home of
``--nodes`` nodes: scripts/bench compares a small and the largest home with it.

``--protocol host`` measures the same through port 11502: the entry talks to the
simulator's ``HostSimulator`` on the same home; a command is its text line, and a
reconnect's state read-back is the status sweep (and one query per AC) instead of
a read per key.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self, cast

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    EVENT_STATE_CHANGED,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.const import __version__ as HA_VERSION
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.helpers import entity_registry as er

from custom_components.vitrea.const import DOMAIN
from custom_components.vitrea.coordinator import VitreaCoordinator
from custom_components.vitrea.mapping import Kind, entity_specs
from custom_components.vitrea.protocols import host_client
from custom_components.vitrea.topology import topology_store
from custom_components.vitrea.vbox import KeyAddress, KeyPowerStatus, Protocol
from custom_components.vitrea.vbox.host.vth import VTHFrame
from custom_components.vitrea.vbox.vtu.frames import Frame
from simulator import PressKind, VBoxSimulator, large_installation
from tools.bench.cold_start import without_leaks
from tools.bench.process import child_main, run_child
from tools.bench.requests import is_command, read_targets
from tools.bench.stats import Distribution, Summary, distribution, summarise
from tools.harness import (
    BoxServer,
    WireMessage,
    add_box,
    entry_entity_ids,
    home_assistant,
    served,
    simulated_box,
    state_keys,
)

# Keys whose entity state is "on" or "off": what a push or a command flips.
_CHILD: Final = "tools.bench.home_assistant"  # this module, run in a fresh process
ON_OFF_KINDS: Final = frozenset({Kind.LIGHT, Kind.DIMMER, Kind.SWITCH, Kind.FAN, Kind.BOILER})
WARMUP_SAMPLES: Final = 50  # first pushes and commands, not counted (first-call costs)
SAMPLE_TIMEOUT_S: Final = 5.0
SETUP_TIMEOUT_S: Final = 120.0
RECONNECT_TIMEOUT_S: Final = 120.0
QUIET_S: Final = 1.0  # under the heartbeat's 3 s of silence: a quiet link is a recovered one


@dataclass(frozen=True, slots=True)
class HomeAssistantResult:
    home_assistant: str  # its version
    protocol: str
    nodes: int
    rooms: int
    keys: int
    entities: int
    latency_s: float
    cold_start_s: Summary | None  # None: skipped
    cold_start_requests: tuple[int, ...]  # frames the box received, per run
    warm_start_s: Summary
    warm_start_requests: tuple[int, ...]  # frames received until every entity was there
    warm_start_states_s: Summary
    push_state: Distribution
    push_press: Distribution
    command: Distribution
    command_to_wire: Distribution
    reconnect_requests: tuple[int, ...]  # per run: from the drop until the link is quiet
    reconnect_requests_until_fresh: tuple[int, ...]  # ... until every state was read again
    reconnect_fresh_s: Summary

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types, for the child process that measured it (``from_dict``)."""
        out = {field: getattr(self, field) for field in self.__dataclass_fields__}
        return {
            key: value.values if isinstance(value, Summary | Distribution) else value
            for key, value in out.items()
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HomeAssistantResult:
        def summary(key: str) -> Summary:
            return Summary(tuple(data[key]))

        def samples(key: str) -> Distribution:
            return Distribution(tuple(data[key]))

        return cls(
            home_assistant=data["home_assistant"],
            protocol=data["protocol"],
            nodes=data["nodes"],
            rooms=data["rooms"],
            keys=data["keys"],
            entities=data["entities"],
            latency_s=data["latency_s"],
            cold_start_s=summary("cold_start_s") if data["cold_start_s"] else None,
            cold_start_requests=tuple(data["cold_start_requests"]),
            warm_start_s=summary("warm_start_s"),
            warm_start_requests=tuple(data["warm_start_requests"]),
            warm_start_states_s=summary("warm_start_states_s"),
            push_state=samples("push_state"),
            push_press=samples("push_press"),
            command=samples("command"),
            command_to_wire=samples("command_to_wire"),
            reconnect_requests=tuple(data["reconnect_requests"]),
            reconnect_requests_until_fresh=tuple(data["reconnect_requests_until_fresh"]),
            reconnect_fresh_s=summary("reconnect_fresh_s"),
        )

    @property
    def push(self) -> Distribution:
        return Distribution(self.push_state.values + self.push_press.values)

    @property
    def requests_sent(self) -> int:
        return max(self.cold_start_requests)

    @property
    def serial_bound_s(self) -> float:
        return self.requests_sent * self.latency_s

    @property
    def vs_serial_bound(self) -> float:
        assert self.cold_start_s is not None
        return self.cold_start_s.median / self.serial_bound_s


@dataclass(frozen=True, slots=True)
class _Target:
    """A key and the entity that shows it."""

    address: KeyAddress
    entity_id: str

    @property
    def domain(self) -> str:
        return self.entity_id.partition(".")[0]


class _ArrivalLog(list[WireMessage]):
    """Stands in for the server's ``received`` list and notes when each request came."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []
        self._cleared = time.perf_counter()

    def append(self, message: WireMessage, /) -> None:
        self.times.append(time.perf_counter())
        super().append(message)

    def clear(self) -> None:
        self.times.clear()
        self._cleared = time.perf_counter()
        super().clear()

    def count_until(self, moment: float) -> int:
        return sum(1 for arrival in self.times if arrival <= moment)

    def quiet_since(self) -> float:
        """Seconds since the last frame arrived (since the log was cleared if none)."""
        last = self.times[-1] if self.times else self._cleared
        return time.perf_counter() - last

    def first_command(self, since: int) -> float:
        """When the first key command since index ``since`` arrived."""
        for index in range(since, len(self)):
            if is_command(self[index]):
                return self.times[index]
        raise RuntimeError("no key command reached the box")


def _log_arrivals(server: BoxServer) -> _ArrivalLog:
    """An arrival log in place of ``server``'s received list: it notes when each came."""
    log = _ArrivalLog()
    if isinstance(server, VBoxSimulator):
        server.received = cast("list[Frame]", log)
    else:
        server.received = cast("list[bytes | VTHFrame]", log)
    return log


@dataclass(frozen=True, slots=True)
class _Box:
    """The home (wall changes), the server the entry talks to, and when each request came."""

    home: VBoxSimulator
    simulator: BoxServer
    log: _ArrivalLog


def _present(state: State | None) -> bool:
    return state is not None and state.state != STATE_UNAVAILABLE


class _Presence:
    """Resolves ``reached`` (a perf_counter time) once every entity of a set is present."""

    def __init__(self, hass: HomeAssistant, entity_ids: set[str]) -> None:
        self._ids = entity_ids
        self._missing = {e for e in entity_ids if not _present(hass.states.get(e))}
        self.reached: asyncio.Future[float] = hass.loop.create_future()
        self._unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, self._on_change)
        self._check()

    @callback
    def _on_change(self, event: Event[EventStateChangedData]) -> None:
        entity_id = event.data["entity_id"]
        if entity_id not in self._ids:
            return
        if _present(event.data["new_state"]):
            self._missing.discard(entity_id)
            self._check()
        else:
            self._missing.add(entity_id)

    def _check(self) -> None:
        if not self._missing and not self.reached.done():
            self.reached.set_result(time.perf_counter())

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._unsubscribe()


class _StateWaiter:
    """One listener for a whole series of samples: the time the awaited state is written."""

    def __init__(self, hass: HomeAssistant) -> None:
        self._loop = hass.loop
        self._entity_id = ""
        self._state: str | None = None
        self._future: asyncio.Future[float] | None = None
        self._unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, self._on_change)

    def expect(self, entity_id: str, state: str | None) -> asyncio.Future[float]:
        """The next state written for ``entity_id`` (equal to ``state`` unless None)."""
        self._entity_id = entity_id
        self._state = state
        self._future = self._loop.create_future()
        return self._future

    @callback
    def _on_change(self, event: Event[EventStateChangedData]) -> None:
        now = time.perf_counter()
        future = self._future
        if future is None or event.data["entity_id"] != self._entity_id:
            return
        new = event.data["new_state"]
        if new is None or (self._state is not None and new.state != self._state):
            return
        self._future = None
        future.set_result(now)

    def close(self) -> None:
        self._unsubscribe()


def check_started(hass: HomeAssistant) -> None:
    """Refuse a Home Assistant in recovery mode: it loads no custom integration."""
    if hass.config.recovery_mode:
        raise RuntimeError(
            "Home Assistant started in recovery mode (is another one using port 8123?); "
            "see its log (--ha-log)"
        )


async def _until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Wait (outside any timed span) for a condition nothing announces."""
    try:
        async with asyncio.timeout(timeout):
            while not condition():  # noqa: ASYNC110 - no event to wait on
                await asyncio.sleep(0.005)
    except TimeoutError:
        raise RuntimeError(f"still not true after {timeout:g} s: {what}") from None


async def _unload(hass: HomeAssistant, entry: ConfigEntry, box: BoxServer) -> None:
    if not await hass.config_entries.async_unload(entry.entry_id):
        raise RuntimeError("the entry did not unload")
    # The box serves one client: the next setup would be refused as "in use" if the
    # simulator had not yet seen the old connection close.
    await _until(lambda: box.connected_clients == 0, "the box sees the client gone")


async def _setup(hass: HomeAssistant, entry: ConfigEntry, box: BoxServer) -> float:
    """Set the entry up again; the perf_counter time at which every entity was present."""
    box.received.clear()
    with _Presence(hass, entry_entity_ids(hass, entry)) as presence:
        if not await hass.config_entries.async_setup(entry.entry_id):
            raise RuntimeError(f"the entry did not set up: {entry.state}")
        async with asyncio.timeout(SETUP_TIMEOUT_S):
            return await presence.reached


def _states_fresh(coordinator: VitreaCoordinator) -> asyncio.Future[float]:
    """Resolves once the client holds a state read on this connection for every key
    that has one (and on port 11502 every AC)."""
    installation = coordinator.installation
    host = host_client(coordinator.client)
    keys = state_keys(installation, installation.protocol)
    acs = {ac.id for ac in installation.air_conditioners}
    fresh: asyncio.Future[float] = coordinator.hass.loop.create_future()

    @callback
    def check() -> None:
        if fresh.done() or not keys.issubset(coordinator.client.key_states):
            return
        if host is None or acs.issubset(host.ac_states):
            fresh.set_result(time.perf_counter())

    # Added after the entities: called once they have written the new states.
    unsubscribe = [coordinator.async_add_listener(check)]
    if host is not None:
        unsubscribe.append(host.add_ac_listener(lambda _: check()))

    def done(_: object) -> None:  # also when the wait times out
        for remove in unsubscribe:
            remove()

    fresh.add_done_callback(done)
    check()
    return fresh


async def _cold_start(hass: HomeAssistant, entry: ConfigEntry, box: _Box) -> tuple[float, int]:
    await _unload(hass, entry, box.simulator)
    await topology_store(hass, entry).async_remove()
    start = time.perf_counter()
    present = await _setup(hass, entry, box.simulator)
    return present - start, box.log.count_until(present)


async def _warm_start(
    hass: HomeAssistant, entry: ConfigEntry, box: _Box
) -> tuple[float, int, float]:
    await _unload(hass, entry, box.simulator)
    start = time.perf_counter()
    present = await _setup(hass, entry, box.simulator)
    coordinator: VitreaCoordinator = entry.runtime_data
    reads = len(coordinator.installation.active_keys())
    async with asyncio.timeout(SETUP_TIMEOUT_S + 3 * box.simulator.latency * reads):
        fresh = await _states_fresh(coordinator)
    # The topology re-read that follows goes on in the background; unload cancels it.
    return present - start, box.log.count_until(present), fresh - start


def _targets(hass: HomeAssistant, entry: ConfigEntry) -> tuple[list[_Target], list[_Target]]:
    """Keys with an on/off entity, and keys with an event entity."""
    coordinator: VitreaCoordinator = entry.runtime_data
    registry = er.async_get(hass)
    on_off: list[_Target] = []
    presses: list[_Target] = []
    specs = entity_specs(
        coordinator.installation,
        show_mirror_keys=coordinator.show_mirror_keys,
        installation_id=entry.unique_id,
    )
    for spec in specs:
        entity_id = registry.async_get_entity_id(spec.platform, DOMAIN, spec.unique_id)
        if spec.key is None or entity_id is None:
            continue
        target = _Target((spec.node.id, spec.key.id), entity_id)
        if spec.kind in ON_OFF_KINDS:
            on_off.append(target)
        elif spec.kind is Kind.PRESSES:
            presses.append(target)
    if not on_off or not presses:
        raise RuntimeError("the installation needs keys with on/off and with event entities")
    return on_off, presses


def _is_on(hass: HomeAssistant, target: _Target) -> bool:
    state = hass.states.get(target.entity_id)
    return state is not None and state.state == STATE_ON


async def _sample(future: asyncio.Future[float]) -> float:
    async with asyncio.timeout(SAMPLE_TIMEOUT_S):
        return await future


async def _push_latencies(
    hass: HomeAssistant,
    box: VBoxSimulator,
    waiter: _StateWaiter,
    targets: tuple[list[_Target], list[_Target]],
    count: int,
) -> tuple[list[float], list[float]]:
    """(state changes, presses): seconds from the simulator call to the state written."""
    on_off, presses = targets
    changes: list[float] = []
    pressed: list[float] = []
    for index in range(WARMUP_SAMPLES + count):
        if index % 2:
            target = presses[index // 2 % len(presses)]
            written = waiter.expect(target.entity_id, None)  # an event entity: its timestamp
            start = time.perf_counter()
            await box.press_key(*target.address, PressKind.SHORT)
            samples = pressed
        else:
            target = on_off[index // 2 % len(on_off)]
            on = not _is_on(hass, target)
            action = KeyPowerStatus.ON if on else KeyPowerStatus.OFF
            written = waiter.expect(target.entity_id, STATE_ON if on else STATE_OFF)
            start = time.perf_counter()
            await box.set_key_state(*target.address, action)
            samples = changes
        end = await _sample(written)
        if index >= WARMUP_SAMPLES:
            samples.append(end - start)
    return changes, pressed


async def _command_latencies(
    hass: HomeAssistant, log: _ArrivalLog, waiter: _StateWaiter, on_off: list[_Target], count: int
) -> tuple[list[float], list[float]]:
    """(to the state written, to the frame read by the box), in seconds."""
    confirmed: list[float] = []
    on_wire: list[float] = []
    for index in range(WARMUP_SAMPLES + count):
        target = on_off[index % len(on_off)]
        on = not _is_on(hass, target)
        written = waiter.expect(target.entity_id, STATE_ON if on else STATE_OFF)
        since = len(log)
        start = time.perf_counter()
        await hass.services.async_call(
            target.domain,
            SERVICE_TURN_ON if on else SERVICE_TURN_OFF,
            {ATTR_ENTITY_ID: target.entity_id},
            blocking=False,
        )
        end = await _sample(written)
        if index >= WARMUP_SAMPLES:
            confirmed.append(end - start)
            on_wire.append(log.first_command(since) - start)
    return confirmed, on_wire


async def _quiet(log: _ArrivalLog) -> None:
    """Until no frame arrived for QUIET_S."""
    # Waits for the absence of frames: there is no event to wait on.
    while (quiet := log.quiet_since()) < QUIET_S:  # noqa: ASYNC110
        await asyncio.sleep(QUIET_S - quiet)


async def _reconnect(entry: ConfigEntry, box: _Box) -> tuple[int, int, float]:
    """Drop the link: (requests until quiet, requests until every state re-read, seconds to it).

    On 11501 each key's state is read by its own request; on 11502 one status
    sweep reads every key, and a query per AC its state (``read_targets``).
    """
    coordinator: VitreaCoordinator = entry.runtime_data
    installation = coordinator.installation
    missing: set[object] = set(installation.active_keys())
    missing |= {("ac", ac.id) for ac in installation.air_conditioners}
    log = box.log
    async with asyncio.timeout(RECONNECT_TIMEOUT_S):
        await _quiet(log)  # nothing of the earlier figures left on the link
        log.clear()
        start = time.perf_counter()
        await box.simulator.drop_connections()
        seen = 0
        while missing:
            await asyncio.sleep(0.005)
            for message in log[seen:]:
                missing -= read_targets(message, missing)
                seen += 1
                if not missing:
                    break
        fresh, fresh_at = seen, log.times[seen - 1]
        await _quiet(log)
    return len(log), fresh, fresh_at - start


@asynccontextmanager
async def _home(
    nodes: int, log_file: Path | None, protocol: Protocol
) -> AsyncIterator[tuple[HomeAssistant, _Box, ConfigEntry]]:
    """Home Assistant with large_installation(nodes) added through the config flow.

    The entry is unloaded after a body that went through (the box then sees the
    client leave); after an error the context managers' exits clean up.
    """
    async with (
        home_assistant(log_file) as hass,
        simulated_box(large_installation(nodes)) as home,
        served(home, protocol) as simulator,
    ):
        check_started(hass)
        box = _Box(home, simulator, _log_arrivals(simulator))
        entry = await add_box(hass, simulator, protocol)
        yield hass, box, entry
        await _unload(hass, entry, simulator)


async def run_home_assistant(
    runs: int,
    *,
    nodes: int = 64,
    latency: float = 0.020,
    cold: bool = True,
    pushes: int = 1000,
    commands: int = 1000,
    log_file: Path | None = None,
    protocol: Protocol = Protocol.VTU,
) -> HomeAssistantResult:
    async with _home(nodes, log_file, protocol) as (hass, box, entry):
        simulator = box.simulator
        coordinator: VitreaCoordinator = entry.runtime_data
        installation = coordinator.installation  # as the entry's port shows the home
        entities = len(entry_entity_ids(hass, entry))

        simulator.latency = latency
        cold_s: list[float] = []
        cold_requests: list[int] = []
        for _ in range(runs if cold else 0):
            elapsed, requests = await _cold_start(hass, entry, box)
            cold_s.append(elapsed)
            cold_requests.append(requests)
        warm_s: list[float] = []
        warm_requests: list[int] = []
        warm_states_s: list[float] = []
        for _ in range(runs):
            elapsed, requests, states = await _warm_start(hass, entry, box)
            warm_s.append(elapsed)
            warm_requests.append(requests)
            warm_states_s.append(states)

        # A cold setup with no latency: no topology re-read left on the link.
        simulator.latency = 0.0
        await _cold_start(hass, entry, box)
        if entry.state is not ConfigEntryState.LOADED:
            raise RuntimeError(f"the entry is {entry.state}")
        targets = _targets(hass, entry)
        waiter = _StateWaiter(hass)
        try:
            push_state, push_press = await _push_latencies(hass, box.home, waiter, targets, pushes)
            command, to_wire = await _command_latencies(hass, box.log, waiter, targets[0], commands)
        finally:
            waiter.close()
        reconnects = [await _reconnect(entry, box) for _ in range(runs)]

    return HomeAssistantResult(
        home_assistant=HA_VERSION,
        protocol=str(protocol),
        nodes=len(installation.nodes),
        rooms=len(installation.rooms),
        keys=len(installation.active_keys()),
        entities=entities,
        latency_s=latency,
        cold_start_s=summarise(cold_s) if cold_s else None,
        cold_start_requests=tuple(cold_requests),
        warm_start_s=summarise(warm_s),
        warm_start_requests=tuple(warm_requests),
        warm_start_states_s=summarise(warm_states_s),
        push_state=distribution(push_state),
        push_press=distribution(push_press),
        command=distribution(command),
        command_to_wire=distribution(to_wire),
        reconnect_requests=tuple(r[0] for r in reconnects),
        reconnect_requests_until_fresh=tuple(r[1] for r in reconnects),
        reconnect_fresh_s=summarise([r[2] for r in reconnects]),
    )


@dataclass(frozen=True, slots=True)
class PushResult:
    """Push latency alone, on a home of ``nodes`` nodes."""

    nodes: int
    entities: int
    push_state: Distribution
    push_press: Distribution

    @property
    def push(self) -> Distribution:
        return Distribution(self.push_state.values + self.push_press.values)

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": self.nodes,
            "entities": self.entities,
            "push_state": self.push_state.values,
            "push_press": self.push_press.values,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PushResult:
        return cls(
            nodes=data["nodes"],
            entities=data["entities"],
            push_state=Distribution(tuple(data["push_state"])),
            push_press=Distribution(tuple(data["push_press"])),
        )


async def run_push_latency(
    nodes: int, pushes: int, log_file: Path | None = None, protocol: Protocol = Protocol.VTU
) -> PushResult:
    """The push latency of ``run_home_assistant``, measured the same way, and nothing else."""
    async with _home(nodes, log_file, protocol) as (hass, box, entry):
        entities = len(entry_entity_ids(hass, entry))
        await _cold_start(hass, entry, box)  # as there: no topology re-read left on the link
        targets = _targets(hass, entry)
        waiter = _StateWaiter(hass)
        try:
            push_state, push_press = await _push_latencies(hass, box.home, waiter, targets, pushes)
        finally:
            waiter.close()
        nodes = len(box.home.installation.nodes)
    return PushResult(nodes, entities, distribution(push_state), distribution(push_press))


def measure_push_latency(
    nodes: int, pushes: int, log_file: Path | None, protocol: Protocol = Protocol.VTU
) -> PushResult:
    """``run_push_latency`` in a fresh process."""
    args = ["--push-only", "--nodes", str(nodes), "--pushes", str(pushes)]
    args += ["--protocol", str(protocol)]
    if log_file is not None:
        args += ["--ha-log", str(log_file.resolve())]
    return PushResult.from_dict(run_child(_CHILD, args, timeout=600 + nodes * 2.0))


def measure_home_assistant(
    runs: int,
    *,
    nodes: int,
    latency: float,
    cold: bool,
    pushes: int,
    commands: int,
    log_file: Path | None,
    protocol: Protocol = Protocol.VTU,
) -> HomeAssistantResult:
    """``run_home_assistant`` in a fresh process (see bench.process)."""
    args = ["--runs", str(runs), "--nodes", str(nodes), "--latency", repr(latency)]
    args += ["--protocol", str(protocol)]
    args += ["--pushes", str(pushes), "--commands", str(commands)]
    if not cold:
        args.append("--skip-cold-start")
    if log_file is not None:
        args += ["--ha-log", str(log_file.resolve())]
    # Generous: every wait inside has its own, much shorter timeout.
    timeout = 600 + runs * nodes * 2.0
    return HomeAssistantResult.from_dict(run_child(_CHILD, args, timeout=timeout))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench.home_assistant",
        description="The Home Assistant figures, in this process (scripts/bench runs it).",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--nodes", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.020)
    parser.add_argument("--skip-cold-start", action="store_true")
    parser.add_argument("--pushes", type=int, default=1000)
    parser.add_argument("--commands", type=int, default=1000)
    parser.add_argument("--ha-log", type=Path)
    parser.add_argument("--push-only", action="store_true")
    parser.add_argument("--protocol", type=Protocol, default=Protocol.VTU)
    args = parser.parse_args(argv)
    if args.push_only:
        pushed = run_push_latency(args.nodes, args.pushes, args.ha_log, args.protocol)
        return child_main(lambda: asyncio.run(without_leaks(pushed)).to_dict())
    measure = run_home_assistant(
        args.runs,
        nodes=args.nodes,
        latency=args.latency,
        cold=not args.skip_cold_start,
        pushes=args.pushes,
        commands=args.commands,
        log_file=args.ha_log,
        protocol=args.protocol,
    )
    return child_main(lambda: asyncio.run(without_leaks(measure)).to_dict())


if __name__ == "__main__":
    sys.exit(main())
