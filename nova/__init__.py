"""Nova: provision, secure and supervise agent platforms."""

import os

__version__ = "0.1.0"

# Nova's processes fork only to exec: playbooks (ansible-runner spawns them
# through pexpect) and commands. gRPC's fork handlers serve children that go on
# using gRPC; with them on, a child forked while a gRPC thread of the queue
# worker is busy restarts gRPC's poller, which aborts the child when pexpect
# closes the inherited descriptors before exec, and the skill then fails with
# no output. gRPC reads this only when it is first imported, so it is set
# here, before any part of Nova can import it, whatever the order of imports.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
