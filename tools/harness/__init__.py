"""Home Assistant with the integration against the simulator, in one process.

The benchmarks (``bench``) and the soak run (``soak``) both need a real Home
Assistant core (``bootstrap.async_setup_hass``, as ``hass -c`` runs it) with
the integration set up through its config flow against a ``VBoxSimulator`` on
loopback (port 11501's protocol, or 11502's through a ``HostSimulator`` on the
same home: ``ports``), sharing one event loop so that a knob turned on the box
and its effect in Home Assistant can be timed and compared directly.
"""

from tools.harness.home_assistant import (
    PASSWORD,
    USERNAME,
    add_box,
    add_box_at,
    entry_entity_ids,
    home_assistant,
    simulated_box,
)
from tools.harness.ports import (
    BoxServer,
    add_protocol_option,
    served,
    shown_installation,
    state_keys,
)
from tools.harness.wiretap import TappedFrame, WireMessage, WireTap, wiretap

__all__ = [
    "PASSWORD",
    "USERNAME",
    "BoxServer",
    "TappedFrame",
    "WireMessage",
    "WireTap",
    "add_box",
    "add_box_at",
    "add_protocol_option",
    "entry_entity_ids",
    "home_assistant",
    "served",
    "shown_installation",
    "simulated_box",
    "state_keys",
    "wiretap",
]
