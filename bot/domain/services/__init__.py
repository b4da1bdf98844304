"""Use cases: each one runs in a single unit of work (one transaction)."""
