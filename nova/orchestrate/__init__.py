"""Running the agents' task catalogue through the queue, phase by phase."""
