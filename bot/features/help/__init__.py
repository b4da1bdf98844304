"""Welcome and help."""
