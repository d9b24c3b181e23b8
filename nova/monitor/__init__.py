"""Monitoring: threshold checks over the KPIs, alerts, logging setup, the exporter."""
