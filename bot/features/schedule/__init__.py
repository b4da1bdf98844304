"""Deadlines, sessions and reminders."""
