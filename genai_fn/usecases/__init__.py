"""The use cases: what the function does for a validated request, ignorant of wire contracts and of SDK types.

Each takes the function as configured, the contract's parsed (neutral) request and the invocation's deadline, and
returns the neutral reply the contract renders; each notes what the request log needs in logs.current_record().
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config import Settings
from ..upstream.client import Upstream

if TYPE_CHECKING:
    from ..budgets.store import BudgetStore
    from ..fallbacks.cooldown import Cooldowns


@dataclass(frozen=True)
class Configured:
    """The function when its configuration is valid: the settings and the clients built from them, once."""

    settings: Settings
    upstream: Upstream
    budgets: BudgetStore | None = None
    """The token budget store (TOKEN_BUDGETS); None: budgets are off."""
    cooldowns: Cooldowns | None = None
    """The fallback targets' cooldowns (FALLBACKS); None: fallbacks are off."""
