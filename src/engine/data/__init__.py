"""Dataset formats: detection, reading into the canonical conversation form, linting."""
