"""Data layer: the bundled real samples, the simulated study area and the online loaders."""
