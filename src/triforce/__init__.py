"""Triforce: a local mixture-of-experts assistant for SNES 65816 assembly."""

__version__ = "0.1.0"
