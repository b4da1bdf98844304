"""The coordinator's overview, a personal Teams tab served by the bot (routes in ``routes.py``)."""
