"""The TaskQueue method table, shared by the server's handlers and the client's stubs.

It stands in for a generated *_pb2_grpc module: one typed table instead of
untyped generated code, and the same names on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nova.queue.proto import queue_pb2 as pb

SERVICE = "nova.queue.v1.TaskQueue"

# method -> (server streams?, request type, response type)
METHODS: dict[str, tuple[bool, Any, Any]] = {
    "Enqueue": (False, pb.EnqueueRequest, pb.EnqueueResponse),
    "Dispatch": (True, pb.DispatchRequest, pb.DispatchEvent),
    "SetSlots": (False, pb.SetSlotsRequest, pb.SetSlotsResponse),
    "Dequeue": (False, pb.DequeueRequest, pb.DequeueResponse),
    "Ack": (False, pb.AckRequest, pb.AckResponse),
    "Nack": (False, pb.NackRequest, pb.NackResponse),
    "Extend": (False, pb.ExtendRequest, pb.ExtendResponse),
    "Heartbeat": (False, pb.HeartbeatRequest, pb.HeartbeatResponse),
    "Cancel": (False, pb.CancelRequest, pb.CancelResponse),
    "GetTask": (False, pb.GetTaskRequest, pb.Task),
    "ListTasks": (False, pb.ListTasksRequest, pb.ListTasksResponse),
    "Replay": (False, pb.ReplayRequest, pb.ReplayResponse),
    "Stats": (False, pb.StatsRequest, pb.StatsResponse),
}


def generic_handler(handlers: dict[str, Callable[[Any, Any], Any]]) -> Any:
    """A grpc handler serving `handlers[name](request, context)` for every method."""
    import grpc

    table = {}
    for name, (streams, request, response) in METHODS.items():
        make = (
            grpc.unary_stream_rpc_method_handler if streams else grpc.unary_unary_rpc_method_handler
        )
        table[name] = make(
            handlers[name],
            request_deserializer=request.FromString,
            response_serializer=response.SerializeToString,
        )
    return grpc.method_handlers_generic_handler(SERVICE, table)


def stubs(channel: Any) -> dict[str, Any]:
    """Callables for every method on `channel`, keyed by method name."""
    calls = {}
    for name, (streams, request, response) in METHODS.items():
        make = channel.unary_stream if streams else channel.unary_unary
        calls[name] = make(
            f"/{SERVICE}/{name}",
            request_serializer=request.SerializeToString,
            response_deserializer=response.FromString,
        )
    return calls
