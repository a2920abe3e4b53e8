"""Soak run (issue 4): Home Assistant with the integration against the simulator.

For a given number of minutes, the box gets wall changes and presses, Home
Assistant gets the service calls a person makes, and every few seconds a fault
hits the link: the box closes it (at a frame boundary or in the middle of one),
sends garbage or a bad checksum, stops answering (briefly, or until the
heartbeat gives up), answers too slowly, is taken by another client, restarts,
reboots, or restarts with a keypad added or removed; or it answers with malformed
replies (also during the state read-back after a drop) or late ones, ignores
requests that come too soon after its last reply (a slow box), or pushes a
command's state late after its ACK. After each fault the run
waits for the integration to recover and compares every entity with the box.

It prints one JSON object (see ``Report.to_json``) and exits with 1 when a
command was lost, written late or twice, a state differed, a recovery or a
disconnect did not happen, or a task outlived the entry. Run ``scripts/soak --help``.
"""
