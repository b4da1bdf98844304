"""The Teams channel layer: adapter, activity handler, gateway, proactive sending, SDK fixes."""
