"""``python -m bench`` — the order import and the inbox at scale, each beside bare SQL.

By default: 1,000,000 orders and 200,000 cases on PostgreSQL, in a database of the
benchmark's own (``aftersales_bench`` on postgres://postgres@127.0.0.1:5432, created if
missing; ``BENCH_DATABASE_URL`` names another, which must have "bench" in its name because
every run empties it). ``--small`` is 50,000 orders and 10,000 cases; ``--sqlite`` runs on a
temporary SQLite file instead.

(a) writes a seller-centre export of N orders (GBK CSV, both reports) to a temporary
directory, times ``order_import_files`` on it, and loads the same rows by bare COPY (see
bench/importing.py for exactly which); (b) generates M cases over the imported orders and
times the inbox as the workbench calls it against the same SELECT by a bare driver (see
bench/inbox.py). Speed is measured here, never by a timed test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import shutil
import tempfile
import time
from pathlib import Path

from bench import db
from bench.report import note, say, table

AIM_IMPORT_RATIO = 0.5
AIM_INBOX_MS = 5.0


def main() -> None:
    args = _arguments()
    target = db.choose(sqlite=args.sqlite)

    import django

    django.setup()
    db.prepare()
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="aftersales-bench-export-"))
    try:
        _run(args, target, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if target.directory is not None:
            shutil.rmtree(target.directory, ignore_errors=True)
    say("", f"Total run time: {time.perf_counter() - started:,.0f} s")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=None, help="orders in the export (1,000,000)")
    parser.add_argument("--cases", type=int, default=None, help="cases generated (200,000)")
    parser.add_argument("--small", action="store_true", help="50,000 orders and 10,000 cases")
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file")
    parser.add_argument("--runs", type=int, default=300, help="timed inbox calls per side")
    parser.add_argument("--warmup", type=int, default=30, help="untimed inbox calls first")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--events", type=int, default=None, help="tracking events applied (100,000)"
    )
    parser.add_argument(
        "--watch-orders",
        type=int,
        default=None,
        help="orders under the follow-up sweep (1,000,000)",
    )
    parser.add_argument(
        "--only",
        default="import,inbox,tracking,watch",
        help="parts to run, comma-separated: import,inbox,tracking,watch (inbox needs import)",
    )
    args = parser.parse_args()
    small = (50_000, 10_000)
    full = (1_000_000, 200_000)
    default_orders, default_cases = small if args.small else full
    args.orders = args.orders if args.orders is not None else default_orders
    args.cases = args.cases if args.cases is not None else default_cases
    if args.events is None:
        args.events = 10_000 if args.small else 100_000
    if args.watch_orders is None:
        args.watch_orders = 50_000 if args.small else 1_000_000
    args.only = {p.strip() for p in args.only.split(",") if p.strip()}
    unknown = args.only - {"import", "inbox", "tracking", "watch"}
    if unknown:
        parser.error(f"--only: no part {', '.join(sorted(unknown))}")
    if "inbox" in args.only:
        args.only.add("import")
    if args.orders < 100 or args.cases < 100 or args.runs < 1 or args.warmup < 0:
        parser.error("--orders and --cases must be at least 100, --runs at least 1")
    return args


def _run(args: argparse.Namespace, target: db.Target, workdir: Path) -> None:
    from django.db import connection

    from aftersales.accounts.models import Shop
    from aftersales.cases.models import Case
    from bench import cases, importing, inbox
    from bench.exports import write_export

    say(
        "AfterSales benchmark",
        f"database   {target.label} ({connection.vendor} {_server_version()})",
        f"machine    {platform.machine()}, {_cpus()} CPUs, Python {platform.python_version()}",
        f"sizes      {args.orders:,} orders, {args.cases:,} cases",
        "",
    )

    if "import" in args.only:
        # --- (a) the import ---------------------------------------------------------------------
        note(f"writing the export of {args.orders:,} orders …")
        t = time.perf_counter()
        export = write_export(workdir, args.orders, realistic=True, seed=args.seed)
        size_mb = (export.orders_path.stat().st_size + export.items_path.stat().st_size) / 1e6
        note(f"  written in {time.perf_counter() - t:.0f} s")
        shop_a = Shop.objects.create(name="压测旗舰店")
        shop_b = Shop.objects.create(name="压测专营店")

        note("importing …")
        imported = importing.import_timed(export, shop_a)
        note("bare loads of the same rows …")
        baselines = []
        if target.vendor == "postgresql":
            baselines.append(importing.copy_files(export, target.url))
            baselines.append(importing.copy_parsed(export, target.url, shop_a.pk, workdir))
        else:
            db_path = Path(connection.settings_dict["NAME"])
            baselines.append(importing.executemany_parsed(export, db_path, shop_a.pk))

        say(
            "(a) Order import",
            f"export     {export.orders:,} order rows + {export.lines:,} item rows = "
            f"{export.rows:,} rows, GBK CSV, {size_mb:,.0f} MB (bench/exports.py, realistic)",
            "",
        )
        rows = [
            [
                imported.label,
                imported.seconds,
                int(export.orders / imported.seconds),
                int(imported.rate),
                "1.00",
            ]
        ]
        for b in baselines:
            ratio = imported.rate / b.rate
            orders_rate = int(export.orders / b.seconds)
            rows.append([b.label, b.seconds, orders_rate, int(b.rate), f"{ratio:.2f}"])
        say(
            table(
                ["", "seconds", "orders/s", "rows/s", "import ÷ this"],
                rows,
            ),
            "",
            f"The import used {imported.cpu_seconds:,.1f} s of CPU in this process "
            f"(all its threads) over {imported.seconds:,.1f} s.",
        )
        for b in baselines:
            for d in b.details:
                say(f"  {b.label}: {d}")
        say("", "What each baseline is:")
        if target.vendor == "postgresql":
            say(
                "  COPY of the files (CSV) = the two export files byte for byte through COPY … "
                "FROM STDIN WITH (FORMAT csv, HEADER, ENCODING 'GB18030') into scratch tables of "
                "the files' columns, all text, no indexes: loading the bytes, parsing nothing.",
                "  COPY of the parsed rows = the orders, lines and shipments the import wrote, "
                "taken out by COPY … TO (not timed) and loaded by COPY … FROM STDIN into scratch "
                "tables LIKE the real ones INCLUDING ALL (their indexes and checks; no foreign "
                "keys).",
            )
        else:
            say(
                "  executemany of the parsed rows = the orders, lines and shipments the import "
                "wrote, read back (not timed) and inserted by sqlite3 executemany into scratch "
                "tables with the real ones' columns and indexes, one transaction per table.",
            )
        best = max(imported.rate / b.rate for b in baselines)
        worst = min(imported.rate / b.rate for b in baselines)
        say(
            f"Aim: import at ≥ {AIM_IMPORT_RATIO:.1f} × the COPY rate. Reached: "
            f"{worst:.2f} against the strictest baseline, {best:.2f} against the other"
            if len(baselines) > 1
            else f"Aim: import at ≥ {AIM_IMPORT_RATIO:.1f} × the bare rate. Reached: {worst:.2f}.",
            "",
        )

    if "inbox" in args.only:
        # --- (b) the inbox ----------------------------------------------------------------------
        note(f"generating {args.cases:,} cases …")
        t = time.perf_counter()
        b_orders = cases.shop_b_orders(shop_a, shop_b)
        agents = cases.agents_create(shop_a, shop_b)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        open_cases, search_no = cases.cases_create(
            shop_a=shop_a, shop_b=shop_b, agents=agents, count=args.cases, now=now, seed=args.seed
        )
        cases.analyze()
        note(f"  generated in {time.perf_counter() - t:.0f} s")
        agent = agents[0]
        say(
            "(b) Inbox",
            f"data       {args.cases:,} cases ({open_cases:,} open) over {export.orders:,} orders "
            f"of shop A and {b_orders:,} of shop B; {len(agents)} agents",
            f"measured   agent {agent.username} (both shops), first page = {inbox.LIMIT} rows "
            f"({inbox.PAGE_SIZE} + 1, as the view asks), {args.runs} timed calls per side after "
            f"{args.warmup} warm-up, interleaved",
            "",
        )
        open_case = Case.objects.filter(shop=shop_a, is_open=True).select_related("order").first()
        nick_part = open_case.order.buyer_nick[1:4] if open_case else "tb"
        sqlite = target.vendor == "sqlite"
        results = []
        with _bare_cursor(target) as cursor:
            for variant in inbox.variants(agent, search_no, nick_part):
                note(f"inbox: {variant.name} …")
                results.append(
                    inbox.measure(
                        agent=agent,
                        variant=variant,
                        bare_cursor=cursor,
                        now=now,
                        runs=args.runs,
                        warmup=args.warmup,
                    )
                )
            default = inbox.variants(agent, search_no, nick_part)[0]
            cached = inbox.measure(
                agent=agent,
                variant=default,
                bare_cursor=cursor,
                now=now,
                runs=args.runs,
                warmup=args.warmup,
                shop_ids_cached=True,
            )
            cached.variant = default.name + " (shop ids known: no shop query)"
            plan = inbox.plan(cursor, agent, default, now, sqlite=sqlite)

        say(_inbox_table([*results, cached]), "")
        say(
            "ORM = selectors.inbox(...) sliced and evaluated as cases.views.inbox does, for a "
            "user fresh from the request (its shop ids cost one query first); bare = the very "
            "statements the ORM sent (captured once, not timed), sent again on a plain driver "
            "cursor and every row fetched.",
        )
        worst_gap = max(r.p("orm", 95) - r.p("bare", 95) for r in results)
        say(
            f"Aim: the inbox within {AIM_INBOX_MS:.0f} ms of the bare query at p95. "
            f"Largest gap at p95: {worst_gap:.2f} ms — "
            + ("reached." if worst_gap <= AIM_INBOX_MS else "not reached."),
            "",
            "Plan of the page's statement, open cases, all filters off:",
            *(f"  {line}" for line in plan),
        )

    if "tracking" in args.only:
        _tracking(args)
    if "watch" in args.only:
        _watch(args)


def _tracking(args: argparse.Namespace) -> None:
    from bench.tracking import bench_tracking_apply

    note(f"tracking: building {args.events:,} events and applying them …")
    r = bench_tracking_apply(args.events)
    say(
        "",
        "(c) Tracking apply",
        f"data       {r['events']:,} carrier events over {r['shipments']:,} parcels "
        f"(built in {r['build_seconds']:,.0f} s, not timed)",
        f"result     {r['events_new']:,} new events, {r['shipments_moved']:,} parcels moved, "
        f"{r['sign_ins_recorded']:,} sign-ins recorded, {r['problems_heard']:,} problems heard",
        "",
        table(
            ["", "apply_events s", "bare SQL s", "apply ÷ bare"],
            [
                ["first arrival", r["apply_first_s"], r["bare_first_s"], f"{r['ratio_first']:.2f}"],
                [
                    "first arrival, sign-ins and problem handlers apart",
                    r["apply_first_own_s"],
                    r["bare_first_s"],
                    f"{r['ratio_first_own']:.2f}",
                ],
                [
                    "the same events again",
                    r["apply_again_s"],
                    r["bare_again_s"],
                    f"{r['ratio_again']:.2f}",
                ],
            ],
        ),
        "",
        f"apply_events took {r['apply_first_s']:.2f} s for {r['events']:,} events "
        f"({r['events_per_s_first']:,} events/s); of it, recording sign-ins through the "
        f"orders service {r['of_which_sign_in_s']:.2f} s and the problem handlers "
        f"({', '.join(r['problem_handlers']) or 'none'}) {r['of_which_problem_handlers_s']:.2f} s.",
        "bare SQL = INSERT … ON CONFLICT DO NOTHING of the events and one UPDATE of each parcel "
        "from its newest event, on a plain driver connection (bench/tracking.py).",
    )


def _watch(args: argparse.Namespace) -> None:
    from bench.watch import bench_followup_sweep

    note(f"watch: building {args.watch_orders:,} orders and sweeping them …")
    r = bench_followup_sweep(args.watch_orders)
    say(
        "",
        "(d) The follow-up sweep (15-day order watch)",
        f"data       {r['orders']:,} orders with their parcels and tracking "
        f"(built in {r['build_seconds']:,.0f} s, not timed)",
        f"result     {r['raised']:,} follow-ups raised "
        f"({', '.join(f'{k} {v:,}' for k, v in sorted(r['raised_by_kind'].items()))}); "
        f"{r['expired_a_day_later']:,} expired a day later",
        "",
        table(
            ["", "sweep s", "bare SQL s", "sweep ÷ bare"],
            [
                ["first sweep", r["sweep_first_s"], r["bare_first_s"], f"{r['ratio_first']:.2f}"],
                [
                    "the sweep again (nothing new)",
                    r["sweep_again_s"],
                    r["bare_again_s"],
                    f"{r['ratio_again']:.2f}",
                ],
                ["expiry", r["expire_s"], r["bare_expire_s"], f"{r['ratio_expire']:.2f}"],
            ],
        ),
        "",
        "bare SQL = the same rules' INSERT … SELECT and the expiry's UPDATE on a plain driver "
        "connection (bench/watch.py); both sides must raise and expire the same follow-ups.",
    )


def _inbox_table(results) -> str:
    rows = []
    for r in results:
        rows.append(
            [
                r.variant,
                r.rows,
                r.statements,
                r.p("orm", 50),
                r.p("bare", 50),
                r.p("orm", 50) - r.p("bare", 50),
                f"{r.p('orm', 50) / r.p('bare', 50):.2f}",
                r.p("orm", 95),
                r.p("bare", 95),
                r.p("orm", 95) - r.p("bare", 95),
                f"{r.p('orm', 95) / r.p('bare', 95):.2f}",
            ]
        )
    return table(
        [
            "variant",
            "rows",
            "statements",
            "ORM p50 ms",
            "bare p50 ms",
            "Δ p50",
            "ratio",
            "ORM p95 ms",
            "bare p95 ms",
            "Δ p95",
            "ratio",
        ],
        rows,
    )


class _bare_cursor:  # noqa: N801 - used as a context manager, reads as one
    def __init__(self, target: db.Target):
        self.target = target

    def __enter__(self):
        if self.target.vendor == "postgresql":
            import psycopg

            self.conn = psycopg.connect(self.target.url, autocommit=True)
        else:
            import sqlite3

            from django.db import connection

            self.conn = sqlite3.connect(connection.settings_dict["NAME"])
        self.cursor = self.conn.cursor()
        return self.cursor

    def __exit__(self, *exc: object) -> None:
        self.cursor.close()
        self.conn.close()


def _server_version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return cursor.fetchone()[0].split()[0]
    import sqlite3

    return sqlite3.sqlite_version


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
