"""The two answers budgets add to the error tree; they move into genai_fn/errors.py when budgets are wired in.

    RequestError
    └── BudgetExceeded           429 budget_exceeded      + Retry-After: until the exceeded window resets
    UpstreamError
    └── BudgetStoreUnavailable   503 budget_unavailable   + Retry-After; BUDGET_ON_STORE_ERROR=closed only

Until then this module is imported only when one is raised (store.py), so the error-table checks of the suite see
the tree errors.py declares.
"""

from __future__ import annotations

from ..errors import RequestError, UpstreamError


class BudgetExceeded(RequestError):
    """The caller has used its tokens for a window: nothing was sent to the model."""

    status, code = 429, "budget_exceeded"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class BudgetStoreUnavailable(UpstreamError):
    """The budget store could not be asked in time and BUDGET_ON_STORE_ERROR=closed: nothing was sent to the model."""

    status, code = 503, "budget_unavailable"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
