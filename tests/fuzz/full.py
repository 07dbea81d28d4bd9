"""The full fuzzing run: schemathesis over the whole OpenAPI of a live server.

    python -m tests.fuzz.full [--max-examples 40] [--seed 7] [--port 8741] [--keep]

What it does, by itself and bounded in time:

1. makes a PostgreSQL database of its own (``aftersales_fuzz`` on 127.0.0.1, or
   ``FUZZ_DATABASE_URL``), dropped and created afresh, migrated, with the demo loaded (two shops
   with their staff, orders and cases of every kind and status);
2. serves it with gunicorn (config/gunicorn.conf.py) on 127.0.0.1 with the production settings
   of ``make run`` (config.settings.run: DEBUG off), its var/ in a temporary folder;
3. gives the demo's agent and supervisor an API token each, and runs schemathesis as each of
   them: every check, every phase (examples, coverage, fuzzing, stateful with the links it
   infers), the settings of tests/fuzz/schemathesis.toml;
4. reads what the server logged (any "Internal Server Error" line is a failure even if the
   answer looked fine), stops the server, prints the figures and exits 1 on any failure.

Reports (schemathesis's JSON, the console output, the server's log) are kept in
var/fuzz/<time>/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/aftersales_fuzz"
ROLES = ("agent", "supervisor")


def _say(message: str) -> None:
    print(f"[fuzz] {message}", flush=True)


def _fresh_database(url: str) -> None:
    """Drop and create the database named in ``url`` (never another one)."""
    import psycopg

    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    if not name.replace("_", "").isalnum() or "fuzz" not in name:
        raise SystemExit(f"refusing to drop {name!r}: the fuzzing database's name has 'fuzz' in it")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


_TOKENS = """
from aftersales.accounts.models import User
from aftersales.accounts.services import token_create
for name in {roles!r}:
    print(name, token_create(user=User.objects.get(username=name), name="fuzz"))
"""


def _wait_for(url: str, seconds: float) -> bytes:
    """What ``url`` answers once the server is up (its workers may take a while to boot)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - our server
                if response.status == 200:
                    return response.read()
        except OSError:
            time.sleep(1)
    raise SystemExit(f"the server did not answer {url} within {seconds:.0f} s")


def _schemathesis(*, base: str, token: str, role: str, args: argparse.Namespace, out: Path) -> dict:
    report = out / f"schemathesis-{role}.json"
    command = [
        str(VENV_BIN / "schemathesis"),
        "--config-file",
        str(ROOT / "tests" / "fuzz" / "schemathesis.toml"),
        "run",
        # As the server published it (read once: on a busy machine it takes a while to build).
        str(out / "openapi.json"),
        "--url",
        base,
        "-H",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(args.max_examples),
        "--seed",
        str(args.seed),
        "--workers",
        str(args.workers),
        "--request-timeout",
        "30",
        "--max-time",
        str(args.max_time),
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--output-truncate",
        "false",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with (out / f"schemathesis-{role}.txt").open("w") as console:
        done = subprocess.run(  # noqa: S603 - our own venv's schemathesis
            command,
            cwd=ROOT,
            env=env,
            stdout=console,
            stderr=subprocess.STDOUT,
            timeout=args.max_time + 600,
            check=False,
        )
    summary = json.loads(report.read_text()) if report.exists() else {}
    summary["_exit_code"] = done.returncode
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=40, help="cases per operation")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--port", type=int, default=int(os.environ.get("FUZZ_PORT", "8741")))
    parser.add_argument(
        "--max-time", type=int, default=1500, help="seconds at most for each role's run"
    )
    parser.add_argument(
        "--keep", action="store_true", help="leave the database in place for a look after"
    )
    args = parser.parse_args(argv)

    url = os.environ.get("FUZZ_DATABASE_URL", DEFAULT_DATABASE_URL)
    out = ROOT / "var" / "fuzz" / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    var_dir = tempfile.mkdtemp(prefix="aftersales-fuzz-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.run",
        "DATABASE_URL": url,
        "AFTERSALES_VAR_DIR": var_dir,
        "HOST": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_ACCESSLOG": "",
        "WEB_CONCURRENCY": "2",
    }
    _say(f"database {url.rsplit('@', 1)[-1]}: creating afresh, migrating, loading the demo")
    _fresh_database(url)
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "load_demo")
    tokens = dict(
        line.split(" ", 1)
        for line in _manage(env, "shell", "-c", _TOKENS.format(roles=ROLES)).splitlines()
        if line.split(" ", 1)[0] in ROLES
    )
    base = f"http://127.0.0.1:{args.port}"
    server_log = out / "gunicorn.log"
    with server_log.open("w") as log:
        server = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
            [
                str(VENV_BIN / "gunicorn"),
                "-c",
                "config/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{args.port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    results: dict[str, dict] = {}
    try:
        (out / "openapi.json").write_bytes(_wait_for(f"{base}/api/v1/openapi.json", 600))
        _say(f"gunicorn (config.settings.run) on {base}, pid {server.pid}")
        for role in ROLES:
            _say(f"schemathesis as the {role}: all checks, all phases, {args.max_examples}/op")
            results[role] = _schemathesis(
                base=base, token=tokens[role].strip(), role=role, args=args, out=out
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        if not args.keep:
            _drop(url)

    server_errors = [
        line
        for line in server_log.read_text(errors="replace").splitlines()
        if "Internal Server Error" in line or "Traceback" in line
    ]
    total_cases = total_failures = total_errors = 0
    for role, summary in results.items():
        cases = summary.get("test_cases", {})
        failures = sum(f.get("count", 0) for f in summary.get("failures", []))
        errors = sum(e.get("count", 0) for e in summary.get("errors", []))
        total_cases += cases.get("generated", 0)
        total_failures += failures
        total_errors += errors
        operations = summary.get("operations", {})
        _say(
            f"{role}: {cases.get('generated', 0)} cases over {operations.get('tested', 0)} "
            f"operations in {summary.get('running_time', 0):.0f} s; {failures} failures, "
            f"{errors} errors (exit {summary.get('_exit_code')})"
        )
        for failure in summary.get("failures", []):
            _say(
                f"  {failure.get('code')} {failure.get('title')}: {failure.get('count')} "
                f"({', '.join(failure.get('operations', []))})"
            )
        for error in summary.get("errors", []):
            _say(f"  error: {error.get('title')} x{error.get('count')}")
    _say(f"server log: {len(server_errors)} server errors")
    elapsed = time.monotonic() - started
    _say(
        f"total: {total_cases} cases, {total_failures} failures, {total_errors} errors, "
        f"{len(server_errors)} server errors logged, {elapsed:.0f} s; reports in "
        f"{out.relative_to(ROOT)}"
    )
    ok = (
        total_failures == 0
        and total_errors == 0
        and not server_errors
        and all(s.get("_exit_code") == 0 for s in results.values())
    )
    return 0 if ok else 1


def _drop(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
