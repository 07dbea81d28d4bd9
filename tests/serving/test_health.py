"""/health/: the database and the queue, for a load balancer; 503 naming what fails."""

import pytest
from django.db import OperationalError, connections
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage

from tests.serving.server import free_port

pytestmark = pytest.mark.django_db


def test_healthy_without_a_login(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert (body["status"], body["failing"]) == ("ok", [])
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] == connections["default"].vendor
    assert body["database"]["latency_ms"] >= 0
    assert body["queue"] == {
        "ok": True,
        "storage": "memory",
        "pending": 0,
        "latency_ms": body["queue"]["latency_ms"],
    }


def test_a_queue_that_does_not_answer_is_named(client, monkeypatch):
    # A Redis nobody listens on: what a web server sees when the queue's machine is down.
    dead = RedisStorage("aftersales", url=f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setattr(HUEY, "storage", dead)

    response = client.get("/health/")

    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["failing"]) == ("fail", ["queue"])
    assert body["queue"]["ok"] is False
    assert body["queue"]["error"] == "ConnectionError"
    assert body["database"]["ok"] is True


def test_a_database_that_does_not_answer_is_named(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", refuse)

    response = client.get("/health/")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["database"] == {
        "ok": False,
        "error": "OperationalError",
        "latency_ms": body["database"]["latency_ms"],
    }
    assert body["queue"]["ok"] is True


def test_only_reads(client):
    assert client.post("/health/").status_code == 405
    assert client.head("/health/").status_code == 200
