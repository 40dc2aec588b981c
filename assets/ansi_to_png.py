#!/usr/bin/env python3
"""Renders a terminal capture (`tmux capture-pane -e -p`: text with SGR escape sequences) to a
PNG, one monospace cell per character: the 16 ANSI colours, the 256-colour palette and
truecolour, as foreground or background; bold, dim and reverse. Box-drawing lines and block
elements are drawn as shapes filling their cell, so that panes' borders join up; every other
character comes from the font.

Usage: ansi_to_png.py CAPTURE.txt OUT.png [--font DIR] [--size PX]

Needs Python 3 and Pillow (`pip install pillow`, or `apt-get install -y python3-pil`) and the
DejaVu Sans Mono fonts (`apt-get install -y fonts-dejavu-core`; looked for in
/usr/share/fonts/truetype/dejavu/ unless --font says where).
"""

import argparse
import re
import sys

from PIL import Image, ImageDraw, ImageFont

BACKGROUND = (30, 30, 30)
FOREGROUND = (215, 215, 215)
# The 16 ANSI colours (xterm's, the bright ones slightly softened).
ANSI = [
    (0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16),
    (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229),
    (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67),
    (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255),
]
SGR = re.compile(r"\x1b\[([0-9;:]*)m")
ANY_ESCAPE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|.)")


def palette(n):
    """The colour of entry `n` of the 256-colour palette."""
    if n < 16:
        return ANSI[n]
    if n < 232:
        n -= 16
        level = lambda v: 0 if v == 0 else 55 + 40 * v
        return (level(n // 36), level(n // 6 % 6), level(n % 6))
    grey = 8 + 10 * (n - 232)
    return (grey, grey, grey)


class Style:
    def __init__(self):
        self.fg = None  # None: the default colour
        self.bg = None
        self.bold = False
        self.dim = False
        self.reverse = False

    def copy(self):
        s = Style()
        s.__dict__.update(self.__dict__)
        return s

    def apply(self, params):
        """Applies one SGR sequence's parameters."""
        codes = [int(p) if p else 0 for p in re.split("[;:]", params)] if params else [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.__init__()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 7:
                self.reverse = True
            elif c == 27:
                self.reverse = False
            elif 30 <= c <= 37:
                self.fg = ANSI[c - 30]
            elif 90 <= c <= 97:
                self.fg = ANSI[c - 90 + 8]
            elif 40 <= c <= 47:
                self.bg = ANSI[c - 40]
            elif 100 <= c <= 107:
                self.bg = ANSI[c - 100 + 8]
            elif c == 39:
                self.fg = None
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(codes):
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    colour, i = palette(codes[i + 2] % 256), i + 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    colour, i = tuple(v % 256 for v in codes[i + 2:i + 5]), i + 4
                else:
                    colour = None
                if c == 38:
                    self.fg = colour
                else:
                    self.bg = colour
            i += 1

    def colours(self):
        """The cell's (foreground, background) as painted."""
        fg, bg = self.fg or FOREGROUND, self.bg or BACKGROUND
        if self.reverse:
            fg, bg = bg, fg
        if self.dim:
            fg = tuple((2 * f + b) // 3 for f, b in zip(fg, bg))
        return fg, bg


def cells(capture):
    """Each line of the capture as a list of (character, Style)."""
    rows = []
    for line in capture.split("\n"):
        style, row, pos = Style(), [], 0
        for m in ANY_ESCAPE.finditer(line):
            row.extend((ch, style.copy()) for ch in line[pos:m.start()])
            sgr = SGR.fullmatch(m.group(0))
            if sgr:
                style.apply(sgr.group(1))
            pos = m.end()
        row.extend((ch, style.copy()) for ch in line[pos:])
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    return rows


# Box drawing: which of the four arms (up, right, down, left) each character has.
ARMS = {
    "─": "rl", "│": "ud", "┌": "rd", "┐": "dl", "└": "ur", "┘": "ul",
    "├": "urd", "┤": "udl", "┬": "rdl", "┴": "url", "┼": "urdl",
}
# Block elements: the part of the cell each fills, as fractions (left, top, right, bottom).
BLOCKS = {
    "█": (0, 0, 1, 1), "▌": (0, 0, 0.5, 1), "▐": (0.5, 0, 1, 1),
    "▀": (0, 0, 1, 0.5), "▄": (0, 0.5, 1, 1),
}


def draw_shape(draw, ch, x, y, w, h, fg):
    """Draws `ch` as a shape if it is a box-drawing line or a block element."""
    if ch in BLOCKS:
        l, t, r, b = BLOCKS[ch]
        draw.rectangle([x + l * w, y + t * h, x + r * w - 1, y + b * h - 1], fill=fg)
        return True
    if ch in ARMS:
        cx, cy, thick = x + w // 2, y + h // 2, max(1, w // 9)
        for arm in ARMS[ch]:
            box = {
                "u": (cx, y, cx + thick - 1, cy + thick - 1),
                "d": (cx, cy, cx + thick - 1, y + h - 1),
                "l": (x, cy, cx + thick - 1, cy + thick - 1),
                "r": (cx, cy, x + w - 1, cy + thick - 1),
            }[arm]
            draw.rectangle(box, fill=fg)
        return True
    return False


def render(rows, font_dir, size):
    regular = ImageFont.truetype(f"{font_dir}/DejaVuSansMono.ttf", size)
    bold = ImageFont.truetype(f"{font_dir}/DejaVuSansMono-Bold.ttf", size)
    ascent, descent = regular.getmetrics()
    w, h = round(regular.getlength("M")), ascent + descent + 2
    columns = max(len(r) for r in rows)
    pad = w
    image = Image.new("RGB", (columns * w + 2 * pad, len(rows) * h + 2 * pad), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for j, row in enumerate(rows):
        for i, (ch, style) in enumerate(row):
            x, y = pad + i * w, pad + j * h
            fg, bg = style.colours()
            if bg != BACKGROUND:
                draw.rectangle([x, y, x + w - 1, y + h - 1], fill=bg)
            if ch == " " or draw_shape(draw, ch, x, y, w, h, fg):
                continue
            draw.text((x, y + 1), ch, font=bold if style.bold else regular, fill=fg)
    return image


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("capture")
    parser.add_argument("out")
    parser.add_argument("--font", default="/usr/share/fonts/truetype/dejavu")
    parser.add_argument("--size", type=int, default=15)
    args = parser.parse_args()
    with open(args.capture, encoding="utf-8") as f:
        rows = cells(f.read())
    if not rows:
        sys.exit(f"{args.capture}: nothing to render")
    render(rows, args.font, args.size).save(args.out, optimize=True)


if __name__ == "__main__":
    main()
