#!/bin/sh
# Regenerates queue_pb2.py and its type stub from queue.proto; run from any
# folder with the project's virtual environment (grpcio-tools) on hand.
# The service's method table is written by hand in nova/queue/rpc.py, so no
# *_pb2_grpc.py module is generated.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
cd "$root"
"$python" -m grpc_tools.protoc -I. --python_out=. --pyi_out=. nova/queue/proto/queue.proto
# protoc writes bare `_Mapping` in message constructors; strict mypy wants type
# arguments everywhere else, so relax only that check, only in the stub.
sed -i '1i # mypy: disable-error-code="type-arg"' nova/queue/proto/queue_pb2.pyi
