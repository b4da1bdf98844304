"""The cost overview as a chart: a real PNG drawn with the standard library (zlib + struct).

The top bar stacks each payer's median share (scaled to 100%); below it, one row per payer
shows the range (min–max) of that share over the libraries with the median as a dark mark,
on a 0–100% axis. Percentages are drawn with a tiny built-in digit font; the payers' names
are left to the card, which shows the same colours (``PAYER_COLOURS``) as a legend.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping
from decimal import Decimal

from bot.domain.cost_split import CostAggregate

WIDTH, HEIGHT = 600, 300
PAYER_COLOURS: dict[str, tuple[int, int, int]] = {
    "school": (0x1F, 0x6F, 0xB4),
    "bibliotheek": (0xE8, 0x74, 0x3B),
    "subsidie": (0x19, 0xA9, 0x79),
    "gemeente": (0x94, 0x5E, 0xCF),
    "overig": (0x9E, 0x9E, 0x9E),
}
PAYER_HEX = {payer: "#{:02X}{:02X}{:02X}".format(*rgb) for payer, rgb in PAYER_COLOURS.items()}  # for the card's legend
_WHITE, _INK, _GRID, _TRACK = (255, 255, 255), (0x33, 0x33, 0x33), (0xDD, 0xDD, 0xDD), (0xEE, 0xEE, 0xEE)
_LEFT, _RIGHT = 60, 570
_GLYPHS = {  # 3×5 pixels, rows top to bottom
    "0": ("111", "101", "101", "101", "111"), "1": ("010", "110", "010", "010", "111"),
    "2": ("111", "001", "111", "100", "111"), "3": ("111", "001", "111", "001", "111"),
    "4": ("101", "101", "111", "001", "001"), "5": ("111", "100", "111", "001", "111"),
    "6": ("111", "100", "111", "101", "111"), "7": ("111", "001", "001", "001", "001"),
    "8": ("111", "101", "111", "101", "111"), "9": ("111", "101", "111", "001", "111"),
    "%": ("101", "001", "010", "100", "101"), ",": ("000", "000", "000", "010", "100"),
    "-": ("000", "000", "111", "000", "000"),
}


class _Canvas:
    def __init__(self, width: int, height: int, background: tuple[int, int, int]):
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(background) * (width * height))

    def rect(self, x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int]) -> None:
        """Fill [x0, x1) × [y0, y1), clipped to the canvas."""
        x0, x1 = max(0, x0), min(self.width, x1)
        if x1 <= x0:
            return
        row = bytes(colour) * (x1 - x0)
        for y in range(max(0, y0), min(self.height, y1)):
            start = (y * self.width + x0) * 3
            self.pixels[start:start + len(row)] = row

    def text(self, x: int, y: int, text: str, colour: tuple[int, int, int], scale: int = 2) -> None:
        for ch in text:
            for dy, line in enumerate(_GLYPHS.get(ch, ("000",) * 5)):
                for dx, bit in enumerate(line):
                    if bit == "1":
                        self.rect(x + dx * scale, y + dy * scale, x + (dx + 1) * scale, y + (dy + 1) * scale, colour)
            x += 4 * scale

    def png(self, text_chunks: Mapping[str, str]) -> bytes:
        stride = self.width * 3
        raw = b"".join(b"\x00" + bytes(self.pixels[y * stride:(y + 1) * stride]) for y in range(self.height))
        chunks = [_chunk(b"IHDR", struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0))]
        chunks += [_chunk(b"tEXt", k.encode("latin-1") + b"\x00" + v.encode("latin-1", "replace"))
                   for k, v in text_chunks.items()]
        chunks.append(_chunk(b"IDAT", zlib.compress(raw, 9)))
        chunks.append(_chunk(b"IEND", b""))
        return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def text_width(text: str, scale: int = 2) -> int:
    """Pixels the digit font needs for ``text``."""
    return max(0, len(text) * 4 * scale - scale)


def stacked_bar_png(aggregate: CostAggregate, labels_nl: Mapping[str, str] | None = None) -> bytes:
    """A 600×300 PNG of the median share per payer (stacked) and each share's range.

    ``labels_nl`` (payer → name) goes into the PNG's description text, for screen readers and
    for anyone saving the image; the card shows the names next to the colours.
    """
    canvas = _Canvas(WIDTH, HEIGHT, _WHITE)
    payers = [p for p in aggregate.payers if p in aggregate.shares]
    span = _RIGHT - _LEFT

    # The stacked bar of median shares, scaled so they fill 100%.
    medians = {p: max(Decimal(0), aggregate.shares[p].median) for p in payers}
    whole = sum(medians.values(), Decimal(0)) or Decimal(1)
    x, top, bottom, running = _LEFT, 24, 84, Decimal(0)
    for index, payer in enumerate(payers):
        running += medians[payer]
        end = _RIGHT if index == len(payers) - 1 else _LEFT + int(round(float(running / whole) * span))
        end = max(x, end)
        canvas.rect(x, top, end, bottom, PAYER_COLOURS.get(payer, _INK))
        label = f"{int(round(float(medians[payer] * 100 / whole)))}%"
        if end - x >= text_width(label) + 8 and medians[payer] > 0:
            canvas.text(x + (end - x - text_width(label)) // 2, (top + bottom) // 2 - 5, label, _WHITE)
        if end > x and index:
            canvas.rect(x, top, x + 1, bottom, _WHITE)
        x = end

    # One row per payer: colour square, 0–100% track, range bar, median mark.
    row_top, row_height = 112, 30
    for tick in (0, 25, 50, 75, 100):
        tx = _LEFT + span * tick // 100
        canvas.rect(tx, row_top - 6, tx + 1, row_top + row_height * len(payers), _GRID)
        label = f"{tick}%"
        canvas.text(min(WIDTH - text_width(label) - 2, max(2, tx - text_width(label) // 2)),
                    row_top + row_height * len(payers) + 6, label, _INK)
    for index, payer in enumerate(payers):
        colour = PAYER_COLOURS.get(payer, _INK)
        y = row_top + index * row_height
        canvas.rect(24, y + 7, 40, y + 23, colour)
        canvas.rect(_LEFT, y + 13, _RIGHT, y + 17, _TRACK)
        stat = aggregate.shares[payer]
        lo, hi, mid = (_LEFT + int(float(min(Decimal(100), max(Decimal(0), v))) * span / 100)
                       for v in (stat.minimum, stat.maximum, stat.median))
        canvas.rect(lo, y + 9, max(hi, lo + 2), y + 21, colour)
        canvas.rect(mid - 1, y + 5, mid + 2, y + 25, _INK)

    labels = labels_nl or {}
    description = "; ".join(f"{labels.get(p, p)}: mediaan {aggregate.shares[p].median}% "
                            f"({aggregate.shares[p].minimum}-{aggregate.shares[p].maximum}%)" for p in payers)
    return canvas.png({"Title": f"Kostenverdeling dBos po ({aggregate.count} bibliotheken)",
                       "Description": description})


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
