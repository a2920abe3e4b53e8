"""Tests of the simulator (simulator/): real bytes over loopback sockets."""
