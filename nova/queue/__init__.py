"""The task queue: proto, gRPC server and client, storage backends and the worker.

Producers enqueue tasks; workers take them over a dispatch stream and hold
each under a lease fenced by an attempt id, so a worker that lost its lease
can no longer settle a task someone else is running. Storage is SQLite (one
file under NOVA_HOME) or Redis, behind one interface (`storage.base`).
"""

import os

# Nova's queue processes fork only to exec: playbooks (ansible-runner spawns
# them through pexpect) and commands. gRPC's fork handlers serve children that
# go on using gRPC; with them on, a child forked while a gRPC thread is busy
# restarts gRPC's poller, which aborts the child when pexpect closes the
# inherited descriptors before exec (about one fork in seventy under load,
# seen as a skill failing with no output). gRPC reads this only when it is
# first imported, so it is set here, before any module of the queue imports it.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
