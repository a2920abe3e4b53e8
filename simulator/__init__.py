"""A fake vBox for tests, benchmarks and the demo: never shipped with the integration.

``python -m simulator --help`` runs one on a port. It speaks the box side of the
binary protocol (port 11501) through the library's own codec, serves a home
(``homes``), keeps each key's state and pushes its changes (``state``), answers
on TCP (``server``), misbehaves on demand (``faults``) and takes commands from a
console (``console``, ``cli``).
"""
