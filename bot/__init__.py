"""Sparringbot: a Microsoft Teams bot for the dBos po programme."""
