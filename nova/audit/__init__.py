"""The audit log: append-only, hash-chained, signed at checkpoints, secrets masked."""
