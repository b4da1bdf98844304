"""A tiny dependency-free PNG chart writer: grouped bar charts with a 3x5 pixel font."""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

# 3x5 glyphs, one string of 15 bits per character (rows top to bottom).
_FONT = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
    "4": "101101111001001", "5": "111100111001111", "6": "111100111101111", "7": "111001001001001",
    "8": "111101111101111", "9": "111101111001111", " ": "000000000000000", ".": "000000000000010",
    "-": "000000111000000", "/": "001001010100100", "%": "101001010100101", ":": "000010000010000",
    "=": "000111000111000", "(": "010100100100010", ")": "010001001001010", ",": "000000000010100",
    "A": "010101111101101", "B": "110101110101110", "C": "011100100100011", "D": "110101101101110",
    "E": "111100110100111", "F": "111100110100100", "G": "011100101101011", "H": "101101111101101",
    "I": "111010010010111", "J": "001001001101010", "K": "101101110101101", "L": "100100100100111",
    "M": "101111111101101", "N": "110101101101101", "O": "010101101101010", "P": "110101110100100",
    "Q": "010101101110011", "R": "110101110101101", "S": "011100010001110", "T": "111010010010010",
    "U": "101101101101111", "V": "101101101101010", "W": "101101111111101", "X": "101101010101101",
    "Y": "101101010010010", "Z": "111001010100111", "_": "000000000000111", "<": "001010100010001",
    ">": "100010001010100", "&": "010101010101011", "+": "000010111010000",
}
PALETTE = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75))


class Canvas:
    """An RGB pixel buffer."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.pixels = bytearray(b"\xff" * (width * height * 3))

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: tuple[int, int, int]) -> None:
        x0, x1 = max(0, min(x0, x1)), min(self.width, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.height, max(y0, y1))
        row = bytes(color) * (x1 - x0)
        for y in range(y0, y1):
            start = (y * self.width + x0) * 3
            self.pixels[start:start + len(row)] = row

    def text(self, x: int, y: int, text: str, color: tuple[int, int, int] = (0, 0, 0), scale: int = 2) -> None:
        for char in text.upper():
            glyph = _FONT.get(char, _FONT[" "])
            for index, bit in enumerate(glyph):
                if bit == "1":
                    gx, gy = x + (index % 3) * scale, y + (index // 3) * scale
                    self.rect(gx, gy, gx + scale, gy + scale, color)
            x += 4 * scale

    def save(self, path: Path) -> None:
        raw = b"".join(b"\x00" + bytes(self.pixels[y * self.width * 3:(y + 1) * self.width * 3])
                       for y in range(self.height))

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
                         + chunk(b"IEND", b""))


def _nice_max(value: float) -> float:
    if value <= 0 or math.isnan(value):
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(path: Path, title: str, groups: list[str], series: dict[str, list[float]], *, unit: str = "",
              target: float | None = None, cap: float | None = None, width: int = 720, height: int = 400) -> Path:
    """Grouped bars: one group per x label, one colour per series; optional dashed target line.

    With ``cap`` the axis ends there, so that one huge bar does not flatten the others: a bar
    beyond it is drawn to the top and its value written above it.
    """
    canvas = Canvas(width, height)
    left, right, top, bottom = 70, 20, 50, 60
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for vs in series.values() for v in vs if v == v] + ([target] if target else [])
    highest = max(values) if values else 1.0
    top_value = _nice_max(min(highest, cap) if cap else highest)
    canvas.text(left, 12, title[:80], scale=2)
    for tick in range(6):
        value = top_value * tick / 5
        y = top + plot_h - int(plot_h * tick / 5)
        canvas.rect(left, y, left + plot_w, y + 1, (225, 225, 225))
        label = f"{value:g}"
        canvas.text(left - 8 - 8 * len(label), y - 5, label, scale=2)
    canvas.rect(left, top, left + 1, top + plot_h, (0, 0, 0))
    canvas.rect(left, top + plot_h, left + plot_w, top + plot_h + 1, (0, 0, 0))
    names = list(series)
    group_w = plot_w / max(1, len(groups))
    bar_w = max(2, int(group_w * 0.8 / max(1, len(names))))
    for g, group in enumerate(groups):
        x_start = left + int(g * group_w + group_w * 0.1)
        for s, name in enumerate(names):
            value = series[name][g] if g < len(series[name]) else float("nan")
            if value != value:
                continue
            bar_h = int(plot_h * min(value, top_value) / top_value)
            x = x_start + s * bar_w
            canvas.rect(x, top + plot_h - bar_h, x + bar_w - 2, top + plot_h, PALETTE[s % len(PALETTE)])
            if value > top_value:
                canvas.text(x, top - 14, f"{value:.0f}", PALETTE[s % len(PALETTE)], scale=2)
        label = group[:14]
        canvas.text(int(left + g * group_w + group_w / 2 - 4 * len(label)), top + plot_h + 8, label, scale=2)
    if target:
        y = top + plot_h - int(plot_h * min(target, top_value) / top_value)
        for x in range(left, left + plot_w, 12):
            canvas.rect(x, y, x + 6, y + 2, (200, 0, 0))
        canvas.text(left + plot_w - 100, y - 14, f"TARGET {target:g}", (200, 0, 0), scale=2)
    x = left
    for s, name in enumerate(names):
        canvas.rect(x, height - 22, x + 12, height - 10, PALETTE[s % len(PALETTE)])
        canvas.text(x + 16, height - 21, name[:24], scale=2)
        x += 24 + 8 * min(len(name), 24) + 12
    if unit:
        canvas.text(4, top - 18, unit[:12], scale=2)
    canvas.save(path)
    return path
