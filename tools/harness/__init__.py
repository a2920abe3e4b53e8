"""Home Assistant with the integration against the simulator, in one process.

The benchmarks (``bench``) and the soak run (``soak``) both need a real Home
Assistant core (``bootstrap.async_setup_hass``, as ``hass -c`` runs it) with
the integration set up through its config flow against a ``VBoxSimulator`` on
loopback, sharing one event loop so that a knob turned on the box and its
effect in Home Assistant can be timed and compared directly.
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
from tools.harness.wiretap import TappedFrame, WireTap, wiretap

__all__ = [
    "PASSWORD",
    "USERNAME",
    "TappedFrame",
    "WireTap",
    "add_box",
    "add_box_at",
    "entry_entity_ids",
    "home_assistant",
    "simulated_box",
    "wiretap",
]
