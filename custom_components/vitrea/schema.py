"""The schema library of flows and actions.

Home Assistant 2026.8 validates with voluptuous; from 2026.9 it validates with
probatio and maps the ``voluptuous`` module name to it. Importing ``voluptuous``
works on both, and the type checker sees what the pinned release really uses.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import probatio as vol
else:
    import voluptuous as vol

__all__ = ["vol"]
