"""The agent domain: blueprints and their skills, run as supervised workers.

Imports run one way, bottom to top: `restart`, `clock` and `process`; then
`skills` (what agents can do, and the code that does it); then `blueprints`
(templates naming skills, validated against that table); then the worker's
`launch`, the `supervisor` with its `programs`, `record` and `daemon`. A lower
module that needs something from a higher one is handed it (the skills
receive the blueprint catalogue's loader from `launch`); it never imports it.
"""
