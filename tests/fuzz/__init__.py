"""The API under generated and hostile input (issue 7, part 1: no input breaks it).

- ``test_schemathesis.py``: schemathesis over the whole OpenAPI, as an agent and as a
  supervisor, every check, in a reduced and seeded form (part of ``make test``).
- ``full.py``: the full run (all phases, stateful included, thousands of cases) against a live
  gunicorn on PostgreSQL in a database of its own: ``python -m tests.fuzz.full``.
- ``test_hostile.py``: the kinds of input we name ourselves (huge offsets, NUL, lone
  surrogates, other scripts' digits, broken multipart, bodies over the limit, broken XLSX,
  times out of range), on the API and on the workbench's forms and query strings.
"""
