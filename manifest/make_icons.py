"""Regenerate the Teams app icons ``color.png`` (192×192) and ``outline.png`` (32×32).

Pure Python (zlib + struct), so no image library becomes a dependency of the bot. The icons
are two speech bubbles, one answering the other: sparring between colleagues. Shapes are
drawn on a supersampled grid and averaged, which gives smooth (anti-aliased) edges.

Run from the repository root: ``.venv/bin/python manifest/make_icons.py``.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ACCENT = (0x1B, 0x6F, 0x8A)  # keep equal to accentColor in manifest.json
WHITE = (255, 255, 255)
SUN = (0xFF, 0xC9, 0x4D)  # a warm second colour so the two bubbles read as two speakers

Shape = Callable[[float, float], bool]
# One drawing step: a shape and the RGBA it paints (None = make transparent).
Step = tuple[Shape, tuple[int, int, int, int] | None]


def rounded_rect(x0: float, y0: float, x1: float, y1: float, r: float) -> Shape:
    """A filled rectangle with rounded corners, in icon units."""

    def inside(x: float, y: float) -> bool:
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            return False
        cx = min(max(x, x0 + r), x1 - r)
        cy = min(max(y, y0 + r), y1 - r)
        return (x - cx) ** 2 + (y - cy) ** 2 <= r * r

    return inside


def circle(cx: float, cy: float, r: float) -> Shape:
    """A filled disc."""
    return lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def triangle(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> Shape:
    """A filled triangle (any winding)."""

    def side(p: tuple[float, float], q: tuple[float, float], x: float, y: float) -> float:
        return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0])

    def inside(x: float, y: float) -> bool:
        s1, s2, s3 = side(a, b, x, y), side(b, c, x, y), side(c, a, x, y)
        return (s1 >= 0 and s2 >= 0 and s3 >= 0) or (s1 <= 0 and s2 <= 0 and s3 <= 0)

    return inside


def union(*shapes: Shape) -> Shape:
    """Inside any of the shapes."""
    return lambda x, y: any(shape(x, y) for shape in shapes)


def render(size: int, units: float, steps: Sequence[Step], background: tuple[int, int, int, int],
           samples: int = 4) -> list[list[tuple[int, int, int, int]]]:
    """Rasterise the drawing steps (painter's order) into RGBA rows.

    Args:
        size: Output width and height in pixels.
        units: Width of the drawing's coordinate system (shapes are in these units).
        steps: Shapes with the colour they paint, later ones on top.
        background: RGBA under everything.
        samples: Supersamples per pixel side, for anti-aliasing.

    Returns:
        ``size`` rows of ``size`` RGBA tuples (straight, not premultiplied, alpha).
    """
    scale = units / size
    rows = []
    for py in range(size):
        row = []
        for px in range(size):
            acc = [0, 0, 0, 0]  # premultiplied sums
            for sy in range(samples):
                for sx in range(samples):
                    x = (px + (sx + 0.5) / samples) * scale
                    y = (py + (sy + 0.5) / samples) * scale
                    colour = background
                    for shape, paint in steps:
                        if shape(x, y):
                            colour = paint or (0, 0, 0, 0)
                    acc[0] += colour[0] * colour[3]
                    acc[1] += colour[1] * colour[3]
                    acc[2] += colour[2] * colour[3]
                    acc[3] += colour[3]
            n = samples * samples
            if acc[3] == 0:
                row.append((0, 0, 0, 0))
            else:
                row.append((round(acc[0] / acc[3]), round(acc[1] / acc[3]), round(acc[2] / acc[3]),
                            round(acc[3] / n)))
        rows.append(row)
    return rows


def write_png(path: Path, rows: list[list[tuple[int, int, int, int]]], alpha: bool) -> None:
    """Write 8-bit RGB or RGBA rows as a PNG (filter type 0 on every line)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    height, width = len(rows), len(rows[0])
    raw = bytearray()
    for row in rows:
        raw.append(0)
        for r, g, b, a in row:
            raw += bytes((r, g, b, a)) if alpha else bytes((r, g, b))
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))


def colour_steps() -> list[Step]:
    """The full-colour icon on a 192-unit grid: white bubble asks, yellow bubble answers."""
    accent, white, sun = (*ACCENT, 255), (*WHITE, 255), (*SUN, 255)
    ask = union(rounded_rect(26, 34, 134, 114, 24), triangle((44, 104), (76, 104), (36, 140)))
    answer_box = (74, 86, 168, 158)
    answer = union(rounded_rect(*answer_box, 22), triangle((130, 150), (156, 150), (164, 180)))
    gap = union(rounded_rect(answer_box[0] - 7, answer_box[1] - 7, answer_box[2] + 7, answer_box[3] + 7, 29),
                triangle((124, 150), (162, 150), (170, 188)))
    return [
        (ask, white),
        (gap, accent),  # a ring of background colour separates the overlapping bubbles
        (answer, sun),
        *((circle(cx, 74, 8), accent) for cx in (56, 80, 104)),
        *((circle(cx, 122, 7), accent) for cx in (100, 121, 142)),
    ]


def outline_steps() -> list[Step]:
    """The outline icon on a 32-unit grid: white shapes with transparent cut-outs."""
    white = (*WHITE, 255)
    ask_outer = union(rounded_rect(2, 4, 21, 18.5, 4.5), triangle((5, 18), (10.5, 18), (3.5, 23.5)))
    ask_inner = rounded_rect(4.2, 6.2, 18.8, 16.3, 2.5)
    answer = union(rounded_rect(12, 13, 30, 26.5, 4), triangle((23, 25), (28, 25), (29.5, 30.5)))
    gap = union(rounded_rect(10, 11, 32, 28.5, 5.5), triangle((21.5, 25), (30, 25), (31.5, 32)))
    return [
        (ask_outer, white),
        (ask_inner, None),
        (gap, None),
        (answer, white),
        *((circle(cx, 19.75, 1.5), None) for cx in (16.5, 21, 25.5)),
    ]


def main() -> None:
    """Write both icons next to this script."""
    write_png(HERE / "color.png", render(192, 192, colour_steps(), (*ACCENT, 255)), alpha=False)
    write_png(HERE / "outline.png", render(32, 32, outline_steps(), (0, 0, 0, 0), samples=8), alpha=True)


if __name__ == "__main__":
    main()
