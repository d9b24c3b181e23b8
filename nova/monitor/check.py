"""One threshold check: evaluate, record every alert, notify the webhook.

Each breached threshold becomes an alert that is appended to the audit log
(`monitor.alert`) and counted in the KPIs before any webhook is tried, so a
receiver that is down never loses an alert: it stays in the audit log, and
the failed delivery is recorded there too (`monitor.webhook.failed`).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nova.audit.mask import register_secret
from nova.core.errors import InputError
from nova.kpi.store import Inc, KpiStore
from nova.monitor.evaluate import Evaluation, evaluate
from nova.monitor.thresholds import RETENTION_S, ThresholdFile, Webhook
from nova.monitor.webhook import Delivery, post_json, redact_url

if TYPE_CHECKING:
    from nova.audit.log import AuditLog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    evaluations: list[Evaluation]
    alerts: list[dict[str, Any]]
    audit_seqs: list[int]
    webhook: str | None  # redacted URL, when one was configured
    delivery: Delivery | None  # None when nothing was sent

    def to_dict(self) -> dict[str, Any]:
        return {
            "thresholds": [
                {
                    "name": e.threshold.name,
                    "observed": e.to_alert()["observed"],
                    "breached": e.breached,
                }
                for e in self.evaluations
            ],
            "alerts": self.alerts,
            "audit_seqs": self.audit_seqs,
            "webhook": self.webhook,
            "delivery": None if self.delivery is None else self.delivery.to_dict(),
        }


def run_check(
    config: ThresholdFile,
    *,
    store: KpiStore,
    audit: AuditLog,
    actor: str,
    webhook: Webhook | None = None,
    now: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> CheckResult:
    """Check every threshold in `config`; `webhook` overrides the file's."""
    target = webhook or config.webhook
    token = _token(config, target)  # a missing token fails before anything is written
    evaluations = evaluate(config.thresholds, store, now)
    alerts = [e.to_alert() for e in evaluations if e.breached]
    seqs = [audit.append(actor, "monitor.alert", a["name"], payload=a).seq for a in alerts]
    for alert in alerts:
        log.warning("threshold breached: %s", alert["name"], extra={"alert": alert})
    if alerts:
        store.record(*(Inc("monitor_alerts_total", _alert_labels(a)) for a in alerts))
    delivery = None
    if target is not None and alerts:
        delivery = post_json(
            target.url,
            {"source": "nova", "host": socket.gethostname(), "alerts": alerts},
            timeout_s=target.timeout_s,
            retries=target.retries,
            token=token,
            sleep=sleep,
        )
        store.inc(
            "monitor_webhook_deliveries_total",
            {"outcome": "delivered" if delivery.ok else "failed"},
        )
        if not delivery.ok:
            log.error(
                "alert webhook failed",
                extra={"webhook": redact_url(target.url), **delivery.to_dict()},
            )
            audit.append(
                actor,
                "monitor.webhook.failed",
                redact_url(target.url),
                payload={**delivery.to_dict(), "alerts": [a["name"] for a in alerts]},
            )
    store.compact(RETENTION_S, now)
    return CheckResult(
        evaluations,
        alerts,
        seqs,
        None if target is None else redact_url(target.url),
        delivery,
    )


def _token(config: ThresholdFile, webhook: Webhook | None) -> str | None:
    if webhook is None or webhook.token_env is None:
        return None
    token = os.environ.get(webhook.token_env)
    if not token:
        raise InputError(
            config.path, "webhook.token_env", f"environment variable {webhook.token_env} is not set"
        )

    register_secret(token)
    return token


def _alert_labels(alert: dict[str, Any]) -> dict[str, str]:
    return {"name": str(alert["name"]), "severity": str(alert["severity"])}
