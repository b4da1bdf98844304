"""People's own calendars: "Zet in mijn agenda", the personal feed (``agenda``) and change messages."""
