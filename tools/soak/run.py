"""The soak run: Home Assistant and the box under pushes, commands and faults.

Three tasks share the loop with Home Assistant and the simulator:

* the wall changes and presses keys on the box, several times a second;
* the user calls Home Assistant's services one after the other, and each call is
  classified: it succeeded and the box shows its effect, it raised a
  HomeAssistantError, or it is lost (succeeded without effect, or never returned);
* the fault loop inflicts a fault every few seconds, waits for the integration to
  recover, and checks every entity against the box; between faults it checks too.

What the client writes is read through a ``WireTap``: a command's request must be
on the wire while its call runs, never after it returned.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import random
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import Event, EventStateChangedData, State, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_state_change_event

from custom_components.vitrea.const import LOGGER
from custom_components.vitrea.mapping import EntitySpec, Kind
from custom_components.vitrea.vbox import AirConditioner, ClientConfig, ConnectionState, Protocol
from simulator import HostSimulator, VBoxSimulator, load_installation
from tools.harness import (
    TappedFrame,
    add_box_at,
    home_assistant,
    served,
    simulated_box,
    wiretap,
)
from tools.soak.actions import (
    Command,
    Target,
    carries,
    choose_ac_command,
    choose_command,
    wall_action,
    wall_keys,
)
from tools.soak.climate import wall_ac
from tools.soak.expect import Spec, expected_entities
from tools.soak.faults import PLANS, Fault, end, inject, is_extra, possible
from tools.soak.host import AC
from tools.soak.leaks import describe, leaked_tasks, running_tasks
from tools.soak.report import Report, WarningCounter
from tools.soak.rig import Rig

# How long a check lets pushes and commands already under way land before it
# calls a difference a mismatch: a real one lasts until the next reconnect.
CHECK_SETTLE_S = 10.0
RECOVERY_LIMIT_S = 60.0
# The client must notice within this that the box closed the connection.
DISCONNECT_NOTICE_S = 10.0
# The tap reads a frame a loop iteration after the client wrote it, and the call
# may return in that same iteration: a frame this close to the return is not late.
TAP_SLACK_S = 0.25
# A finished command's target is watched (and left alone by later commands) until
# the link has been up this long after the command returned: a request kept for
# the next connection would go out right after the reconnect.
REPLAY_WINDOW_S = 5.0
# Added to the longest a command may legitimately take (see command_bound).
COMMAND_MARGIN_S = 5.0
LEAK_SETTLE_S = 5.0
# The translation key of a command the box refused (error_translation.error_key).
REJECTED = "command_rejected"
MISMATCHES_SHOWN = 12  # per check, on stderr: after a failed recovery all would differ
# The box's own complaints are not the integration's log.
SIMULATOR_LOGGER = VBoxSimulator.__module__


@dataclass(frozen=True, slots=True)
class Settings:
    minutes: float
    seed: int
    installation: str = "demo"
    faults: tuple[Fault, ...] = tuple(Fault)  # the kinds to choose from
    protocol: Protocol = Protocol.VTU  # the port Home Assistant's entry uses
    ha_log: Path | None = None
    verbose: bool = False  # a progress line for every command, wall action and link change


@dataclass(slots=True)
class Outcome:
    """How a service call went."""

    received_before: int  # the count of the server's received list when it began
    unavailable: bool  # the entity was unavailable at some point of the call
    error: Exception | None = None
    hung: bool = False  # no return within command_bound
    sent: list[TappedFrame] = field(default_factory=list)  # its requests on the wire


@dataclass(frozen=True, slots=True)
class Issued:
    """A finished command: its target's requests are watched for a while (see REPLAY_WINDOW_S)."""

    command: Command
    ended: float


def command_bound(config: ClientConfig, protocol: Protocol = Protocol.VTU) -> float:
    """The longest a service call may take before it counts as lost.

    Waiting for a link that is down, then each attempt waiting for the request
    in flight before it (a resync read or a heartbeat) and for its own answer. On
    port 11502 an answer that does not come is followed by one status query, which
    may take as long again, for the request before and for this one.
    """
    attempts = config.max_retries + 1
    waits = 4 if protocol is Protocol.HOST else 2
    return config.link_wait + waits * attempts * config.request_timeout + COMMAND_MARGIN_S


class Soak:
    def __init__(self, rig: Rig, settings: Settings, report: Report) -> None:
        self.rig = rig
        self.report = report
        self.faults_rng = random.Random(f"{settings.seed}:faults")
        self.wall_rng = random.Random(f"{settings.seed}:wall")
        self.user_rng = random.Random(f"{settings.seed}:user")
        coordinator = rig.coordinator
        assert coordinator is not None
        self.client_config = coordinator.client.config
        self.command_bound = command_bound(self.client_config, rig.protocol)
        self.started = rig.now()
        self.deadline = self.started + settings.minutes * 60
        self.faults = settings.faults
        self.in_flight: set[Target] = set()
        self.watched: dict[Target, Issued] = {}
        self.poke = asyncio.Event()  # the user acts now (a fault just began or ended)
        self.stopping = asyncio.Event()
        self.verbose = settings.verbose
        if self.verbose:
            rig.on_link = lambda state: self.say(f"link {state}")

    def say(self, message: str) -> None:
        print(f"[{self.rig.now() - self.started:7.1f}s] {message}", file=sys.stderr, flush=True)

    def detail(self, message: str) -> None:
        if self.verbose:
            self.say(message)

    # ------------------------------------------------------------------ main loop

    async def run(self) -> None:
        self.rig.watch()
        self.say(f"commands time out after {self.command_bound:g} s")
        await self.check("at start")
        wall = asyncio.create_task(self._wall(), name="soak wall")
        user = asyncio.create_task(self._user(), name="soak user")
        try:
            await self._faults()
        finally:
            self.stopping.set()
            self.poke.set()
            wall.cancel()
            # The user's last call runs to its end: cancelling it would lose it.
            await asyncio.wait([user], timeout=self.command_bound + 1)
            user.cancel()
            results = await asyncio.gather(wall, user, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                raise result
        # The last commands' requests get their full window to show up late.
        await asyncio.sleep(REPLAY_WINDOW_S)
        await self.check("at the end", final=True)
        self.report.link_drops = sum(
            state is not ConnectionState.CONNECTED for _, state in self.rig.link_events
        )

    async def _faults(self) -> None:
        rng = self.faults_rng
        while await self._idle(rng.uniform(2.0, 5.0)):
            await self.check("between faults")
            if not await self._idle(rng.uniform(1.0, 3.0)):
                break
            left = self.deadline - self.rig.now()
            fitting = [
                fault
                for fault in self.faults
                if PLANS[fault].budget_s <= left and possible(fault, self.rig)
            ]
            if fitting:
                await self._fault(rng.choice(fitting))

    async def _idle(self, seconds: float) -> bool:
        """Sleep, but not past the deadline; False once it is reached."""
        left = self.deadline - self.rig.now()
        await asyncio.sleep(max(0.0, min(seconds, left)))
        return self.rig.now() < self.deadline

    async def _fault(self, fault: Fault) -> None:
        rig = self.rig
        self.report.faults_by_kind[fault] += 1
        start = rig.now()
        self.detail(f"fault {fault} begins")
        self.poke.set()
        what = await inject(fault, rig, self.faults_rng)
        self.poke.set()  # and once more during the recovery
        self.say(f"fault {fault}: {what}")
        # A half-open link ends when it is noticed, or after a limit already waited for.
        notice_s = 0.0 if fault is Fault.HALF_OPEN else DISCONNECT_NOTICE_S
        try:
            if PLANS[fault].disconnects and not await rig.wait_for(
                lambda: rig.dropped_since(start), notice_s
            ):
                self.report.disconnects_missed += 1
                self.say(f"MISSED DISCONNECT: {fault} and the client did not notice")
            await self.check(f"after {fault}", fault=fault, since=start)
        finally:
            if PLANS[fault].lasting and (seen := end(fault, rig.server)):
                self.say(f"fault {fault} ends: {seen}")

    # ------------------------------------------------------------------ checks

    async def check(
        self, label: str, *, fault: Fault | None = None, since: float = 0.0, final: bool = False
    ) -> None:
        """Wait for the link and every entity, then compare every state with the box.

        Wall changes and new commands wait meanwhile; differences are given
        CHECK_SETTLE_S to go away (pushes in flight) before they count.
        """
        rig = self.rig
        with rig.pushes.closed(), rig.commands.closed():
            if await rig.wait_for(rig.recovered, RECOVERY_LIMIT_S):
                if fault is not None:
                    seconds = rig.now() - since
                    self.report.recovered(fault, seconds)
                    self.say(f"recovered from {fault} in {seconds:.2f} s")
            else:
                self.report.recoveries_failed += 1
                self.say(f"NOT RECOVERED {label} within {RECOVERY_LIMIT_S:g} s: {rig.diagnosis()}")
            self.report.state_checks += 1
            settle_by = rig.now() + CHECK_SETTLE_S
            found = rig.differences()
            while found and rig.now() < settle_by:
                await asyncio.sleep(0.1)
                found = rig.differences()
            self._check_watched(final=final)
        if found:
            self.report.state_mismatches += len(found)
            self.say(f"STATE MISMATCH {label}: {len(found)} entities")
            for difference in found[:MISMATCHES_SHOWN]:
                self.say(f"  {difference}")
            if len(found) > MISMATCHES_SHOWN:
                self.say(f"  ... and {len(found) - MISMATCHES_SHOWN} more")

    def _check_watched(self, *, final: bool = False) -> None:
        """Count the finished commands whose request went out after their call returned.

        Each is checked (and its target released) once the link has been up for
        REPLAY_WINDOW_S since it returned; the ``final`` check takes every one.
        """
        rig = self.rig
        if not (final or rig.link_up()):
            return
        up_since, now, frames = rig.last_connected(), rig.now(), rig.tap.frames
        for target, issued in list(self.watched.items()):
            if not final and now - max(issued.ended, up_since) < REPLAY_WINDOW_S:
                continue
            del self.watched[target]
            after = bisect.bisect_right(frames, issued.ended + TAP_SLACK_S, key=_time)
            late = [f for f in frames[after:] if carries(f.frame, target)]
            if late:
                self.report.commands_late += 1
                delay = late[0].time - issued.ended
                self.say(f"LATE COMMAND: {issued.command} written {delay:.1f} s after it returned")

    # ------------------------------------------------------------------ the wall

    async def _wall(self) -> None:
        rng, box = self.wall_rng, self.rig.box
        while True:
            await asyncio.sleep(rng.uniform(0.05, 0.6))
            await self.rig.pushes.wait()
            # A key a command is changing stays still: its effect is checked exactly.
            keys = [
                (node_id, key)
                for node_id, key in wall_keys(box.installation)
                if (node_id, key.id) not in self.in_flight
            ]
            acs = [ac for ac in self._acs() if (AC, ac.id) not in self.in_flight]
            # As often as a key would be: each AC is one more thing on the wall.
            server = self.rig.server
            if (
                acs
                and isinstance(server, HostSimulator)
                and rng.random() < len(acs) / (len(acs) + len(keys))
            ):
                self.detail(f"wall: {await wall_ac(rng, server, rng.choice(acs))}")
                self.report.pushes += 1
            elif keys:
                self.detail(f"wall: {await wall_action(rng, box, *rng.choice(keys))}")
                self.report.pushes += 1

    def _acs(self) -> tuple[AirConditioner, ...]:
        """The ACs Home Assistant can see: only port 11502 tells of them."""
        if self.rig.protocol is not Protocol.HOST:
            return ()
        return self.rig.box.installation.air_conditioners

    # ------------------------------------------------------------------ the user

    async def _user(self) -> None:
        while not self.stopping.is_set():
            try:
                async with asyncio.timeout(self.user_rng.uniform(0.2, 1.5)):
                    await self.poke.wait()
            except TimeoutError:
                pass
            self.poke.clear()
            await self.rig.commands.wait()
            if self.stopping.is_set():
                return
            if chosen := self._choose():
                await self._issue(*chosen)

    def _choose(self) -> tuple[Command, str] | None:
        """A command on an entity whose target is neither being changed nor watched."""
        rig, rng = self.rig, self.user_rng
        self._check_watched()  # releases the targets whose window is over
        wanted, _ = expected_entities(
            rig.hass, rig.entry, rig.box, rig.server, show_mirror_keys=rig.show_mirror_keys
        )
        # The extra keypad comes and goes with TOPOLOGY faults; its entities too.
        candidates: list[tuple[Spec, str]] = [
            (spec, entity_id)
            for spec, entity_id in wanted.items()
            if entity_id is not None and not (isinstance(spec, EntitySpec) and is_extra(spec.node))
        ]
        rng.shuffle(candidates)
        for spec, entity_id in candidates:
            command = self._command(spec)
            if command and command.target not in self.watched.keys() | self.in_flight:
                return command, entity_id
        return None

    def _command(self, spec: Spec) -> Command | None:
        if isinstance(spec, EntitySpec):
            return choose_command(self.user_rng, spec)
        if spec.kind is not Kind.CLIMATE:
            return None  # a scenario changes keys that other commands may be changing
        server = self.rig.server
        ac = self.rig.box.installation.air_conditioner(spec.id)
        if ac is None or not isinstance(server, HostSimulator):
            return None
        return choose_ac_command(self.user_rng, server, ac)

    async def _issue(self, command: Command, entity_id: str) -> None:
        rig = self.rig
        self.report.commands_sent += 1
        self.report.commands_by_domain[command.domain] += 1
        self.in_flight.add(command.target)
        outcome = Outcome(
            received_before=len(rig.server.received),
            unavailable=_unavailable(rig.hass.states.get(entity_id)),
        )

        @callback
        def on_change(event: Event[EventStateChangedData]) -> None:
            outcome.unavailable = outcome.unavailable or _unavailable(event.data["new_state"])

        unsubscribe = async_track_state_change_event(rig.hass, entity_id, on_change)
        start = rig.now()
        try:
            async with asyncio.timeout(self.command_bound) as bound:
                await rig.hass.services.async_call(
                    command.domain,
                    command.service,
                    {ATTR_ENTITY_ID: entity_id, **command.data},
                    blocking=True,
                )
        except Exception as err:  # classified below, not fatal
            outcome.error = err
            outcome.hung = isinstance(err, TimeoutError) and bound.expired()
        finally:
            unsubscribe()
        ended = rig.now()
        try:
            frames = rig.tap.frames
            outcome.sent = [
                f
                for f in frames[bisect.bisect_left(frames, start, key=_time) :]
                if f.time <= ended + TAP_SLACK_S and carries(f.frame, command.target)
            ]
            self._classify(f"{command} on {entity_id} ({ended - start:.2f} s)", command, outcome)
        finally:
            self.in_flight.discard(command.target)
            self.watched[command.target] = Issued(command, ended)

    def _classify(self, what: str, command: Command, outcome: Outcome) -> None:
        report, error = self.report, outcome.error
        attempts = 1 if command.press else 1 + self.client_config.max_retries
        if len(outcome.sent) > attempts:
            report.commands_repeated += 1
            self.say(f"REPEATED COMMAND: {what} written {len(outcome.sent)} times")
        if outcome.hung:
            report.commands_lost += 1
            self.say(f"LOST COMMAND: {what}: no answer in {self.command_bound:g} s")
        elif isinstance(error, HomeAssistantError):
            report.commands_failed_with_error += 1
            reason = error.translation_key or type(error).__name__
            report.command_errors[reason] += 1
            if reason == REJECTED:
                report.commands_rejected += 1
                self.say(f"REJECTED COMMAND: {what}: the box refused it ({error.__cause__})")
            else:
                self.say(f"command failed ({reason}): {what}")
        elif error is not None:
            report.commands_unclear_error += 1
            self.say(f"UNCLEAR ERROR: {what} raised {error!r}")
        elif not outcome.sent:
            if outcome.unavailable:
                # Home Assistant skips unavailable entities; the UI offers no control.
                report.commands_skipped_unavailable += 1
                self.detail(f"command skipped (unavailable): {what}")
            else:
                report.commands_lost += 1
                self.say(f"LOST COMMAND: {what} succeeded, nothing was sent")
        elif why := command.effect(
            self.rig.box, self.rig.server.received[outcome.received_before :]
        ):
            report.commands_lost += 1
            self.say(f"LOST COMMAND: {what} succeeded, but {why}")
        else:
            report.commands_succeeded += 1
            self.detail(f"command done: {what}")


def _time(frame: TappedFrame) -> float:
    return frame.time


def _unavailable(state: State | None) -> bool:
    return state is None or state.state == STATE_UNAVAILABLE


async def soak(settings: Settings) -> Report:
    """Run the soak and return its figures; a broken run has ``error`` set."""
    report = Report(settings.seed, settings.minutes, settings.installation, settings.protocol)
    counter = WarningCounter(report.log_warnings, exclude=SIMULATOR_LOGGER)
    logger = logging.getLogger(LOGGER.name)
    logger.addHandler(counter)
    started = time.monotonic()
    try:
        installation, states = load_installation(settings.installation)
        async with home_assistant(settings.ha_log) as hass:
            async with (
                simulated_box(installation, states) as box,
                served(box, settings.protocol) as server,
                wiretap(server.port, settings.protocol) as tap,
            ):
                before = running_tasks()
                entry = await add_box_at(hass, tap.port, settings.protocol)
                rig = Rig(hass, entry, box, server, tap, settings.protocol)
                try:
                    await Soak(rig, settings, report).run()
                finally:
                    rig.unwatch()
                    await hass.config_entries.async_unload(entry.entry_id)
            # The box and the tap are stopped: what still runs is the integration's.
            await hass.async_block_till_done()
            leaks, core = await leaked_tasks(before, LEAK_SETTLE_S)
            report.tasks_leaked = len(leaks)
            for task in leaks:
                print(f"LEAKED TASK: {describe(task)}", file=sys.stderr)
            for task in core:
                print(
                    f"(Home Assistant's own task, not counted: {describe(task)})", file=sys.stderr
                )
    except Exception as err:  # the JSON says that the run broke, and why
        traceback.print_exc(file=sys.stderr)
        report.error = repr(err)
    except asyncio.CancelledError:
        # SIGINT or SIGTERM (a CI timeout): everything above is cleaned up by now.
        report.error = "interrupted"
    finally:
        logger.removeHandler(counter)
    report.duration_s = time.monotonic() - started
    return report
