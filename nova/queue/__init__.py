"""The task queue: proto, gRPC server and client, storage backends and the worker.

Producers enqueue tasks; workers take them over a dispatch stream and hold
each under a lease fenced by an attempt id, so a worker that lost its lease
can no longer settle a task someone else is running. Storage is SQLite (one
file under NOVA_HOME) or Redis, behind one interface (`storage.base`).
"""
