"""``python -m bot`` does what the ``sparringbot`` console script does."""

from bot.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
