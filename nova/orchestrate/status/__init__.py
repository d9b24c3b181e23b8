"""Where the agents' work stands, computed from what the state store recorded."""
