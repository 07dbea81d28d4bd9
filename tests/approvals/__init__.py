"""Approvals: rules as rows, requests, decisions, the queue, the API and the pages.

The tests stand on their own: cases are plain rows (``factories``), and the area that would
move a case on a decision is a fake handler registered for the test (``conftest``).
"""
