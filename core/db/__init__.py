"""Database backends of the project (issue 21): core.db.sqlite3 is the embedded profile's."""
