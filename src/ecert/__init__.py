"""ecert: registry of Chinese professional certificates."""
