"""ENGINE "core.db.sqlite3": Django's SQLite backend with a per-process pool of idle connections.

Closing a connection hands the sqlite3 connection back to a small pool instead of closing it, and
opening one takes it from the pool: see base.py.
"""
