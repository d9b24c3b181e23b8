"""Backups: the plan rendered from the `backup` role, jobs run on hosts, and NOVA_HOME's own."""
