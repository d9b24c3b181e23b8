"""What a policy backend must do for the engine."""

from __future__ import annotations

from typing import Any, Protocol


class BackendError(Exception):
    """The backend could not produce a document: the engine denies, citing this."""


class Backend(Protocol):
    name: str

    def revision(self) -> str:
        """The revision decisions are made under now; may reload changed policies."""
        ...

    def query(self, package: str, document: dict[str, Any]) -> tuple[Any, str]:
        """The package's document for this input (None when undefined), and the
        revision it was evaluated under."""
        ...
