"""Early termination rules: pure functions of (config, runs) -> stop decisions."""
