"""Skills: the vetted, code-defined table of what agents can do.

A blueprint names skills by id; the code that runs each one lives here and is
never taken from a blueprint. A handler that cannot run on this host raises
`NotRunnable`, which the worker reports as a non-retryable failure starting
with "not runnable here: " and never as success.
"""

from __future__ import annotations

NOT_RUNNABLE_PREFIX = "not runnable here: "


class NotRunnable(Exception):
    """This skill cannot run on this host; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{NOT_RUNNABLE_PREFIX}{reason}")
        self.reason = reason
