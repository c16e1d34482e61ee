"""Events onto the bus (outbox relay) and off it (inbox): at least once in, once in effect."""
