"""Diagnostics shared by every layer: a stable code, a severity and a source span.

Tests check codes, never message text. Library calls return result objects that
carry a list of these; only ``cli`` and ``server`` turn them into exit codes or
HTTP errors.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class SourceSpan:
    """Where a diagnostic points. Lines and columns are 1-based; 0 means unknown."""

    file: str = "<input>"
    line: int = 0
    col: int = 0
    end_line: int = 0
    end_col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: SourceSpan = field(default_factory=SourceSpan)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self) -> str:
        """``FILE:LINE:COL: error[CODE]: message`` — the asar-like form the CLI prints."""
        return f"{self.span}: {self.severity.value}[{self.code}]: {self.message}"

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.span.file,
            "line": self.span.line,
            "col": self.span.col,
        }


def error(code: str, message: str, span: SourceSpan | None = None) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, span or SourceSpan())


def warning(code: str, message: str, span: SourceSpan | None = None) -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, span or SourceSpan())


def note(code: str, message: str, span: SourceSpan | None = None) -> Diagnostic:
    return Diagnostic(code, Severity.NOTE, message, span or SourceSpan())


def has_errors(diagnostics) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)
