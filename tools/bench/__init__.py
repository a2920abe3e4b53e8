"""Benchmarks of the Vitrea integration against the bundled simulator (issue 5).

Run them with ``scripts/bench`` (``--json`` for one machine-readable object). They
print figures and never fail on timing; the targets are in the design notes
("Performance targets").
"""
