"""shoprelay: relay shop webhooks, translated, to marketing and attribution vendors."""
