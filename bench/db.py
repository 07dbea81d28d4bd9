"""The benchmark's own database: chosen, created and migrated before Django is set up, and
emptied at the start of every run, so a run never touches the workbench's data."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersales_bench"


@dataclass(frozen=True)
class Target:
    vendor: str  # "postgresql" or "sqlite"
    label: str  # what the report says the database is
    url: str = ""  # PostgreSQL only
    directory: Path | None = None  # SQLite only: holds the database file


def choose(*, sqlite: bool) -> Target:
    """Point Django at the benchmark database (through the environment that
    config/settings/base.py reads) and create it if it does not exist."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    if sqlite:
        directory = Path(tempfile.mkdtemp(prefix="aftersales-bench-"))
        # base.py puts the SQLite file in AFTERSALES_VAR_DIR.
        os.environ["AFTERSALES_VAR_DIR"] = str(directory)
        os.environ.pop("DATABASE_URL", None)
        return Target("sqlite", f"SQLite, {directory / 'aftersales.sqlite3'}", directory=directory)
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    name = url.rsplit("/", 1)[-1].split("?", 1)[0]
    if "bench" not in name:
        # Every run empties the database it is given.
        raise SystemExit(
            f"BENCH_DATABASE_URL names the database {name!r}; the benchmark empties the "
            "database it runs on, so its name must contain 'bench'."
        )
    _create_if_missing(url, name)
    os.environ["DATABASE_URL"] = url
    return Target("postgresql", f"PostgreSQL, {_without_password(url)}", url=url)


def _create_if_missing(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _without_password(url: str) -> str:
    scheme, _, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if at and ":" in credentials:
        credentials = credentials.split(":", 1)[0] + ":***"
    return f"{scheme}://{credentials}{at}{host}"


def prepare() -> None:
    """Migrate and empty the database (Django is set up by now)."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from aftersales.accounts.models import Role

    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    # The role groups come from a data migration, which a flush empties.
    for role in Role.values:
        Group.objects.get_or_create(name=role)
