"""Every KPI Nova records: its kind, help text, label names and buckets.

The catalogue is the single list that the store checks writes against, the
Prometheus exporter describes, and threshold files are validated with, so a
typo in a metric or label name fails at once instead of recording a stray
series.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    COUNTER = "counter"
    HISTOGRAM = "histogram"


# Provisioning runs and phases take seconds to hours.
RUN_SECONDS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0, 7200.0)
# Policy decisions take a tenth of a millisecond compiled, tens over REST.
DECISION_SECONDS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5)
# Queue tasks wait and run from a millisecond (no-op handlers) to an hour.
TASK_SECONDS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0,
    3600.0,
)  # fmt: skip
PHASE_COUNTS = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0)


@dataclass(frozen=True)
class MetricSpec:
    name: str
    kind: Kind
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()


def _run_specs(engine: str, noun: str) -> tuple[MetricSpec, ...]:
    """The five KPIs every run engine records through nova.runs.sinks.KpiSink."""
    return (
        MetricSpec(
            f"{engine}_runs_total",
            Kind.COUNTER,
            f"{noun.capitalize()} runs finished, by outcome.",
            ("status",),
        ),
        MetricSpec(
            f"{engine}_run_duration_seconds",
            Kind.HISTOGRAM,
            f"Wall time of {noun} runs, by outcome.",
            ("status",),
            RUN_SECONDS,
        ),
        MetricSpec(
            f"{engine}_run_phases",
            Kind.HISTOGRAM,
            f"Phases recorded per {noun} run.",
            (),
            PHASE_COUNTS,
        ),
        MetricSpec(
            f"{engine}_phases_total",
            Kind.COUNTER,
            f"{noun.capitalize()} phases finished, by phase and outcome.",
            ("phase", "status"),
        ),
        MetricSpec(
            f"{engine}_phase_duration_seconds",
            Kind.HISTOGRAM,
            f"Wall time of {noun} phases, by phase.",
            ("phase",),
            RUN_SECONDS,
        ),
    )


CATALOGUE: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        *_run_specs("provision", "provisioning"),
        *_run_specs("orchestrate", "orchestration"),
        MetricSpec(
            "orchestrate_agent_tasks_total",
            Kind.COUNTER,
            "Orchestration tasks settled, by agent and outcome.",
            ("agent", "status"),
        ),
        MetricSpec(
            "orchestrate_agent_task_duration_seconds",
            Kind.HISTOGRAM,
            "Wall time of settled orchestration tasks, by agent.",
            ("agent",),
            TASK_SECONDS,
        ),
        MetricSpec(
            "policy_decisions_total",
            Kind.COUNTER,
            "Policy decisions, by policy and verdict (allow or deny).",
            ("policy", "verdict"),
        ),
        MetricSpec(
            "policy_decision_duration_seconds",
            Kind.HISTOGRAM,
            "Latency of policy decisions, by policy.",
            ("policy",),
            DECISION_SECONDS,
        ),
        MetricSpec(
            "queue_tasks_total",
            Kind.COUNTER,
            "Queue task events, by task type and state reached: enqueued, duplicate "
            "(an idempotent enqueue that found its task), dispatched, succeeded (acked), "
            "retried (failed, queued again), dead (failed for good: dead-lettered), "
            "lease_expired (lease ran out or worker lost; queued again).",
            ("task_type", "state"),
        ),
        MetricSpec(
            "queue_task_duration_seconds",
            Kind.HISTOGRAM,
            "Run time of queue tasks that succeeded, from dispatch to ack, by task type.",
            ("task_type",),
            TASK_SECONDS,
        ),
        MetricSpec(
            "queue_task_wait_seconds",
            Kind.HISTOGRAM,
            "Wait of queue tasks from enqueue (or from falling due, when delayed or "
            "retried) to dispatch, by task type.",
            ("task_type",),
            TASK_SECONDS,
        ),
        MetricSpec(
            "monitor_alerts_total",
            Kind.COUNTER,
            "Alerts raised by threshold checks, by threshold and severity.",
            ("name", "severity"),
        ),
        MetricSpec(
            "monitor_webhook_deliveries_total",
            Kind.COUNTER,
            "Alert webhook deliveries, by outcome (delivered or failed).",
            ("outcome",),
        ),
    )
}


def spec_for(name: str) -> MetricSpec:
    """The catalogue entry for `name`; ValueError names the known metrics."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise ValueError(
            f"unknown metric {name!r} (known: {', '.join(sorted(CATALOGUE))})"
        ) from None
