# mypy: disable-error-code="type-arg"
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Settle(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SETTLE_UNSPECIFIED: _ClassVar[Settle]
    SETTLE_OK: _ClassVar[Settle]
    SETTLE_STALE: _ClassVar[Settle]
    SETTLE_NOT_FOUND: _ClassVar[Settle]
SETTLE_UNSPECIFIED: Settle
SETTLE_OK: Settle
SETTLE_STALE: Settle
SETTLE_NOT_FOUND: Settle

class TaskSpec(_message.Message):
    __slots__ = ("type", "payload", "metadata", "priority", "not_before", "skills", "idempotency_key", "max_attempts")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    type: str
    payload: bytes
    metadata: _containers.ScalarMap[str, str]
    priority: int
    not_before: float
    skills: _containers.RepeatedScalarFieldContainer[str]
    idempotency_key: str
    max_attempts: int
    def __init__(self, type: _Optional[str] = ..., payload: _Optional[bytes] = ..., metadata: _Optional[_Mapping[str, str]] = ..., priority: _Optional[int] = ..., not_before: _Optional[float] = ..., skills: _Optional[_Iterable[str]] = ..., idempotency_key: _Optional[str] = ..., max_attempts: _Optional[int] = ...) -> None: ...

class EnqueueRequest(_message.Message):
    __slots__ = ("tasks",)
    TASKS_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[TaskSpec]
    def __init__(self, tasks: _Optional[_Iterable[_Union[TaskSpec, _Mapping]]] = ...) -> None: ...

class Enqueued(_message.Message):
    __slots__ = ("task_id", "duplicate")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    duplicate: bool
    def __init__(self, task_id: _Optional[str] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class EnqueueResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[Enqueued]
    def __init__(self, results: _Optional[_Iterable[_Union[Enqueued, _Mapping]]] = ...) -> None: ...

class Task(_message.Message):
    __slots__ = ("id", "type", "payload", "metadata", "priority", "not_before", "skills", "state", "attempts", "max_attempts", "worker_id", "lease_until", "created_at", "updated_at", "error", "result", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    payload: bytes
    metadata: _containers.ScalarMap[str, str]
    priority: int
    not_before: float
    skills: _containers.RepeatedScalarFieldContainer[str]
    state: str
    attempts: int
    max_attempts: int
    worker_id: str
    lease_until: float
    created_at: float
    updated_at: float
    error: str
    result: bytes
    idempotency_key: str
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., payload: _Optional[bytes] = ..., metadata: _Optional[_Mapping[str, str]] = ..., priority: _Optional[int] = ..., not_before: _Optional[float] = ..., skills: _Optional[_Iterable[str]] = ..., state: _Optional[str] = ..., attempts: _Optional[int] = ..., max_attempts: _Optional[int] = ..., worker_id: _Optional[str] = ..., lease_until: _Optional[float] = ..., created_at: _Optional[float] = ..., updated_at: _Optional[float] = ..., error: _Optional[str] = ..., result: _Optional[bytes] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class Delivery(_message.Message):
    __slots__ = ("task", "attempt_id", "lease_until")
    TASK_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    task: Task
    attempt_id: str
    lease_until: float
    def __init__(self, task: _Optional[_Union[Task, _Mapping]] = ..., attempt_id: _Optional[str] = ..., lease_until: _Optional[float] = ...) -> None: ...

class DispatchRequest(_message.Message):
    __slots__ = ("worker_id", "skills", "slots")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    slots: int
    def __init__(self, worker_id: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., slots: _Optional[int] = ...) -> None: ...

class Welcome(_message.Message):
    __slots__ = ("session_id", "lease_seconds", "heartbeat_interval", "heartbeat_timeout")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    lease_seconds: float
    heartbeat_interval: float
    heartbeat_timeout: float
    def __init__(self, session_id: _Optional[str] = ..., lease_seconds: _Optional[float] = ..., heartbeat_interval: _Optional[float] = ..., heartbeat_timeout: _Optional[float] = ...) -> None: ...

class Deliveries(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Delivery]
    def __init__(self, items: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ...) -> None: ...

class CancelNotice(_message.Message):
    __slots__ = ("task_id", "attempt_id")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    attempt_id: str
    def __init__(self, task_id: _Optional[str] = ..., attempt_id: _Optional[str] = ...) -> None: ...

class DispatchEvent(_message.Message):
    __slots__ = ("welcome", "deliveries", "cancel")
    WELCOME_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    CANCEL_FIELD_NUMBER: _ClassVar[int]
    welcome: Welcome
    deliveries: Deliveries
    cancel: CancelNotice
    def __init__(self, welcome: _Optional[_Union[Welcome, _Mapping]] = ..., deliveries: _Optional[_Union[Deliveries, _Mapping]] = ..., cancel: _Optional[_Union[CancelNotice, _Mapping]] = ...) -> None: ...

class SetSlotsRequest(_message.Message):
    __slots__ = ("session_id", "slots")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    slots: int
    def __init__(self, session_id: _Optional[str] = ..., slots: _Optional[int] = ...) -> None: ...

class SetSlotsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DequeueRequest(_message.Message):
    __slots__ = ("worker_id", "skills", "max_tasks")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    MAX_TASKS_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    max_tasks: int
    def __init__(self, worker_id: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., max_tasks: _Optional[int] = ...) -> None: ...

class DequeueResponse(_message.Message):
    __slots__ = ("deliveries",)
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    def __init__(self, deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ...) -> None: ...

class AckItem(_message.Message):
    __slots__ = ("task_id", "attempt_id", "result")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_ID_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    attempt_id: str
    result: bytes
    def __init__(self, task_id: _Optional[str] = ..., attempt_id: _Optional[str] = ..., result: _Optional[bytes] = ...) -> None: ...

class AckRequest(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[AckItem]
    def __init__(self, items: _Optional[_Iterable[_Union[AckItem, _Mapping]]] = ...) -> None: ...

class AckResponse(_message.Message):
    __slots__ = ("statuses",)
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedScalarFieldContainer[Settle]
    def __init__(self, statuses: _Optional[_Iterable[_Union[Settle, str]]] = ...) -> None: ...

class NackRequest(_message.Message):
    __slots__ = ("task_id", "attempt_id", "retry_delay", "non_retryable", "error")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_ID_FIELD_NUMBER: _ClassVar[int]
    RETRY_DELAY_FIELD_NUMBER: _ClassVar[int]
    NON_RETRYABLE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    attempt_id: str
    retry_delay: float
    non_retryable: bool
    error: str
    def __init__(self, task_id: _Optional[str] = ..., attempt_id: _Optional[str] = ..., retry_delay: _Optional[float] = ..., non_retryable: _Optional[bool] = ..., error: _Optional[str] = ...) -> None: ...

class NackResponse(_message.Message):
    __slots__ = ("status", "state", "retry_at")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RETRY_AT_FIELD_NUMBER: _ClassVar[int]
    status: Settle
    state: str
    retry_at: float
    def __init__(self, status: _Optional[_Union[Settle, str]] = ..., state: _Optional[str] = ..., retry_at: _Optional[float] = ...) -> None: ...

class ExtendRequest(_message.Message):
    __slots__ = ("task_id", "attempt_id")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    attempt_id: str
    def __init__(self, task_id: _Optional[str] = ..., attempt_id: _Optional[str] = ...) -> None: ...

class ExtendResponse(_message.Message):
    __slots__ = ("status", "lease_until")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LEASE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    status: Settle
    lease_until: float
    def __init__(self, status: _Optional[_Union[Settle, str]] = ..., lease_until: _Optional[float] = ...) -> None: ...

class HeartbeatRequest(_message.Message):
    __slots__ = ("worker_id", "attempt_ids")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_IDS_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    attempt_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, worker_id: _Optional[str] = ..., attempt_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class HeartbeatResponse(_message.Message):
    __slots__ = ("leases", "lease_until")
    LEASES_FIELD_NUMBER: _ClassVar[int]
    LEASE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    leases: int
    lease_until: float
    def __init__(self, leases: _Optional[int] = ..., lease_until: _Optional[float] = ...) -> None: ...

class CancelRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class CancelResponse(_message.Message):
    __slots__ = ("cancelled", "previous_state")
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATE_FIELD_NUMBER: _ClassVar[int]
    cancelled: bool
    previous_state: str
    def __init__(self, cancelled: _Optional[bool] = ..., previous_state: _Optional[str] = ...) -> None: ...

class GetTaskRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ("state", "limit")
    STATE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    state: str
    limit: int
    def __init__(self, state: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ("tasks",)
    TASKS_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[Task]
    def __init__(self, tasks: _Optional[_Iterable[_Union[Task, _Mapping]]] = ...) -> None: ...

class ReplayRequest(_message.Message):
    __slots__ = ("task_ids", "all_dead")
    TASK_IDS_FIELD_NUMBER: _ClassVar[int]
    ALL_DEAD_FIELD_NUMBER: _ClassVar[int]
    task_ids: _containers.RepeatedScalarFieldContainer[str]
    all_dead: bool
    def __init__(self, task_ids: _Optional[_Iterable[str]] = ..., all_dead: _Optional[bool] = ...) -> None: ...

class ReplayResponse(_message.Message):
    __slots__ = ("task_ids",)
    TASK_IDS_FIELD_NUMBER: _ClassVar[int]
    task_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, task_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class StatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StatsResponse(_message.Message):
    __slots__ = ("states", "depth", "max_depth", "workers", "streams")
    class StatesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    STATES_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    MAX_DEPTH_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    states: _containers.ScalarMap[str, int]
    depth: int
    max_depth: int
    workers: int
    streams: int
    def __init__(self, states: _Optional[_Mapping[str, int]] = ..., depth: _Optional[int] = ..., max_depth: _Optional[int] = ..., workers: _Optional[int] = ..., streams: _Optional[int] = ...) -> None: ...
