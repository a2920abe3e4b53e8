"""The control console's commands for port 11502: its fault knobs, the ACs and the key LEDs.

``console.run_command`` hands these over when the box serves port 11502
(``--host-api-port``); ``host ...`` sets a knob of that port only.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Final

from .console_args import count, milliseconds, port_knobs
from .faults import ReplyFault
from .host_server import HostSimulator

HOST_SPOILS: Final = (ReplyFault.SHORT.value, ReplyFault.LENGTH.value, ReplyFault.CHECKSUM.value)
_SWITCHES: Final = {"omit-ok": "omit_ok", "echo": "echo", "duplicate": "duplicate_status"}

HOST_HELP: Final = """port 11502 (--host-api-port):
  ac ID | ac-temp ID DEGREES          show an AC; its sensor measures DEGREES (pushes S:A)
  led NODE KEY                        show a key's LED (set by L: commands)
  host drop | stall | unstall         drop the 11502 clients; stop/resume answering
  host drop-every S                   drop them every S seconds (0: no more)
  host refuse | accept                refuse new 11502 connections, or accept them again
  host latency MS | gap MS | push-delay MS | idle S   as above, for 11502 (idle 0: never)
  host malform short|length|checksum [COUNT]   spoil the next COUNT answers (status
                                      lines cut; VTH replies cut, bad length or checksum)
  host late MS [COUNT] | host clear   answer late; no more spoiled or late answers
  host omit-ok|echo|duplicate on|off  no OK after a command; echo H: lines; every
                                      status line twice
  host bad-record CMD ID [ID]         a VTH record with a bad name length (06 8 2: keypad
                                      8, key digit 2)
  host knobs                          show port 11502's knobs"""


def host_knobs(host: HostSimulator) -> dict[str, object]:
    """Port 11502's run-time knobs, in the units of the console."""
    return {
        **port_knobs(host),
        "idle_timeout_s": host.idle_timeout,
        "refuse_connections": host.refuse_connections,
        "drop_every_s": host.drop_every,
        "omit_ok": host.omit_ok,
        "echo": host.echo,
        "duplicate_status": host.duplicate_status,
        "bad_records": sorted(list(record) for record in host.bad_records),
        "ignored_lines": host.ignored,
        "version": host.version,
    }


async def run_host_command(host: HostSimulator, verb: str, args: list[str]) -> str | None:
    """Carry out a port-11502 command; None when ``verb args`` is none of them."""
    numbers = [int(a) for a in args if a.isdigit()]
    if verb == "ac" and len(numbers) == len(args) == 1:
        state = host.ac_state(numbers[0])
        return json.dumps({f.name: _plain(getattr(state, f.name)) for f in fields(state)})
    if verb == "ac-temp" and len(numbers) == len(args) == 2:
        await host.set_ac_temperature(numbers[0], numbers[1])
        return "ok"
    if verb == "led" and len(numbers) == len(args) == 2:
        return json.dumps({"on": host.led(numbers[0], numbers[1])})
    if verb != "host" or not args:
        return None
    return await _knob(host, args[0].lower(), args[1:])


async def _knob(host: HostSimulator, verb: str, args: list[str]) -> str | None:
    if verb == "knobs" and not args:
        return json.dumps(host_knobs(host))
    if verb == "drop" and not args:
        await host.drop_connections()
    elif verb in ("stall", "unstall") and not args:
        host.stalled = verb == "stall"
    elif verb in ("refuse", "accept") and not args:
        host.refuse_connections = verb == "refuse"
    elif verb in ("latency", "gap", "push-delay") and len(args) == 1:
        setattr(
            host,
            {"gap": "min_gap", "push-delay": "push_delay"}.get(verb, verb),
            milliseconds(args[0]),
        )
    elif verb == "drop-every" and len(args) == 1:
        await host.drop_connections_every(float(args[0]))
    elif verb == "idle" and len(args) == 1:
        seconds = float(args[0])
        if seconds < 0:
            raise ValueError("the idle timeout cannot be negative")
        host.idle_timeout = seconds
    elif verb == "malform" and 1 <= len(args) <= 2 and args[0] in HOST_SPOILS:
        host.malform_replies(ReplyFault(args[0]), count(args, 1))
    elif verb == "late" and 1 <= len(args) <= 2:
        delay = milliseconds(args[0])
        if not delay:
            raise ValueError("a late answer needs a delay above 0 ms")
        host.delay_replies(delay, count(args, 1))
    elif verb == "clear" and not args:
        host.clear_reply_faults()
    elif verb in _SWITCHES and args in (["on"], ["off"]):
        setattr(host, _SWITCHES[verb], args[0] == "on")
    elif verb == "bad-record" and 2 <= len(args) <= 3 and all(a.isdigit() for a in args):
        host.bad_vth_record(*(int(a) for a in args))
    else:
        return None
    return "ok"


def _plain(value: object) -> object:
    """An enum as its name, anything else as it is (for JSON)."""
    name = getattr(value, "name", None)
    return name if isinstance(name, str) else value
