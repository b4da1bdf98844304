"""The domain: standard library only, no botbuilder, aiohttp or SQLAlchemy imports."""
