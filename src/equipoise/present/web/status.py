"""The dashboard's refusals and the HTTP status of every equipoise error (:func:`status_for`)."""

from __future__ import annotations

from ...errors import EquipoiseError, InputError, NoDataError
from ..views import TooManyChanges, Unavailable

__all__ = ["Forbidden", "OverBudget", "PayloadTooLarge", "ServerBusy", "UnsupportedUpload",
           "status_for"]


class PayloadTooLarge(InputError):
    """The request body, or what it asks for (rows, changes), exceeds a limit."""


class UnsupportedUpload(InputError):
    """An upload that is not a TOML text file."""


class Forbidden(EquipoiseError):
    """A form post without a valid CSRF token (403)."""

    status = 403


class ServerBusy(EquipoiseError):
    """Every worker is busy and the queue is full, or no worker came free in time (503)."""

    status = 503
    retry_after = 10


class OverBudget(EquipoiseError):
    """The work took longer than the per-request time budget and was stopped (503)."""

    status = 503


class _Remote(EquipoiseError):
    """An equipoise error raised in a worker process, with the status it maps to."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def status_for(exc: Exception) -> int:
    """HTTP status of an equipoise error: 404 no data, 501 capability missing, 413 too large,
    415 not a text upload, 403 refused, 503 busy or over the time budget, 422 bad input."""
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        return status
    if isinstance(exc, Unavailable):
        return 501
    if isinstance(exc, NoDataError):
        return 404
    if isinstance(exc, (PayloadTooLarge, TooManyChanges)):
        return 413
    if isinstance(exc, UnsupportedUpload):
        return 415
    return 422
