"""Work started at once in several threads, for the tests that prove what row locks hold."""

import threading

from django.db import connection


def run_together(count, work, timeout=120):
    """Run ``work(i)`` in ``count`` threads started at once. Returns, per thread, either
    ("ok", result) or ("error", exception)."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(i):
        try:
            barrier.wait(timeout=30)
            results[i] = ("ok", work(i))
        except Exception as exc:  # every outcome is asserted by the test
            results[i] = ("error", exc)
        finally:
            # Each thread opened its own connection; leave none behind for the flush.
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results
