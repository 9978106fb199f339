"""One OS process of the shared-budget test: reserve and settle against the real server, report what it got.

python budget_worker.py URL CALLER TOKENS_BUDGETS BOUND USED ATTEMPTS START_AT
"""

from __future__ import annotations

import json
import sys
import time

from genai_fn.budgets import BudgetStore, parse_budgets


def main() -> None:
    url, caller, budgets, bound, used, attempts, start_at = sys.argv[1:8]
    store = BudgetStore(parse_budgets({"TOKEN_BUDGETS": budgets, "BUDGET_STORE_URL": url}) or sys.exit(2))
    while time.time() < float(start_at):  # every process starts its burst together
        time.sleep(0.001)
    granted = refused = 0
    for _ in range(int(attempts)):
        try:
            reservation = store.reserve(caller, int(bound), time.monotonic() + 10)
        except Exception as exc:  # the 429 comes as BudgetExceeded; anything else is reported and fails the test
            if getattr(exc, "code", "") != "budget_exceeded":
                print(json.dumps({"error": repr(exc)}))
                return
            refused += 1
            continue
        granted += 1
        store.settle(reservation, int(used), time.monotonic() + 10)
    print(json.dumps({"granted": granted, "refused": refused}))


if __name__ == "__main__":
    main()
