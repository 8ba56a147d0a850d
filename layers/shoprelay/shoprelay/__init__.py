"""shoprelay: relay shop webhooks, translated, to marketing and attribution vendors."""

VENDORS: tuple[str, ...] = ("edrone", "mytracker", "tracify", "corvidae", "esputnik")
