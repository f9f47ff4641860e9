#!/bin/sh
# make-font.sh SOURCE.ttf OUTPUT.ttf — build the PDF quote's fallback font
# with scripts/make-font.py (fontTools), written atomically.  See that
# script and docs/pdf.md.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 SOURCE.ttf OUTPUT.ttf" >&2
    exit 2
fi
src=$1 out=$2
here=$(dirname "$0")

# Debian's fontTools lives in the system Python; prefer it over any other.
py=
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import fontTools.subset' 2>/dev/null; then
        py=$p
        break
    fi
done
if [ -z "$py" ]; then
    echo "make-font.sh: fontTools is not installed; run 'make deps' (Debian package python3-fonttools)" >&2
    exit 1
fi
if [ ! -r "$src" ]; then
    echo "make-font.sh: cannot read '$src'; run 'make deps' (Debian package fonts-dejavu-core)" >&2
    exit 1
fi

tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT INT TERM
"$py" "$here/make-font.py" "$src" "$tmp"
mv "$tmp" "$out"
trap - EXIT INT TERM
