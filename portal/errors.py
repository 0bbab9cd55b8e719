"""The one family of domain errors that services raise.

Views and the API turn them into a form message or a 400/409 body in one place
(`portal.api.exception_handler` and `portal.views.run_service`).
"""


class ApplicationError(Exception):
    """A request the programme's rules refuse. `status` is the HTTP status it maps to."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        extra: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        # Figures the API body carries beside the message (e.g. `committed`).
        self.extra = extra or {}
        if code:
            self.code = code


class ValidationFailed(ApplicationError):
    status = 400
    code = "invalid"


class InvalidTransition(ApplicationError):
    """The object is not in a state that allows this action (already decided, ...)."""

    status = 409
    code = "invalid_transition"


class InsufficientBalance(ApplicationError):
    status = 409
    code = "insufficient_balance"


class BudgetExceeded(ApplicationError):
    status = 409
    code = "budget_exceeded"


class CapExceeded(ApplicationError):
    status = 409
    code = "cap_exceeded"


class AlreadyRedeemed(ApplicationError):
    status = 409
    code = "already_redeemed"


class TooManyRequests(ApplicationError):
    """Allowed, but not this often: a person's messages to one recipient, for instance."""

    status = 429
    code = "too_many_requests"


class NotAllowed(ApplicationError):
    """A role that may never do this (403)."""

    status = 403
    code = "permission_denied"
