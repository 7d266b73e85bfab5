"""Use cases. The only code that commits: one transaction per call."""
