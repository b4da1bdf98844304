"""Handing in documents, shared examples, cost splits and their overview."""
