"""schemathesis hooks of the fuzz run (deploy/local/fuzz.sh); loaded through the generated
schemathesis.toml (`hooks = ...`).

- Stripe webhook: a generated body is signed with the development webhook secret (the
  Stripe-Signature scheme v1 over the exact bytes sent), so the fuzzer reaches the event
  handling behind the signature check instead of bouncing off it with 400 every time. A case
  without the header (schemathesis removes required headers on purpose) stays unsigned.
- Categories are shared by every user of the stack and written with the admin token: each
  one the run creates is recorded in $FUZZ_RUN_DIR/created.jsonl so that fixtures.py cleanup
  removes it afterwards. A parent_id or category_id that is not one of the run's own
  categories (the stateful phase learns real IDs from GET /api/v1/manage/categories) is replaced
  by a fresh random UUID or the fixture category: the run never hangs a category or an
  event under a category it does not own (its owner could no longer delete it: 409).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import time
import uuid

import schemathesis

WEBHOOK = "/api/v1/webhooks/stripe"
SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_ticketly_local_development_only")
RUN_DIR = os.environ.get("FUZZ_RUN_DIR", ".")
CATEGORIES = "/api/v1/categories"
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _own_categories() -> list[str]:
    own = []
    try:
        with open(os.path.join(RUN_DIR, "fixtures.json"), encoding="utf-8") as f:
            fx = json.load(f)
        own += [fx["category"], fx["category_delete"]]
        with open(os.path.join(RUN_DIR, "created.jsonl"), encoding="utf-8") as f:
            own += [json.loads(line)["id"] for line in f if line.strip()]
    except (OSError, ValueError, KeyError):
        pass
    return own


def _guard_categories(case) -> None:
    body = case.body
    if not isinstance(body, dict):
        return
    own = None
    for field in ("parent_id", "category_id"):
        value = body.get(field)
        if not isinstance(value, str) or not UUID.match(value):
            continue
        own = own if own is not None else _own_categories()
        if value not in own:
            body[field] = own[0] if own and uuid.uuid4().int % 2 else str(uuid.uuid4())


def _payload(body) -> bytes | None:
    if isinstance(body, bytes):
        return body
    if body is None or type(body).__name__ == "NotSet":
        return None
    try:
        # What requests sends for json=body.
        return json.dumps(body, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError):
        return None


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.operation.path.startswith((CATEGORIES, "/api/v1/events")):
        _guard_categories(case)
        return
    if case.operation.path != WEBHOOK or case.headers is None:
        return
    name = next((h for h in case.headers if h.lower() == "stripe-signature"), None)
    payload = _payload(case.body)
    if name is None or payload is None:
        return
    t = str(int(time.time()))
    mac = hmac.new(SECRET.encode(), t.encode() + b"." + payload, hashlib.sha256).hexdigest()
    case.headers[name] = f"t={t},v1={mac}"


@schemathesis.hook
def after_call(context, case, response):
    if case.method.upper() != "POST" or case.operation.path != CATEGORIES or response.status_code != 201:
        return
    try:
        cid = json.loads(response.content)["id"]
    except (ValueError, KeyError, TypeError):
        return
    with open(os.path.join(RUN_DIR, "created.jsonl"), "a", encoding="utf-8") as f:
        f.write(json.dumps({"kind": "category", "id": cid}) + "\n")
