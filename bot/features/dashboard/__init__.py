"""The chat side of the coordinator's overview tab: the ``overzicht`` command and its sign-in link."""
