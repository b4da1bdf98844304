"""HTTP: the Bot Framework endpoint, health check and `serve`."""
