"""The vBox's binary "VTU" protocol on port 11501: frames, messages (V1/V2), client, reader.

Import the library's public names from ``vbox`` itself; this package keeps no
imports of its own so that its modules can be loaded one at a time.
"""
