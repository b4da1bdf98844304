"""The `sparringbot` command line, one module per command group."""
