"""Agents: blueprint workers and the supervisor that keeps them running."""
