"""In-process measures shared by both seed scripts (each runs in its own interpreter and venv):
queries per request counted with a connection execute_wrapper (CaptureQueriesContext reads
connection.queries_log, which the test client's request_started signal empties, and which is capped
at 9,000 entries while the peer's list runs 100,000+ queries), and the
median time of a request through Django's test client, with the connection kept (the test client
disconnects close_old_connections) or closed after each request (what a server does with
CONN_MAX_AGE=0)."""

import statistics
import time


def queries_and_time(get, path, **extra):
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        response = get(path, **extra)
        elapsed = time.perf_counter() - start
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    return count, elapsed, response


def median_ms(get, path, n, close_each=False, **extra):
    from django.db import connection

    runs = []
    for _ in range(n):
        start = time.perf_counter()
        get(path, **extra)
        if close_each:
            connection.close()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1000


def connect_ms(table, n=200):
    """A new connection as a server with CONN_MAX_AGE=0 opens one per request: the connect itself
    (with its init_command, if any), then the first statement that reads a table, which makes SQLite
    parse the whole schema (sqlite_master) on that connection. Medians in ms, and the schema's size."""
    from django.db import connection

    def median(fn):
        runs = []
        for _ in range(n):
            connection.close()
            start = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - start)
        return statistics.median(runs) * 1000

    def first_read():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {table} LIMIT 1")  # nosec B608 - a model's table name

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master")
        objects = cursor.fetchone()[0]
    return {"connect_ms": median(connection.ensure_connection), "connect_and_first_read_ms": median(first_read),
            "schema_objects": objects}
