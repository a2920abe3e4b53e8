"""Which protocol a port speaks: port 11502's text lines, port 11501's binary frames, or neither.

``detect_protocol`` says hello in the text protocol first (``P:VITREA``, answered
``S:PSW:OK``); a box that answers in VTU frames, or on a second connection answers
a VTU ToggleHeartbeat, speaks VTU. Every connection it opens, it closes.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Final

from .enums import Protocol
from .errors import CannotConnectError, VBoxTimeoutError
from .host.lines import keepalive
from .vtu.messages import ToggleHeartbeat

HOST_ANSWER: Final = b"S:PSW:OK"
VTU_ANSWER: Final = b"VTU<"


async def detect_protocol(host: str, port: int, timeout: float = 3.0) -> Protocol | None:
    """The protocol ``host:port`` answers in, None if it answers in neither.

    Raises CannotConnectError when nothing accepts connections there, and
    VBoxTimeoutError when the connection itself cannot be made in ``timeout``.
    """
    heard = await _hello(host, port, keepalive(), timeout)
    if HOST_ANSWER in heard:
        return Protocol.HOST
    if VTU_ANSWER in heard:
        return Protocol.VTU
    heard = await _hello(host, port, ToggleHeartbeat(True, True).to_frame(1).to_bytes(), timeout)
    if VTU_ANSWER in heard:
        return Protocol.VTU
    if HOST_ANSWER in heard:
        return Protocol.HOST
    return None


async def _hello(host: str, port: int, greeting: bytes, timeout: float) -> bytes:
    """Connect, send ``greeting``, and return what arrives until an answer or ``timeout``."""
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
    except TimeoutError:
        raise VBoxTimeoutError(f"no answer from {host}:{port} within {timeout:g} s") from None
    except OSError as err:
        raise CannotConnectError(f"cannot reach {host}:{port}: {err.strerror or err}") from err
    heard = b""
    try:
        writer.write(greeting)
        async with asyncio.timeout(timeout):
            while HOST_ANSWER not in heard and VTU_ANSWER not in heard:
                data = await reader.read(4096)
                if not data:
                    break
                heard += data
    except TimeoutError, OSError:
        pass
    finally:
        writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(1):
                await writer.wait_closed()
    return heard
