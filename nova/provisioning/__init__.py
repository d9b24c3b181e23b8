"""Provisioning: the phase plan, and running it phase by phase against an inventory."""
