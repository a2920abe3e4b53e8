"""BoxClient: what every client offers, whichever port and protocol it speaks.

Both ``VBoxClient`` (port 11501) and ``HostClient`` (port 11502) satisfy it; the
integration's coordinator, topology and diagnostics are written against it.
What only one protocol has (keypad settings on 11501; ACs, scenarios and key LEDs
on 11502) is on that client alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from typing import Protocol as TypingProtocol

from .config import ClientConfig
from .enums import KeyPowerStatus, Protocol
from .errors import VBoxError
from .installation import Installation, KeyAddress
from .supervisor import ConnectionState
from .vtu.capture import FrameCapture
from .vtu.enums import ProtocolVersion
from .vtu.replies import KeyStatus


class BoxClient(TypingProtocol):
    """The API common to the clients of both protocols."""

    host: str
    port: int
    config: ClientConfig
    key_states: dict[KeyAddress, KeyStatus]
    capture: FrameCapture

    @property
    def protocol(self) -> Protocol: ...
    @property
    def protocol_version(self) -> ProtocolVersion | None: ...
    @property
    def firmware(self) -> str | None: ...
    @property
    def discarded(self) -> Mapping[Any, int]: ...
    @property
    def connected(self) -> bool: ...
    @property
    def state(self) -> ConnectionState | None: ...
    @property
    def last_error(self) -> VBoxError | None: ...
    @property
    def current_gap(self) -> float: ...
    @property
    def unanswered_requests(self) -> int: ...

    def add_key_listener(
        self, listener: Callable[[KeyStatus, bool], None]
    ) -> Callable[[], None]: ...
    def add_connection_listener(
        self, listener: Callable[[ConnectionState], None]
    ) -> Callable[[], None]: ...
    def track_keys(self, keys: Iterable[KeyAddress]) -> None: ...
    def untrack_keys(self, keys: Iterable[KeyAddress]) -> None: ...
    def forget_states(self, keys: Iterable[KeyAddress]) -> None: ...

    async def connect(self) -> None: ...
    async def close(self) -> None: ...
    async def set_key(
        self,
        node_id: int,
        key_id: int,
        action: KeyPowerStatus,
        *,
        dimmer: int = 0,
        timer: int = 0,
    ) -> None: ...
    async def read_installation(self, *, with_states: bool = True) -> Installation: ...
    async def check_installation(self, known: Installation) -> Installation: ...
    async def read_key_states(self, keys: Iterable[KeyAddress]) -> None: ...
