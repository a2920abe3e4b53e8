"""A scripted port-11502 box on loopback: a small home, answered faithfully unless told otherwise.

Every line or VTH request it receives is recorded; ``script`` may answer one
differently (return the bytes to send, ``Later`` ones, or ``SILENT``). The home is
plain data a test can change: keypads with their keys (VTH types), rooms, ACs,
scenarios, each key's status letter and parameter, each AC's state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from custom_components.vitrea.vbox.climate import ACMode, ACState, ACType, FanSpeed
from custom_components.vitrea.vbox.climate import TemperatureUnit as Unit
from custom_components.vitrea.vbox.errors import MessageError
from custom_components.vitrea.vbox.host import commands, vth
from custom_components.vitrea.vbox.host.commands import (
    ACCommand,
    BlindCommand,
    DimmerCommand,
    Keepalive,
    KeyCommand,
    ScenarioCommand,
    StatusQuery,
    VersionQuery,
)
from custom_components.vitrea.vbox.host.stream import HostStreamDecoder
from custom_components.vitrea.vbox.host.vth import (
    ACParams,
    IdList,
    KeypadList,
    KeyParams,
    RoomParams,
    SceneParams,
    VTHCommand,
    VTHFrame,
)
from custom_components.vitrea.vbox.vtu.enums import Direction

from .conftest import LoopbackServer

C = VTHCommand
SILENT = b""


@dataclass(frozen=True, slots=True)
class Later:
    delay: float
    data: bytes


type Answer = bytes | Later | list[bytes | Later] | None
type Received = bytes | VTHFrame
type Script = Callable[[Received], Answer]


@dataclass
class Home:
    rooms: dict[int, tuple[int, str]] = field(default_factory=lambda: {3: (1, "Salon")})
    # keypad -> [(vth type, room, name)] for keys 1..n
    keypads: dict[int, list[tuple[int, int, str]]] = field(
        default_factory=lambda: {
            18: [(1, 3, "Light"), (10, 3, "Boiler"), (3, 3, "Dimmer"), (4, 3, "Blind")],
            0: [(12, 3, "Satellite"), (0, 0, "")],
        }
    )
    acs: dict[int, tuple[ACType, int, str]] = field(
        default_factory=lambda: {1: (ACType.TYPE_2, 3, "מזגן"), 4: (ACType.TMSF, 0, "Floor")}
    )
    scenes: dict[int, tuple[int, str]] = field(default_factory=lambda: {12: (0, "Movie")})
    keys: dict[tuple[int, int], tuple[str, int | None]] = field(
        default_factory=lambda: {
            (18, 1): ("F", 0),
            (18, 2): ("f", 0),
            (18, 3): ("D", 0),
            (18, 4): ("B", 0),
            (0, 1): ("R", None),
        }
    )
    ac_states: dict[int, ACState] = field(
        default_factory=lambda: {
            1: ACState(1, False, ACMode.COOL, FanSpeed.LOW, 24, 26, ACType.TYPE_2, False, Unit(0)),
            4: ACState(4, False, None, None, 22, 21, ACType.TMSF, True, Unit(0)),
        }
    )
    version: str = "866"
    sweep_acs: bool = False  # whether H:NALL:G reports the ACs too

    def key_line(self, node: int, digit: int) -> bytes:
        letter, param = self.keys[(node, digit)]
        return commands.format_key_line(node, digit, letter, param)


class HostBox(LoopbackServer):
    """The box: answers from ``home`` unless ``script`` returns an answer."""

    def __init__(self, home: Home | None = None) -> None:
        super().__init__()
        self.home = home or Home()
        self.script: Script = lambda received: None
        self.received: list[tuple[int, Received]] = []  # (connection, line or frame)
        self.connections = 0
        self.refuse = False
        self._open: list[asyncio.StreamWriter] = []

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    def lines(self, connection: int | None = None) -> list[bytes]:
        return [r for c, r in self.received if isinstance(r, bytes) and connection in (None, c)]

    def commands(self) -> list[bytes]:
        """The lines received that are not keep-alives or status queries."""
        return [
            line
            for line in self.lines()
            if not line.startswith((b"P:", b"G:"))
            and not line.endswith(b"G")
            and b":G:" not in line
        ]

    def push(self, data: bytes) -> None:
        for writer in self._open:
            writer.write(data)

    async def drop(self) -> None:
        for writer in self._open:
            writer.close()
        self._open.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refuse:
            writer.close()
            return
        self.connections += 1
        connection = self.connections
        self._open.append(writer)
        decoder = HostStreamDecoder(Direction.TO_VBOX)
        while data := await reader.read(4096):
            for message in decoder.feed(data):
                self.received.append((connection, message))
                answer = self.script(message)
                if answer is None:
                    answer = self.answer(message)
                self._write(writer, answer)

    def _write(self, writer: asyncio.StreamWriter, answer: Answer) -> None:
        for part in answer if isinstance(answer, list) else [answer]:
            if isinstance(part, Later):
                task = asyncio.get_running_loop().create_task(self._later(writer, part))
                self._tasks.add(task)
            elif part and not writer.is_closing():
                writer.write(part)

    async def _later(self, writer: asyncio.StreamWriter, later: Later) -> None:
        await asyncio.sleep(later.delay)
        self._write(writer, later.data)

    # ------------------------------------------------------------------ the home's answers

    def answer(self, message: Received) -> Answer:
        if isinstance(message, VTHFrame):
            return self.database(message)
        try:
            command = commands.parse_command(message)
        except MessageError:
            return commands.format_error("1", "Wrong command")
        return self.execute(command)

    def execute(self, command: object) -> Answer:
        home = self.home
        if isinstance(command, Keepalive):
            return commands.password_ok()
        if isinstance(command, VersionQuery):
            return commands.format_version(home.version)
        if isinstance(command, StatusQuery):
            return self.status(command)
        if isinstance(command, ScenarioCommand):
            return commands.ok() + commands.format_scenario_result(
                command.id, command.id in home.scenes
            )
        if isinstance(command, ACCommand):
            return self.ac(command)
        if isinstance(command, KeyCommand | DimmerCommand | BlindCommand):
            return self.key(command)
        return commands.ok()

    def status(self, query: StatusQuery) -> Answer:
        home = self.home
        if query.target == "all":
            out = [home.key_line(n, k) for n, k in sorted(home.keys)]
            if home.sweep_acs:
                out += [commands.format_ac_line(s) for s in home.ac_states.values()]
            return b"".join(out)
        if query.target == "key":
            assert query.id is not None
            assert query.key_digit is not None
            if (query.id, query.key_digit) not in home.keys:
                return commands.format_error("3", "Wrong key number")
            return home.key_line(query.id, query.key_digit)
        if query.target == "ac" and query.id in home.ac_states:
            return commands.format_ac_line(home.ac_states[query.id])
        return commands.format_error("1", "Wrong command")

    def key(self, command: KeyCommand | DimmerCommand | BlindCommand) -> Answer:
        address = (command.node, command.key_digit)
        if address not in self.home.keys:
            return commands.format_error("3", "Wrong key number")
        letter, _ = self.home.keys[address]
        if isinstance(command, KeyCommand):
            on = command.action == "O"
            boiler = letter in "of"
            new = ("o" if on else "f") if boiler else ("O" if on else "F")
            self.home.keys[address] = (new, command.minutes if on else 0)
        elif isinstance(command, DimmerCommand):
            self.home.keys[address] = ("D", command.level)
        elif command.position != 255:
            self.home.keys[address] = ("B", command.position)
        return commands.ok() + self.home.key_line(*address)

    def ac(self, command: ACCommand) -> Answer:
        state = self.home.ac_states.get(command.ac)
        if state is None:
            return commands.format_error("1", "Wrong command")
        args = command.args
        if command.sub == 1:
            state = replace(
                state,
                on=True,
                mode=ACMode(int(args[1][0])),
                fan=FanSpeed(int(args[1][1])),
                setpoint=int(args[2]),
                unit=Unit(int(args[3])),
            )
        elif command.sub == 2:
            state = replace(state, on=args[0] == "O")
        elif command.sub == 3:
            state = replace(state, mode=ACMode(int(args[0])))
        elif command.sub == 4:
            state = replace(state, fan=FanSpeed(int(args[0])))
        elif command.sub == 5:
            state = replace(state, setpoint=int(args[0]))
        elif command.sub == 8:
            state = replace(state, unit=Unit(int(args[0])))
        self.home.ac_states[command.ac] = state
        return commands.ok() + commands.format_ac_line(state)

    def database(self, frame: VTHFrame) -> Answer:
        home = self.home
        command = frame.command
        if command == C.ROOM_NUMBERS:
            payload = IdList(tuple(home.rooms)).to_payload()
        elif command == C.ROOM_PARAMS:
            room = vth.decode_id_request(frame.payload)
            payload = RoomParams(room, *home.rooms[room]).to_payload()
        elif command == C.KEYPAD_NUMBERS:
            payload = KeypadList(tuple((k, len(v)) for k, v in home.keypads.items())).to_payload()
        elif command == C.KEY_PARAMS:
            keypad, key = vth.decode_key_request(frame.payload)
            vth_type, room, name = home.keypads[keypad][key - 1]
            payload = KeyParams(keypad, key, vth_type, room, name).to_payload()
        elif command == C.AC_NUMBERS:
            payload = IdList(tuple(home.acs)).to_payload()
        elif command == C.AC_PARAMS:
            ac = vth.decode_id_request(frame.payload)
            payload = ACParams(ac, *home.acs[ac]).to_payload()
        elif command == C.SCENE_NUMBERS:
            payload = IdList(tuple(home.scenes)).to_payload()
        elif command == C.SCENE_PARAMS:
            scene = vth.decode_id_request(frame.payload)
            payload = SceneParams(scene, *home.scenes[scene]).to_payload()
        else:
            return None
        return vth.vth_reply(command, payload)
