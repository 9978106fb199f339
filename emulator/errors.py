"""The one error type the emulator answers with: an OCI error body `{"code", "message"}` and a status."""

from __future__ import annotations


class ApiError(Exception):
    """Rendered as `{"code": code, "message": message}` with `status`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def invalid(message: str) -> ApiError:
    return ApiError(400, "InvalidParameter", message)


def not_found() -> ApiError:
    return ApiError(404, "NotAuthorizedOrNotFound", "Authorization failed or requested resource not found.")
