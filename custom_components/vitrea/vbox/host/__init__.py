"""Port 11502: the text "host" protocol and its binary VTH database (imports nothing)."""
