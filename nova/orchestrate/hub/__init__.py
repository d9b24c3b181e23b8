"""The communication hub: messages broadcast during orchestration, kept in the state store."""
