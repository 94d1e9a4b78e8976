"""Domain errors: raised by services, turned into responses by the API and the panel."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the request. ``message`` is Chinese and meant for people."""

    status = 400
    code_name = "bad_request"

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know it does."""

    status = 404
    code_name = "not_found"


class Forbidden(DomainError):
    status = 403
    code_name = "forbidden"


class Conflict(DomainError):
    """The request collides with the current state (used code, duplicate, closed)."""

    status = 409
    code_name = "conflict"


class Unauthorized(DomainError):
    status = 401
    code_name = "unauthorized"


class Gone(DomainError):
    """The thing existed but has expired."""

    status = 410
    code_name = "gone"


class UpstreamError(DomainError):
    """A remote service (WeChat) refused or failed."""

    status = 502
    code_name = "bad_gateway"


class Invalid(DomainError):
    """The input breaks a rule (a field is missing, out of range, malformed)."""

    status = 422
    code_name = "unprocessable"
