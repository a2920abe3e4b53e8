"""vbox: an asyncio client for Vitrea's vBox, with a protocol-neutral model (the front door).

Everything a caller needs is exported here; the modules behind it are free to move.

* Connect: :class:`VBoxClient` (port 11501: ``connect()``, ``close()``, ``set_key()``,
  listeners) or :class:`HostClient` (port 11502, also ACs and scenarios), both
  :class:`BoxClient`, with :class:`ClientConfig`; the link is kept up until
  ``close()``. :func:`detect_protocol` tells which one a port speaks.
* The model: :class:`Installation` of :class:`Room`, :class:`Node` and :class:`Key`
  (and :class:`AirConditioner`, :class:`Scenario`), serialisable with
  ``to_dict``/``from_dict``; a key's state is a :class:`KeyStatus`, an AC's an
  :class:`ACState`.
* Events: :data:`KeyListener` (every key state and press) and
  :data:`ConnectionListener` (:class:`ConnectionState` changes).
* Errors: everything raised on purpose derives from :class:`VBoxError`
  (:class:`CommandRejectedError` carries the box's :class:`AckType`).

The binary protocol of port 11501 lives in ``vtu/``, port 11502's text and VTH
protocols in ``host/``; both produce the same model. The few ``vtu`` names exported at the end
are ones the integration still uses directly.
"""

from __future__ import annotations

from .box_client import BoxClient
from .climate import (
    ACMode,
    ACState,
    ACType,
    FanSpeed,
    TemperatureUnit,
    ac_fan_speeds,
    ac_modes,
    setpoint_range,
)
from .config import DEFAULT_HOST_PORT, DEFAULT_PORT, ClientConfig
from .enums import (
    KeyCategory,
    KeyPowerStatus,
    KeyType,
    LEDBackgroundBrightness,
    LockStatus,
    Protocol,
)
from .errors import (
    AuthenticationError,
    BoxBusyError,
    CannotConnectError,
    CommandRejectedError,
    ConnectionLostError,
    FrameError,
    MessageError,
    NotConnectedError,
    ProtocolError,
    VBoxConnectionError,
    VBoxError,
    VBoxTimeoutError,
)
from .host.client import HostClient
from .installation import (
    AirConditioner,
    Installation,
    InstallationFormatError,
    Key,
    KeyAddress,
    Node,
    Room,
    Scenario,
    active_keys,
    firmware_version,
)
from .probe import detect_protocol
from .supervisor import ConnectionState
from .vtu.client import ConnectionListener, KeyListener, VBoxClient
from .vtu.enums import AckType, ProtocolVersion
from .vtu.messages import (
    BLIND_STOP,
    KeyStatus,
    NodeMetaData,
    NodeMetaDataRequest,
    encode_text,
)
from .vtu.reader import read_key_states, read_node_macs

__all__ = [
    "BLIND_STOP",
    "DEFAULT_HOST_PORT",
    "DEFAULT_PORT",
    "ACMode",
    "ACState",
    "ACType",
    "AckType",
    "AirConditioner",
    "AuthenticationError",
    "BoxBusyError",
    "BoxClient",
    "CannotConnectError",
    "ClientConfig",
    "CommandRejectedError",
    "ConnectionListener",
    "ConnectionLostError",
    "ConnectionState",
    "FanSpeed",
    "FrameError",
    "HostClient",
    "Installation",
    "InstallationFormatError",
    "Key",
    "KeyAddress",
    "KeyCategory",
    "KeyListener",
    "KeyPowerStatus",
    "KeyStatus",
    "KeyType",
    "LEDBackgroundBrightness",
    "LockStatus",
    "MessageError",
    "Node",
    "NodeMetaData",
    "NodeMetaDataRequest",
    "NotConnectedError",
    "Protocol",
    "ProtocolError",
    "ProtocolVersion",
    "Room",
    "Scenario",
    "TemperatureUnit",
    "VBoxClient",
    "VBoxConnectionError",
    "VBoxError",
    "VBoxTimeoutError",
    "ac_fan_speeds",
    "ac_modes",
    "active_keys",
    "detect_protocol",
    "encode_text",
    "firmware_version",
    "read_key_states",
    "read_node_macs",
    "setpoint_range",
]
