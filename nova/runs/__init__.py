"""Runs as records: run ids, the SQLite state store and its schema, and run reports."""
