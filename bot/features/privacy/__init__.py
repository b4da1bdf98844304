"""What the bot keeps about someone, and erasing it (AVG)."""
