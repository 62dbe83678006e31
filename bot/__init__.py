"""The bot process: configuration, wiring, web server, lifecycle, command line."""

__version__ = "0.1.0"
