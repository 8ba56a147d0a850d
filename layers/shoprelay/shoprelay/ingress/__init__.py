"""The webhook front door: verify, validate, remember, deduplicate, publish once."""
