"""The ``sparringbot`` command line (placeholder, filled in below)."""


def main(argv=None) -> int:
    return 0
