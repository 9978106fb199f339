"""Token budgets per caller, shared by every container through OCI Cache (a Redis/Valkey cluster).

    TOKEN_BUDGETS=*:200000/day,team-a:1000000/day,ci-bot:5000/hour
    BUDGET_STORE_URL=rediss://genai-budgets:<password>@<primary FQDN>:6379/0
    BUDGET_ON_STORE_ERROR=closed            # or open

`config.parse_budgets` reads them (None when TOKEN_BUDGETS is empty); `store.BudgetStore` reserves a request's own
token bound before the model call and settles with the service's count after it (docs/usage.md). The Redis client
library is imported only when budgets are configured.
"""

from __future__ import annotations

from .config import Budget, BudgetPolicy, parse_budgets
from .store import BudgetStore, Reservation

__all__ = ["Budget", "BudgetPolicy", "BudgetStore", "Reservation", "parse_budgets"]
