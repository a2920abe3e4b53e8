"""The client's timing and behaviour knobs, with defaults that suit a real box on a LAN."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .vtu.enums import ProtocolVersion
from .vtu.frames import DEFAULT_MAX_FRAME_SIZE

DEFAULT_PORT: Final = 11501  # the binary "VTU" protocol
DEFAULT_HOST_PORT: Final = 11502  # the text "host" protocol and its VTH database


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Timing and behaviour knobs; the defaults suit a real box on a LAN."""

    connect_timeout: float = 5.0
    request_timeout: float = 2.0
    max_retries: int = 2  # extra attempts of an idempotent request after a timeout
    request_gap: float = 0.0  # the least pause after each answer; adaptive pacing widens it
    max_request_gap: float = 1.0  # adaptive pacing never waits longer than this
    heartbeat_interval: float = 3.0  # silence from the box before a heartbeat
    reconnect_initial: float = 1.0
    reconnect_max: float = 30.0
    reconnect_jitter: float = 0.2  # +-20 % of each delay
    link_wait: float = 5.0  # a request not on the wire this long after the call is never sent
    protocol_version: ProtocolVersion | None = None  # None: detect from NodeMetaData
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE
    # Port 11502 only:
    sweep_idle: float = 1.0  # a status sweep ends after this long without a line from it
    database_timeout: float = 1.0  # per VTH database request (3 attempts each)


# Port 11502: a keep-alive every 15 s (the box is said to drop a link silent for 20 s);
# one unanswered with nothing else heard is a dead link.
HOST_CONFIG: Final = ClientConfig(heartbeat_interval=15.0)
