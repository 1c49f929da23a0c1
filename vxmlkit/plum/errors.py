"""Exceptions raised by the Plum clients.

Every exception message is built so that it never contains the account's login, PIN or
bearer token: bodies are redacted before they are kept or shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class RuleViolation(ValueError):
    """A value breaks one of Plum's documented rules; raised before any request is sent.

    ``field`` names the offending field (``max_retries``, ``calls[3].phone_number`` ...) and
    ``rule`` states the rule in words.
    """

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class CallListError(ValueError):
    """Several calls of a campaign break rules; ``violations`` lists every one of them."""

    def __init__(self, violations: Sequence[RuleViolation]) -> None:
        shown = "; ".join(str(v) for v in violations[:5])
        more = f" (and {len(violations) - 5} more)" if len(violations) > 5 else ""
        super().__init__(f"{len(violations)} call(s) break a rule: {shown}{more}")
        self.violations = list(violations)


class PlumError(Exception):
    """Base class of the errors that come back from a Plum service."""

    def __init__(self, message: str, *, status_code: int | None = None, raw: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        #: The body of the answer (credentials redacted), or "" when nothing came back.
        self.raw = raw


class OutboundError(PlumError):
    """queuecall.php or queuecalls.php refused the request, failed, timed out or answered
    something that is not the documented XML."""


class SchedulerError(PlumError):
    """The Call Scheduling and Pacing API answered with an error."""


class SchedulerValidationError(SchedulerError):
    """The scheduler refused fields; ``field_errors`` maps each field to its messages."""

    def __init__(
        self,
        message: str,
        field_errors: Mapping[str, Sequence[str]],
        *,
        status_code: int | None = None,
        raw: str = "",
    ) -> None:
        super().__init__(message, status_code=status_code, raw=raw)
        self.field_errors = {key: list(values) for key, values in field_errors.items()}


class NicknameTakenError(SchedulerValidationError):
    """A schedule or profile with this nickname already exists."""


class InUseError(SchedulerError):
    """A schedule or profile cannot be deleted while a campaign uses it.

    ``campaign_id`` is the campaign the scheduler named (the highest id when several use it).
    """

    def __init__(
        self,
        message: str,
        campaign_id: int,
        *,
        status_code: int | None = None,
        raw: str = "",
    ) -> None:
        super().__init__(message, status_code=status_code, raw=raw)
        self.campaign_id = campaign_id
