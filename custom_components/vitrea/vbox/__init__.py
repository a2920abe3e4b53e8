"""vbox: an asyncio client for Vitrea's vBox, with a protocol-neutral model (the front door).

Everything a caller needs is exported here; the modules behind it are free to move.

* Connect: :class:`VBoxClient` (``connect()``, ``close()``, ``set_key()``, listeners)
  with :class:`ClientConfig`; the link is kept up until ``close()``.
* The model: :class:`Installation` of :class:`Room`, :class:`Node` and :class:`Key`,
  serialisable with ``to_dict``/``from_dict``; a key's state is a :class:`KeyStatus`.
* Events: :data:`KeyListener` (every key state and press) and
  :data:`ConnectionListener` (:class:`ConnectionState` changes).
* Errors: everything raised on purpose derives from :class:`VBoxError`
  (:class:`CommandRejectedError` carries the box's :class:`AckType`).

The binary protocol of port 11501 lives in ``vtu/``; a second protocol sits
beside it and produces the same model. The few ``vtu`` names exported at the end
are ones the integration still uses directly.
"""

from __future__ import annotations

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
from .config import DEFAULT_HOST_PORT
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
from .supervisor import ConnectionState
from .vtu.client import (
    DEFAULT_PORT,
    ClientConfig,
    ConnectionListener,
    KeyListener,
    VBoxClient,
)
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
    "CannotConnectError",
    "ClientConfig",
    "CommandRejectedError",
    "ConnectionListener",
    "ConnectionLostError",
    "ConnectionState",
    "FanSpeed",
    "FrameError",
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
    "encode_text",
    "firmware_version",
    "read_key_states",
    "read_node_macs",
    "setpoint_range",
]
