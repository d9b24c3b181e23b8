"""The web dashboard: the same records the CLI reads, as live pages (`nova dashboard`)."""
