"""One OS process of the shared-budget test: reserve and settle against the real server, report what it got.

python budget_worker.py URL CALLER TOKENS_BUDGETS BOUND USED ATTEMPTS GO_FILE

It connects first (a reservation of 0 tokens), prints `ready`, and starts its burst when GO_FILE exists: the test
creates it once every process is ready, so a process slow to start on a loaded machine still draws on the budget.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from genai_fn.budgets import BudgetStore, parse_budgets


def main() -> None:
    url, caller, budgets, bound, used, attempts, go_file = sys.argv[1:8]
    store = BudgetStore(parse_budgets({"TOKEN_BUDGETS": budgets, "BUDGET_STORE_URL": url}) or sys.exit(2))
    store.reserve(caller, 0, time.monotonic() + 30)  # connected (TLS, user) before the burst
    print("ready", flush=True)
    while not Path(go_file).exists():  # every process starts its burst together
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
