"""Checks of the control host's own security posture: `nova doctor security`."""
