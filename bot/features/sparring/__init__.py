"""Sparring questions: asking, review, introductions, follow-ups."""
