"""The browser test: Home Assistant's UI with the integration, in Chromium."""
