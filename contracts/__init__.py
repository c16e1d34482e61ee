"""What the services agree on, and nothing else: envelopes, event data, subjects, streams."""
