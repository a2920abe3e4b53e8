"""``python -m simulator``: serve a simulated vBox (see simulator.cli for the options)."""

from .cli import run

run()
