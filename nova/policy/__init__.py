"""Policy decisions: Rego evaluated in-process (regopy) or by an OPA server.

Every layer denies by default; callers act on `Decision.allow` alone.
"""
