"""Graph passes, each small and named. `optimize` runs them in order for a given level."""
