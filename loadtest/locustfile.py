"""A busy day's mix against the served product (run by ``python -m loadtest``, not alone).

Agents page the inbox (the workbench page and the API), read cases, open return-and-refund
cases on the day's orders, agree and record the buyer's waybill, and refund what the
warehouse received with an Idempotency-Key (now and then the same request again, which must
be answered from the first, ``Idempotent-Replayed: true``), then settle it; the warehouse
receives the parcels the agents' buyers shipped; a supervisor imports the seller centre's
export now and then. Every answer other than the one expected is a failure.

Cases move between people through queues in this process (locust runs one process of
greenlets), so no two simulated people act on the same case: a conflict would be the test's
doing, not the product's.
"""

from __future__ import annotations

import json
import os
import random
import re
import uuid
from collections import deque
from pathlib import Path

from locust import HttpUser, between, events, task

POOL = json.loads(Path(os.environ["AFTERSALES_LOAD_POOL"]).read_text())
_orders = iter(POOL["orders"])
to_receive: deque[int] = deque()
to_refund: deque[tuple[int, int, str]] = deque()
API = "/api/v1"
PAGE = 30


def _next_order():
    try:
        return next(_orders)
    except StopIteration:
        return None


class Person(HttpUser):
    abstract = True
    username = ""
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        creds = POOL["users"][self.username]
        with self.client.post(
            f"{API}/auth/token",
            json={"username": self.username, "password": creds},
            name="POST /api/v1/auth/token",
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"token: {r.status_code} {r.text[:200]}")
                return
            self.bearer = {"Authorization": f"Bearer {r.json()['token']}"}

    def api(self, method: str, path: str, name: str, *, expect=(200,), **kwargs):
        headers = {**self.bearer, **kwargs.pop("headers", {})}
        with self.client.request(
            method, API + path, name=name, headers=headers, catch_response=True, **kwargs
        ) as r:
            if r.status_code not in expect:
                r.failure(f"{r.status_code} {r.text[:300]}")
                return None
            r.success()
            return r

    def act(self, case_id: int, action: str, params: dict, *, version: int):
        return self.api(
            "post",
            f"/cases/{case_id}/actions/{action}",
            f"POST /api/v1/cases/{{id}}/actions/{action}",
            json={"params": params, "expected_version": version},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )


class Agent(Person):
    weight = 6
    username = "agent"

    def on_start(self) -> None:
        super().on_start()
        # The workbench's session, for the inbox page as the agent sees it.
        login = self.client.get("/accounts/login/", name="GET /accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
        self.client.post(
            "/accounts/login/",
            data={
                "username": self.username,
                "password": POOL["users"][self.username],
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": self.host + "/accounts/login/"},
            name="POST /accounts/login/",
        )

    @task(6)
    def inbox_page(self) -> None:
        page = random.randint(1, 5)
        stage = random.choice(["", "mine", "all", "pending", "awaiting_buyer", "refunding"])
        with self.client.get(
            f"/?stage={stage}&page={page}", name="GET / (inbox page)", catch_response=True
        ) as r:
            if r.status_code != 200 or "login" in r.url:
                r.failure(f"{r.status_code} {r.url}")

    @task(6)
    def inbox_api(self) -> None:
        offset = random.randint(0, 5) * PAGE
        r = self.api("get", f"/cases?limit={PAGE}&offset={offset}", "GET /api/v1/cases")
        if r is not None and r.json()["items"]:
            case = random.choice(r.json()["items"])
            self.api("get", f"/cases/{case['id']}", "GET /api/v1/cases/{id}")

    @task(3)
    def open_and_agree(self) -> None:
        picked = _next_order()
        if picked is None:
            return
        order_id, line_id, _amount = picked
        r = self.api(
            "post",
            "/cases",
            "POST /api/v1/cases",
            expect=(201,),
            json={
                "order_id": order_id,
                "kind": "return_refund",
                "reason": "quality",
                "lines": [{"order_line_id": line_id, "quantity": 1}],
                "buyer_claim": "压测：质量问题",
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if r is None:
            return
        case = r.json()
        r = self.act(case["id"], "agree", {}, version=case["version"])
        if r is None:
            return
        case = r.json()
        r = self.act(
            case["id"],
            "buyer_ship",
            {"carrier": "yto", "waybill_no": f"YT{case['id']:010d}"},
            version=case["version"],
        )
        if r is not None:
            to_receive.append(case["id"])
            to_refund_amount[case["id"]] = (line_id, _amount)

    @task(3)
    def refund_received(self) -> None:
        if not to_refund:
            return
        case_id, line_id, amount = to_refund.popleft()
        key = str(uuid.uuid4())
        body = {"case_id": case_id, "order_line_id": line_id, "amount": amount}
        r = self.api(
            "post",
            "/refunds",
            "POST /api/v1/refunds",
            expect=(201,),
            json=body,
            headers={"Idempotency-Key": key},
        )
        if r is None:
            return
        refund = r.json()
        if random.random() < 0.2:
            # The agent's browser sent it again: the first answer, not a second refund.
            with self.client.post(
                f"{API}/refunds",
                json=body,
                headers={**self.bearer, "Idempotency-Key": key},
                name="POST /api/v1/refunds (replayed)",
                catch_response=True,
            ) as again:
                if again.status_code != 201 or again.headers.get("Idempotent-Replayed") != "true":
                    again.failure(f"replay: {again.status_code} {again.headers}")
                elif again.json()["id"] != refund["id"]:
                    again.failure("replay answered another refund")
        self.api(
            "post",
            f"/refunds/{refund['id']}/settle",
            "POST /api/v1/refunds/{id}/settle",
            json={"succeeded": True},
        )


# What each case refunds once it is back: its line and one unit's amount.
to_refund_amount: dict[int, tuple[int, str]] = {}


class Warehouse(Person):
    weight = 2
    username = "warehouse"

    @task
    def receive(self) -> None:
        if not to_receive:
            self.api("get", f"/cases?stage=to_receive&limit={PAGE}", "GET /api/v1/cases (queue)")
            return
        case_id = to_receive.popleft()
        r = self.api("get", f"/cases/{case_id}", "GET /api/v1/cases/{id}")
        if r is None:
            return
        case = r.json()
        r = self.act(case_id, "receive", {"intact": True}, version=case["version"])
        if r is not None:
            line_id, amount = to_refund_amount.pop(case_id)
            to_refund.append((case_id, line_id, amount))


class Importer(Person):
    """The supervisor imports the day's export now and then."""

    fixed_count = 1
    username = "supervisor"
    wait_time = between(15, 25)

    @task
    def import_export(self) -> None:
        files = POOL["imports"]
        path = Path(random.choice(files))
        with path.open("rb") as f:
            self.api(
                "post",
                "/orders/import",
                "POST /api/v1/orders/import",
                data={"shop_id": POOL["shop_id"]},
                files={"orders_file": (path.name, f, "text/csv")},
            )


@events.quitting.add_listener
def _queues_left(environment, **_kwargs) -> None:
    print(f"cases left in the queues: to receive {len(to_receive)}, to refund {len(to_refund)}")
