"""One folder per feature: its chat handlers, cards and composers."""
