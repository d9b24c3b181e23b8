"""`nova monitor status`: Prometheus' API answers (as Prometheus 2.42 gives
them) turned into targets and alerts, and hosts that said nothing."""

from __future__ import annotations

from nova.monitor.status import assemble

TARGETS = {
    "status": "success",
    "data": {
        "activeTargets": [
            {
                "labels": {"instance": "spark-02", "job": "nova_node"},
                "scrapeUrl": "http://10.99.0.2:9100/metrics",
                "lastError": 'Get "http://10.99.0.2:9100/metrics": connection refused',
                "health": "down",
            },
            {
                "labels": {"instance": "spark-01", "job": "nova_node"},
                "scrapeUrl": "http://10.99.0.1:9100/metrics",
                "lastError": "",
                "health": "up",
            },
        ],
        "droppedTargets": [],
    },
}
ALERTS = {
    "status": "success",
    "data": {
        "alerts": [
            {
                "labels": {"alertname": "NovaDiskAlmostFull", "instance": "spark-01"},
                "annotations": {},
                "state": "pending",
                "activeAt": "2026-12-04T14:59:00Z",
                "value": "0.08",
            },
            {
                "labels": {
                    "alertname": "NovaHostDown",
                    "instance": "spark-02",
                    "severity": "critical",
                },
                "annotations": {"summary": "spark-02: node exporter unreachable"},
                "state": "firing",
                "activeAt": "2026-12-04T14:58:00Z",
                "value": "0e+00",
            },
        ]
    },
}


def test_targets_and_alerts_are_read() -> None:
    state = assemble("spark", "monitoring", {"spark-01": {"targets": TARGETS, "alerts": ALERTS}},
                     ["spark-01"])  # fmt: skip
    server = state.servers[0]
    assert [(t.instance, t.health) for t in server.targets] == [
        ("spark-01", "up"),
        ("spark-02", "down"),
    ]
    assert [(a.name, a.state) for a in server.alerts] == [
        ("NovaHostDown", "firing"),
        ("NovaDiskAlmostFull", "pending"),
    ]
    summary = state.to_dict()["summary"]
    assert summary == {"targets": 2, "down": 1, "firing": 1, "unreachable": []}


def test_a_silent_host_is_unreachable_and_garbage_is_ignored() -> None:
    reported = {"m2": {"targets": {"status": "error"}, "alerts": ["not", "a", "dict"]}}
    state = assemble("spark", "monitoring", reported, ["m1", "m2"])
    assert [(s.host, s.reachable) for s in state.servers] == [("m1", False), ("m2", True)]
    assert state.servers[1].targets == [] and state.servers[1].alerts == []
    assert state.to_dict()["summary"]["unreachable"] == ["m1"]
