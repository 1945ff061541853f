"""Fixtures of the fuzz run (deploy/local/fuzz.sh), made and removed through the public APIs.

The fuzz run writes only through users who own nothing shared, so whatever schemathesis
sends cannot reach the demo data or another user's state:

  FUZZ_ORGANIZER   (buyer481) owns the fuzz organizations, events, sessions, templates and
                   discounts, and places the organizer calls of the order service
  FUZZ_ORGANIZER2  (buyer482) owns one PENDING event, the target of approve/reject
  FUZZ_BUYER       (buyer483) places the orders
  FUZZ_MEMBER      (buyer484) is the member the membership routes add and remove, and
                   buys the tickets the check-ins scan

`admin` (event_admin, category_admin, organization_admin) is used only to list every
organization (read-only), to create categories (each one recorded and removed afterwards;
hooks.py keeps parent_id among the run's own categories) and for PATCH/DELETE of categories
and approve/reject of events, whose path parameters the generated config pins to these
fixtures: nothing generated, or learned from a response by the stateful phase, can point an
admin call at data the run does not own. The other tokens reach only their owners' data
(which is what authorization is for), so their IDs are bound to fixtures most of the time
and generated otherwise.

  fixtures.py setup DIR    remove leftovers, create the fixtures, write DIR/fixtures.json,
                           DIR/tokens.env and DIR/schemathesis.toml
  fixtures.py tokens DIR   write fresh access tokens to DIR/tokens.env (before each service)
  fixtures.py cleanup DIR  remove everything the fuzz users own and the categories the run
                           created (DIR/created.jsonl, appended by hooks.py)

The buyers 481-484 are outside the ranges the Go tests pick (500-1000, 301-305, 421) and the
load tools use only for orders and streams.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

COMMAND = os.environ.get("FUZZ_COMMAND_URL", "http://127.0.0.1:8081")
QUERY = os.environ.get("FUZZ_QUERY_URL", "http://127.0.0.1:8082")
ORDER = os.environ.get("FUZZ_ORDER_URL", "http://127.0.0.1:8083")
SCHEDULER = os.environ.get("FUZZ_SCHEDULER_URL", "http://127.0.0.1:8084")
KEYCLOAK = os.environ.get("FUZZ_KEYCLOAK_URL", "http://localhost:8180")
WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_ticketly_local_development_only")

ORGANIZER = os.environ.get("FUZZ_ORGANIZER", "buyer481")
ORGANIZER2 = os.environ.get("FUZZ_ORGANIZER2", "buyer482")
BUYER = os.environ.get("FUZZ_BUYER", "buyer483")
MEMBER = os.environ.get("FUZZ_MEMBER", "buyer484")
ADMIN = os.environ.get("FUZZ_ADMIN", "admin")

HTTP = requests.Session()
_tokens: dict[str, str] = {}


def log(msg: str) -> None:
    print(f"{time.strftime('%H:%M:%S', time.gmtime())} [fuzz] {msg}", file=sys.stderr, flush=True)


class CallError(RuntimeError):
    pass


def token(user: str) -> str:
    if user not in _tokens:
        r = HTTP.post(f"{KEYCLOAK}/realms/ticketly/protocol/openid-connect/token", timeout=30,
                      data={"grant_type": "password", "client_id": "dev-cli", "username": user, "password": user})
        if r.status_code != 200:
            raise CallError(f"token for {user}: HTTP {r.status_code} {r.text[:200]}")
        _tokens[user] = r.json()["access_token"]
    return _tokens[user]


def subject(user: str) -> str:
    payload = token(user).split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


def call(user: str | None, method: str, url: str, body=None, ok=(200, 201, 204), headers=None):
    h = dict(headers or {})
    if user:
        h["Authorization"] = "Bearer " + token(user)
    for attempt in range(6):  # a restarting dependency (make chaos) answers 5xx for seconds
        try:
            r = HTTP.request(method, url, json=body, headers=h, timeout=60)
        except requests.ConnectionError:
            if attempt == 5:
                raise
            time.sleep(3)
            continue
        if r.status_code < 500 or r.status_code in ok or attempt == 5:
            break
        time.sleep(3)
    if r.status_code not in ok:
        raise CallError(f"{method} {url} as {user}: HTTP {r.status_code} {r.text[:300]}")
    return r.json() if r.content and r.headers.get("Content-Type", "").startswith("application/json") else None


def ts(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign(payload: bytes) -> str:
    """A Stripe-Signature header for payload (scheme v1: HMAC-SHA256 of "t.payload")."""
    t = str(int(time.time()))
    mac = hmac.new(WEBHOOK_SECRET.encode(), t.encode() + b"." + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def pay(order: dict) -> None:
    pi = order["payment"]["payment_intent_id"]
    event = {"id": "evt_fuzz_" + uuid.uuid4().hex, "object": "event", "type": "payment_intent.succeeded",
             "api_version": "2023-10-16", "created": int(time.time()),
             "data": {"object": {"id": pi, "object": "payment_intent", "amount": order["total_minor"],
                                 "amount_received": order["total_minor"], "currency": order["currency"].lower(),
                                 "status": "succeeded", "metadata": {"order_id": order["id"]}}}}
    payload = json.dumps(event).encode()
    r = HTTP.post(f"{ORDER}/api/v1/webhooks/stripe", data=payload, timeout=60,
                  headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload)})
    if r.status_code != 200 or r.json().get("outcome") != "paid":
        raise CallError(f"paying order {order['id']}: HTTP {r.status_code} {r.text[:300]}")


# ---------------------------------------------------------------------------------------
# cleanup


def _pages(user: str, url: str):
    page = 1
    while True:
        sep = "&" if "?" in url else "?"
        body = call(user, "GET", f"{url}{sep}page={page}&page_size=100")
        yield from body["items"]
        if page * body["page_size"] >= body["total"]:
            return
        page += 1


def remove_owned(user: str) -> int:
    """Deletes every organization user owns, with its events (sessions cancelled first)."""
    sub, n = subject(user), 0
    for org in call(user, "GET", f"{COMMAND}/api/v1/organizations/mine")["items"]:
        if org["owner_id"] != sub:
            continue
        for ev in list(_pages(user, f"{COMMAND}/api/v1/manage/events?organization_id={org['id']}")):
            full = call(user, "GET", f"{COMMAND}/api/v1/manage/events/{ev['id']}", ok=(200, 404))
            for s in (full or {}).get("sessions", []):
                if s["status"] in ("SCHEDULED", "ON_SALE", "SOLD_OUT"):
                    call(user, "POST", f"{COMMAND}/api/v1/sessions/{s['id']}/cancel", ok=(200, 404, 409))
            call(user, "DELETE", f"{COMMAND}/api/v1/events/{ev['id']}", ok=(204, 404))
        call(user, "DELETE", f"{COMMAND}/api/v1/organizations/{org['id']}", ok=(204, 404))
        n += 1
    return n


def cancel_pending_orders(user: str) -> int:
    n = 0
    for o in list(_pages(user, f"{ORDER}/api/v1/orders")):
        if o["status"] == "PENDING_PAYMENT":
            call(user, "POST", f"{ORDER}/api/v1/orders/{o['id']}/cancel", ok=(200, 404, 409))
            n += 1
    return n


def remove_categories(run: Path) -> int:
    f = run / "created.jsonl"
    if not f.exists():
        return 0
    ids = []
    for line in f.read_text().splitlines():
        if line.strip():
            rec = json.loads(line)
            if rec.get("kind") == "category" and rec["id"] not in ids:
                ids.append(rec["id"])
    # Children were created after their parents: delete newest first, and go round again
    # for a category that still had a child the first time.
    left = list(reversed(ids))
    for _ in range(3):
        still = []
        for cid in left:
            r = HTTP.delete(f"{COMMAND}/api/v1/categories/{cid}", timeout=60,
                            headers={"Authorization": "Bearer " + token(ADMIN)})
            if r.status_code == 409:
                still.append(cid)
            elif r.status_code not in (204, 404):
                raise CallError(f"DELETE category {cid}: HTTP {r.status_code} {r.text[:200]}")
        left = still
    if left:
        raise CallError(f"categories still in use after the run: {left}")
    f.write_text("")
    return len(ids)


def remove_subscriptions(user: str) -> int:
    items = call(user, "GET", f"{SCHEDULER}/api/v1/subscriptions")["items"]
    for sub in items:
        call(user, "DELETE", f"{SCHEDULER}/api/v1/subscriptions/{sub['id']}", ok=(204, 404))
    return len(items)


def cleanup(run: Path) -> None:
    subs = remove_subscriptions(BUYER)
    orders = cancel_pending_orders(BUYER) + cancel_pending_orders(MEMBER)
    orgs = remove_owned(ORGANIZER) + remove_owned(ORGANIZER2)
    cats = remove_categories(run)
    log(f"cleanup: {subs} subscriptions, {orders} pending orders cancelled, {orgs} organizations and {cats} categories removed")


# ---------------------------------------------------------------------------------------
# setup


def layout(tier: str, rows: int, cols: int) -> dict:
    return {"blocks": [
        {"id": "stage", "name": "Stage", "type": "non_sellable", "position": {"x": 0, "y": 0}},
        {"id": "stalls", "name": "Stalls", "type": "seated_grid", "position": {"x": 0, "y": 10},
         "grid": {"rows": rows, "columns": cols, "tier_id": tier}},
        {"id": "ga", "name": "Standing", "type": "standing", "capacity": 500, "tier_id": tier},
    ]}


def setup(run: Path) -> dict:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    tag = now.strftime("%Y%m%dT%H%M%S")
    cleanup(run)
    c = f"{COMMAND}/api/v1"
    org_a = call(ORGANIZER, "POST", f"{c}/organizations", {"name": f"Fuzz {tag}", "website": "https://fuzz.example"})
    org_d = call(ORGANIZER, "POST", f"{c}/organizations", {"name": f"Fuzz {tag} (to delete)"})
    created = run / "created.jsonl"
    cats = []
    for i in (1, 2):
        cat = call(ADMIN, "POST", f"{c}/categories", {"name": f"fuzz-{tag}-{i}"})
        with created.open("a") as f:
            f.write(json.dumps({"kind": "category", "id": cat["id"]}) + "\n")
        cats.append(cat["id"])
    ev_a = call(ORGANIZER, "POST", f"{c}/events", {
        "organization_id": org_a["id"], "category_id": cats[0], "title": f"Fuzz fixture {tag}",
        "description": "Made by deploy/local/fuzz.sh; removed when the run ends.",
        "cover_images": ["https://fuzz.example/cover.jpg"],
        "tiers": [{"name": "Standard", "colour": "#336699", "price_minor": 2500, "currency": "EUR"},
                  {"name": "Spare", "price_minor": 1000, "currency": "EUR"}]})
    tier, spare = ev_a["tiers"][0]["id"], ev_a["tiers"][1]["id"]

    def session(event_id: str, sales_start: datetime, rows: int, cols: int, tier_id: str, days: int) -> dict:
        start = (now + timedelta(days=days)).replace(hour=19, minute=30, second=0)
        return call(ORGANIZER, "POST", f"{c}/events/{event_id}/sessions", {
            "start_time": ts(start), "end_time": ts(start + timedelta(hours=3)),
            "sales_start_time": ts(sales_start), "session_type": "PHYSICAL",
            "venue": {"name": "Fuzz Hall", "address": "1 Test Street, Berlin", "latitude": 52.52, "longitude": 13.40},
            "layout": layout(tier_id, rows, cols)})

    open_ = now - timedelta(hours=1)
    later = now + timedelta(days=10)
    s_sale = session(ev_a["id"], open_, 20, 20, tier, 30)     # orders, blocks, the read side
    s_edit = session(ev_a["id"], later, 2, 5, tier, 31)       # PATCH, PUT layout
    s_cancel = session(ev_a["id"], open_, 2, 5, tier, 32)     # cancel
    s_delete = session(ev_a["id"], later, 1, 2, tier, 33)     # DELETE
    discounts = {}
    for code, body in {
        "FUZZ10": {"kind": "PERCENTAGE", "percent": 10, "public": True},
        "FUZZFREE": {"kind": "PERCENTAGE", "percent": 100},
        "FUZZBOGO": {"kind": "BUY_N_GET_N_FREE", "buy": 1, "get": 1, "public": True, "usage_limit": 1000},
        "FUZZFLAT": {"kind": "FLAT_OFF", "amount_minor": 500, "min_spend_minor": 1000, "session_ids": [s_sale["id"]]},
        "FUZZDEL": {"kind": "FLAT_OFF", "amount_minor": 100},
    }.items():
        discounts[code] = call(ORGANIZER, "POST", f"{c}/events/{ev_a['id']}/discounts", {"code": code, **body})["id"]
    tpl = [call(ORGANIZER, "POST", f"{c}/organizations/{org_a['id']}/seating-templates",
                {"name": f"Fuzz template {i}", "layout": layout(tier, 2, 3)})["id"] for i in (1, 2)]
    tpl_layout = {"blocks": [{"id": "main", "name": "Main", "type": "seated_grid", "grid": {"rows": 2, "columns": 4}}]}
    call(ORGANIZER, "PUT", f"{c}/seating-templates/{tpl[0]}", {"name": "Fuzz template 1", "layout": tpl_layout})
    ev_b = call(ORGANIZER, "POST", f"{c}/events", {
        "organization_id": org_a["id"], "title": f"Fuzz draft {tag}",
        "tiers": [{"name": "Standard", "price_minor": 1500, "currency": "EUR"}]})
    ev_e = call(ORGANIZER, "POST", f"{c}/events", {"organization_id": org_a["id"], "title": f"Fuzz draft {tag} (to delete)"})
    call(ORGANIZER, "PUT", f"{c}/organizations/{org_a['id']}/members/{subject(MEMBER)}", {"roles": ["SCANNER"]})
    call(ORGANIZER, "POST", f"{c}/events/{ev_a['id']}/submit")
    call(ADMIN, "POST", f"{c}/events/{ev_a['id']}/approve")

    # The second organizer's PENDING event: approve and reject have something to act on.
    org_c = call(ORGANIZER2, "POST", f"{c}/organizations", {"name": f"Fuzz {tag} (second organizer)"})
    ev_c = call(ORGANIZER2, "POST", f"{c}/events", {
        "organization_id": org_c["id"], "title": f"Fuzz pending {tag}",
        "tiers": [{"name": "Standard", "price_minor": 2000, "currency": "EUR"}]})
    start = now + timedelta(days=40)
    call(ORGANIZER2, "POST", f"{c}/events/{ev_c['id']}/sessions", {
        "start_time": ts(start), "end_time": ts(start + timedelta(hours=2)), "sales_start_time": ts(later),
        "session_type": "ONLINE", "online_link": "https://fuzz.example/stream",
        "layout": {"blocks": [{"id": "ga", "name": "Online", "type": "standing", "capacity": 100,
                               "tier_id": ev_c["tiers"][0]["id"]}]}})
    call(ORGANIZER2, "POST", f"{c}/events/{ev_c['id']}/submit")

    # Orders of the fuzz buyer: two paid (tickets, check-in, refunds), one pending (cancel).
    sale = call(ORGANIZER, "GET", f"{c}/manage/sessions/{s_sale['id']}")
    seats = [s["id"] for b in sale["layout"]["blocks"] if b["type"] == "seated_grid" for r in b["rows"] for s in r["seats"]]

    def order(seat_ids: list[str], buyer: str = BUYER) -> dict:
        return call(buyer, "POST", f"{ORDER}/api/v1/orders", {"session_id": s_sale["id"], "seat_ids": seat_ids},
                    headers={"Idempotency-Key": "fuzz-fixture-" + uuid.uuid4().hex})

    paid, refundable, pending = order(seats[0:2]), order(seats[2:4]), order(seats[4:5])
    # The check-in tickets belong to another buyer: no response of the buyer's own calls
    # names that order, so the fuzzer does not refund it (voiding its tickets) first.
    entry = order(seats[5:8], MEMBER)
    for o in (paid, refundable, entry):
        pay(o)
    tickets = call(MEMBER, "GET", f"{ORDER}/api/v1/orders/{entry['id']}/tickets")["items"]
    refund_tickets = call(BUYER, "GET", f"{ORDER}/api/v1/orders/{refundable['id']}/tickets")["items"]

    deadline = time.time() + 120
    while call(None, "GET", f"{QUERY}/api/v1/sessions/{s_sale['id']}/seats", ok=(200, 404)) is None or \
            call(None, "GET", f"{QUERY}/api/v1/events/{ev_a['id']}", ok=(200, 404)) is None:
        if time.time() > deadline:
            raise CallError(f"event-query did not serve the fuzz event {ev_a['id']} within 120 s")
        time.sleep(1)

    fx = {
        "tag": tag, "org": org_a["id"], "org_delete": org_d["id"], "category": cats[0], "category_delete": cats[1],
        "event": ev_a["id"], "event_draft": ev_b["id"], "event_delete": ev_e["id"], "event_pending": ev_c["id"],
        "tier": tier, "tier_delete": spare, "draft_tier": ev_b["tiers"][0]["id"],
        "session_sale": s_sale["id"], "session_edit": s_edit["id"], "session_cancel": s_cancel["id"],
        "session_delete": s_delete["id"], "discount": discounts["FUZZ10"], "discount_delete": discounts["FUZZDEL"],
        "discount_codes": list(discounts), "template": tpl[0], "template_delete": tpl[1],
        "member": subject(MEMBER), "order_paid": paid["id"], "order_refund": refundable["id"],
        "order_pending": pending["id"], "payment_intents": [o["payment"]["payment_intent_id"] for o in (paid, refundable, pending)],
        "seats_order": seats[10:300], "seats_block": seats[300:400], "qr": [t["qr"] for t in tickets],
        "refund_tickets": [t["id"] for t in refund_tickets],
    }
    (run / "fixtures.json").write_text(json.dumps(fx, indent=1))
    write_tokens(run)
    (run / "schemathesis.toml").write_text(config(fx))
    log(f"fixtures: organization {org_a['id']}, event {ev_a['id']} (session on sale {s_sale['id']}), "
        f"orders {paid['id']} (paid) {pending['id']} (pending)")
    return fx


def write_tokens(run: Path) -> None:
    _tokens.clear()
    f = run / "tokens.env"
    f.touch(mode=0o600)
    f.write_text("".join(
        f"FUZZ_TOKEN_{k}={token(u)}\n" for k, u in (("ORGANIZER", ORGANIZER), ("BUYER", BUYER), ("ADMIN", ADMIN))))


# ---------------------------------------------------------------------------------------
# schemathesis configuration


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


ORGANIZER_AUTH = {"Authorization": "Bearer ${FUZZ_TOKEN_ORGANIZER}"}
BUYER_AUTH = {"Authorization": "Bearer ${FUZZ_TOKEN_BUYER}"}
ADMIN_AUTH = {"Authorization": "Bearer ${FUZZ_TOKEN_ADMIN}"}


def config(fx: dict) -> str:
    """The schemathesis.toml of the run: one [[project]] per service (matched by the title of
    its document) with the token each operation is called with, path parameters pinned to the
    fixtures, and dictionaries that put fixture IDs into generated bodies some of the time."""
    dictionaries = {
        "org": [fx["org"]], "org_delete": [fx["org_delete"]], "category": [fx["category"]],
        "template": [fx["template"]], "template_delete": [fx["template_delete"]],
        "event": [fx["event"]], "event_draft": [fx["event_draft"]], "event_delete": [fx["event_delete"]],
        "tier": [fx["tier"]], "tier_delete": [fx["tier_delete"]], "draft_tier": [fx["draft_tier"]],
        "session": [fx["session_sale"]], "session_edit": [fx["session_edit"]],
        "session_cancel": [fx["session_cancel"]], "session_delete": [fx["session_delete"]],
        "sessions": [fx["session_sale"], fx["session_cancel"], fx["session_edit"]],
        "discount": [fx["discount"]], "discount_delete": [fx["discount_delete"]], "member": [fx["member"]],
        "seats": fx["seats_order"], "block_seats": fx["seats_block"], "codes": fx["discount_codes"],
        "standing": ["ga"], "qr": fx["qr"], "refund_tickets": fx["refund_tickets"],
        "order_paid": [fx["order_paid"]], "order_pending": [fx["order_pending"]], "order_refund": [fx["order_refund"]],
        "orders": [fx["order_pending"], fx["order_paid"], fx["order_refund"]], "intents": fx["payment_intents"],
    }

    def bind(p: float = 0.85, **kw: str) -> dict:
        """Dictionary bindings: the fixture with probability p, a generated value otherwise
        (a malformed or unknown ID must be answered 400 or 404)."""
        return {k.replace("__", ".").replace("_ALL_", "[*]"): {"dictionary": v, "probability": p} for k, v in kw.items()}

    # (operation names, token, parameters). Operations called with the admin token have their
    # path parameters pinned: nothing generated or learned from a response (the stateful phase
    # follows links) can point them at data the fuzz run does not own. The other tokens can
    # reach only the fuzz users' own data, so their IDs are generated or bound to fixtures.
    # PUT members pins user_id: a member id becomes part of the read model's documents.
    command = [
        (["GET /api/v1/organizations", "POST /api/v1/categories"], ADMIN_AUTH, {}),
        (["PATCH /api/v1/categories/{id}"], ADMIN_AUTH, {"path.id": fx["category"]}),
        (["DELETE /api/v1/categories/{id}"], ADMIN_AUTH, {"path.id": fx["category_delete"]}),
        (["POST /api/v1/events/{id}/approve", "POST /api/v1/events/{id}/reject"], ADMIN_AUTH, {"path.id": fx["event_pending"]}),
        (["GET /api/v1/organizations/{id}", "PATCH /api/v1/organizations/{id}", "GET /api/v1/organizations/{id}/members",
          "GET /api/v1/organizations/{id}/seating-templates"], ORGANIZER_AUTH, bind(path__id="org")),
        (["POST /api/v1/organizations/{id}/seating-templates"], ORGANIZER_AUTH,
         bind(path__id="org", body__layout__blocks_ALL___tier_id="tier")),
        (["PUT /api/v1/organizations/{id}/members/{user_id}"], ORGANIZER_AUTH,
         {"path.user_id": fx["member"], **bind(path__id="org")}),
        (["DELETE /api/v1/organizations/{id}/members/{user_id}"], ORGANIZER_AUTH, bind(path__id="org", path__user_id="member")),
        (["DELETE /api/v1/organizations/{id}"], ORGANIZER_AUTH, bind(path__id="org_delete")),
        (["GET /api/v1/seating-templates/{id}", "PUT /api/v1/seating-templates/{id}"], ORGANIZER_AUTH, bind(path__id="template")),
        (["DELETE /api/v1/seating-templates/{id}"], ORGANIZER_AUTH, bind(path__id="template_delete")),
        (["POST /api/v1/events"], ORGANIZER_AUTH, bind(body__organization_id="org", body__category_id="category")),
        (["GET /api/v1/manage/events"], ORGANIZER_AUTH, bind(query__organization_id="org")),
        (["GET /api/v1/manage/events/{id}", "PATCH /api/v1/events/{id}", "GET /api/v1/manage/events/{id}/discounts"],
         ORGANIZER_AUTH, bind(path__id="event", body__category_id="category")),
        (["POST /api/v1/events/{id}/discounts"], ORGANIZER_AUTH,
         bind(path__id="event", body__tier_ids_ALL_="tier", body__session_ids_ALL_="session")),
        (["POST /api/v1/events/{id}/tiers"], ORGANIZER_AUTH, bind(path__id="event")),
        (["DELETE /api/v1/events/{id}"], ORGANIZER_AUTH, bind(path__id="event_delete")),
        (["POST /api/v1/events/{id}/submit"], ORGANIZER_AUTH, bind(path__id="event_draft")),
        (["POST /api/v1/events/{id}/sessions"], ORGANIZER_AUTH,
         {**bind(path__id="event_draft", body__layout__blocks_ALL___tier_id="draft_tier"), **bind(0.3, body__template_id="template")}),
        (["PATCH /api/v1/tiers/{id}"], ORGANIZER_AUTH, bind(path__id="tier")),
        (["DELETE /api/v1/tiers/{id}"], ORGANIZER_AUTH, bind(path__id="tier_delete")),
        (["GET /api/v1/manage/sessions/{id}", "PATCH /api/v1/sessions/{id}"], ORGANIZER_AUTH, bind(path__id="session_edit")),
        (["PUT /api/v1/sessions/{id}/layout"], ORGANIZER_AUTH,
         {**bind(path__id="session_edit", body__blocks_ALL___tier_id="tier"), **bind(0.3, body__template_id="template")}),
        (["POST /api/v1/sessions/{id}/cancel"], ORGANIZER_AUTH, bind(path__id="session_cancel")),
        (["DELETE /api/v1/sessions/{id}"], ORGANIZER_AUTH, bind(path__id="session_delete")),
        (["PATCH /api/v1/discounts/{id}"], ORGANIZER_AUTH,
         bind(path__id="discount", body__tier_ids_ALL_="tier", body__session_ids_ALL_="session")),
        (["DELETE /api/v1/discounts/{id}"], ORGANIZER_AUTH, bind(path__id="discount_delete")),
    ]
    order = [
        (["POST /api/v1/orders"], BUYER_AUTH,
         bind(body__session_id="sessions", body__seat_ids_ALL_="seats", body__standing_ALL___block_id="standing",
              body__discount_code="codes")),
        (["GET /api/v1/orders"], BUYER_AUTH, {}),
        (["GET /api/v1/orders/{id}", "GET /api/v1/orders/{id}/tickets"], BUYER_AUTH, bind(path__id="order_paid")),
        (["POST /api/v1/orders/{id}/cancel"], BUYER_AUTH, bind(path__id="order_pending")),
        (["POST /api/v1/orders/{id}/refunds"], ORGANIZER_AUTH, bind(path__id="order_refund", body__ticket_ids_ALL_="refund_tickets")),
        (["POST /api/v1/checkins"], ORGANIZER_AUTH, bind(body__qr="qr", body__session_id="session")),
        (["GET /api/v1/checkins/list"], ORGANIZER_AUTH, bind(query__session_id="session")),
        (["DELETE /api/v1/checkins/{ticket_id}"], ORGANIZER_AUTH, {}),
        (["GET /api/v1/sales/orders", "GET /api/v1/sales/attendees.csv"], ORGANIZER_AUTH,
         bind(0.5, query__event_id="event", query__session_id="session")),
        (["GET /api/v1/sales/summary"], ORGANIZER_AUTH, bind(query__event_id="event")),
        (["GET /api/v1/sales/orders/{id}"], ORGANIZER_AUTH, bind(path__id="orders")),
        (["POST /api/v1/sessions/{id}/blocks", "POST /api/v1/sessions/{id}/unblocks"], ORGANIZER_AUTH,
         bind(path__id="session", body__seat_ids_ALL_="block_seats")),
        (["POST /api/v1/webhooks/stripe"], {}, bind(body__data__object__metadata__order_id="orders",
                                                     body__data__object__id="intents")),
    ]
    scheduler = [
        (["POST /api/v1/subscriptions"], BUYER_AUTH,
         bind(0.6, body__event_id="event", body__session_id="sessions", body__organization_id="org")),
        (["GET /api/v1/subscriptions", "DELETE /api/v1/subscriptions/{id}"], BUYER_AUTH, {}),
    ]
    query = [
        (["GET /api/v1/events/{id}"], {}, bind(path__id="event")),
        (["GET /api/v1/sessions/{id}", "GET /api/v1/sessions/{id}/seats"], {}, bind(path__id="session")),
        (["GET /api/v1/events"], {}, bind(query__category="category")),
    ]
    out = ["# Generated by deploy/local/fuzz/fixtures.py for one fuzz run; tokens come from the environment.", "",
           f"hooks = {toml_value(str(Path(__file__).resolve().with_name('hooks.py')))}",
           # A body over the size limit is refused with 413, which schemathesis' default list lacks.
           'checks.negative_data_rejection.expected-statuses = ["400", "401", "403", "404", "405", "406", "409", '
           '"413", "415", "422", "428", "429", "5xx"]']
    for name, values in dictionaries.items():
        out.append(f"dictionaries.{name}.values = {toml_value(values)}")
    for title, default, ops in (("Ticketly event-command", ORGANIZER_AUTH, command), ("Ticketly order", BUYER_AUTH, order),
                                ("Ticketly event-query", {}, query), ("Ticketly scheduler", BUYER_AUTH, scheduler)):
        out += ["", "[[project]]", f"title = {toml_value(title)}"]
        if default:
            out.append(f"headers = {toml_value(default)}")
        # Readiness answers 503 by design while a dependency is down.
        out += ["", "[[project.operations]]", 'include-name = ["GET /readyz"]',
                'checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "503"]']
        for names, auth, params in ops:
            out += ["", "[[project.operations]]", f"include-name = {toml_value(names)}"]
            if auth:
                out.append(f"headers = {toml_value(auth)}")
            if params:
                out.append(f"parameters = {toml_value(params)}")
            if any(k.startswith("path.") and isinstance(v, str) for k, v in params.items()):
                # A pinned path parameter wins over the ID a stateful link carries, so a link
                # (POST then DELETE) would test the fixture instead of what was created.
                out.append("phases.stateful.enabled = false")
    return "\n".join(out) + "\n"


def main() -> int:
    commands = {"setup": setup, "tokens": write_tokens, "cleanup": cleanup}
    if len(sys.argv) != 3 or sys.argv[1] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    run = Path(sys.argv[2])
    run.mkdir(parents=True, exist_ok=True)
    try:
        commands[sys.argv[1]](run)
    except (CallError, requests.RequestException) as e:
        log(f"ERROR: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
