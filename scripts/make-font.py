#!/usr/bin/python3
"""make-font.py SOURCE.ttf OUTPUT.ttf -- the PDF quote's fallback font.

Cuts a TrueType font (DejaVu Sans, Debian fonts-dejavu-core) down to the
characters names and addresses use in a US clinic -- Latin with all its
extensions (Vietnamese, Central European, Turkish, Nordic...), Greek,
Cyrillic, combining accents and common punctuation -- and replaces every
composite glyph by a plain outline.  libharu 2.3.0 embeds composite glyphs
without their parts, so without this step "Nguyễn" prints as "Nguyen".

The result is byte-identical for the same source font and fontTools
version: the source's timestamps are kept and nothing else varies.
"""
import sys

from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont

RANGES = [
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x024F),  # Latin-1, Latin Extended-A and -B
    (0x02B0, 0x02FF),  # spacing modifiers (e.g. the Hawaiian okina)
    (0x0300, 0x036F),  # combining accents
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x04FF),  # Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese)
    (0x2000, 0x206F),  # punctuation
    (0x20A0, 0x20C0),  # currency signs
]
SINGLES = [0x2116, 0x2122, 0x2212]  # numero, trade mark, minus


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: make-font.py SOURCE.ttf OUTPUT.ttf\n")
        return 2
    src, out = argv[1], argv[2]
    opts = Options()
    opts.layout_features = []
    opts.hinting = False
    opts.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM"]
    font = TTFont(src, recalcTimestamp=False)
    codes = [c for a, b in RANGES for c in range(a, b + 1)] + SINGLES
    sub = Subsetter(opts)
    sub.populate(unicodes=codes)
    sub.subset(font)

    glyf = font["glyf"]
    glyphs = font.getGlyphSet()
    for name in font.getGlyphOrder():
        if glyf[name].isComposite():
            rec = DecomposingRecordingPen(glyphs)
            glyphs[name].draw(rec)
            pen = TTGlyphPen(None)
            rec.replay(pen)
            glyf[name] = pen.glyph()
    font.save(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
