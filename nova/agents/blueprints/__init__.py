"""Blueprints: agent templates naming a role, a goal, skills and how to run them."""
