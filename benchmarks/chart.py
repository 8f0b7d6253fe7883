"""Dependency-free horizontal bar chart written as a PNG (numpy + zlib + struct only).

    bar_chart_png("ratios.png", ["light_resnet50", "transformer d256"], [0.8, 1.3],
                  "onnxjit time / onnxruntime time")

Text uses a built-in 5x7 bitmap font drawn at 2x; bars at or under `reference` are green,
the others orange, and a thin vertical line marks x = reference (e.g. 1.0 = parity).
"""
from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

import numpy as np

# 5x7 font (+1 descender row) for ASCII 32..122: 5 column bytes per glyph, bit 0 = top row.
_FONT_HEX = (
    "0000000000" "00005f0000" "0007000700" "147f147f14" "242a7f2a12" "2313086462"  # space ! " # $ %
    "3649552250" "0005030000" "001c224100" "0041221c00" "082a1c2a08" "08083e0808"  # & ' ( ) * +
    "0080600000" "0808080808" "0060600000" "2010080402"                            # , - . /
    "3e5149453e" "00427f4000" "4261514946" "2141454b31" "1814127f10"                # 0 1 2 3 4
    "2745454539" "3c4a494930" "0171090503" "3649494936" "064949291e"                # 5 6 7 8 9
    "0036360000" "0056360000" "0814224100" "1414141414" "0041221408" "0201510906"  # : ; < = > ?
    "324979413e"                                                                    # @
    "7e1111117e" "7f49494936" "3e41414122" "7f4141221c" "7f49494941" "7f09090101"  # A-F
    "3e41415132" "7f0808087f" "00417f4100" "2040413f01" "7f08142241" "7f40404040"  # G-L
    "7f0204027f" "7f0408107f" "3e4141413e" "7f09090906" "3e4151215e" "7f09192946"  # M-R
    "4649494931" "01017f0101" "3f4040403f" "1f2040201f" "7f2018207f" "6314081463"  # S-X
    "0304780403" "6151494543"                                                       # Y Z
    "00007f4141" "0204081020" "41417f0000" "0402010204" "4040404040" "0001020400"  # [ \ ] ^ _ `
    "2054545478" "7f48444438" "3844444420" "384444487f" "3854545418" "087e090102"  # a-f
    "18a4a4a47c" "7f08040478" "00447d4000" "0080807d00" "007f102844" "00417f4000"  # g-l
    "7c04180478" "7c08040478" "3844444438" "fc24242418" "18242424fc" "7c08040408"  # m-r
    "4854545420" "043f444020" "3c4040207c" "1c2040201c" "3c4030403c" "4428102844"  # s-x
    "1ca0a0a07c" "4464544c44"                                                       # y z
)
_BOX = bytes([0x7F, 0x41, 0x41, 0x41, 0x7F])
SCALE = 2                      # font pixel size
ADV = 6 * SCALE                # horizontal advance per character
LINE = 8 * SCALE               # glyph height, descender included

WIDTH = 900
TITLE_H = 44                   # title band at the top
ROW_H = 28                     # one bar per row
BAR_H = 18
BOTTOM_H = 30                  # room for the reference-line label
PAD = 12

WHITE = (255, 255, 255)
TEXT = (30, 30, 30)
GREEN = (60, 160, 80)
ORANGE = (235, 140, 40)
REF = (90, 90, 90)
GRID = (225, 225, 225)


def chart_height(n_bars: int) -> int:
    """Image height in pixels for a chart with `n_bars` bars."""
    return TITLE_H + n_bars * ROW_H + BOTTOM_H


def _glyph(ch: str) -> bytes:
    i = ord(ch) - 32
    if 0 <= i < len(_FONT_HEX) // 10:
        return bytes.fromhex(_FONT_HEX[10 * i:10 * i + 10])
    return _BOX


def text_width(text: str) -> int:
    return max(len(text) * ADV - SCALE, 0)


def _draw_text(img: np.ndarray, x: int, y: int, text: str, color=TEXT, bg=None) -> None:
    """Draw `text` with its top-left corner at (x, y), on a `bg` box if given; clipped."""
    h, w, _ = img.shape
    if bg is not None:
        img[max(y - 2, 0):y + LINE + 2, max(x - 3, 0):x + text_width(text) + 3] = bg
    for ch in text:
        for cx, col in enumerate(_glyph(ch)):
            for cy in range(8):
                if col >> cy & 1:
                    x0, y0 = x + cx * SCALE, y + cy * SCALE
                    if 0 <= x0 and x0 + SCALE <= w and 0 <= y0 and y0 + SCALE <= h:
                        img[y0:y0 + SCALE, x0:x0 + SCALE] = color
        x += ADV


def _fit(text: str, max_px: int) -> str:
    """Truncate `text` with '..' so that it fits in `max_px` pixels."""
    if text_width(text) <= max_px:
        return text
    n = max((max_px + SCALE) // ADV - 2, 0)
    return text[:n] + ".."


def encode_png(img: np.ndarray) -> bytes:
    """Encode an (H, W, 3) uint8 array as an 8-bit RGB PNG."""
    img = np.ascontiguousarray(img, dtype=np.uint8)
    h, w, _ = img.shape
    raw = np.zeros((h, 1 + 3 * w), dtype=np.uint8)   # filter byte 0 (None) per scanline
    raw[:, 1:] = img.reshape(h, 3 * w)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit, truecolour, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(raw.tobytes(), 9)) + chunk(b"IEND", b""))


def bar_chart_png(path: str | Path, labels: list[str], values: list[float], title: str,
                  reference: float | None = 1.0, value_format: str = "{:.2f}") -> None:
    """Write a horizontal bar chart of `values` (one bar per label) to the PNG file `path`."""
    labels = [str(s) for s in labels]
    values = [float(v) for v in values]
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels for {len(values)} values")
    texts = [value_format.format(v) for v in values]
    finite = [v for v in values if math.isfinite(v)]
    vmax = max([0.0] + finite + ([reference] if reference is not None else []))
    vmax = vmax if vmax > 0 else 1.0

    h = chart_height(len(values))
    img = np.full((h, WIDTH, 3), WHITE, dtype=np.uint8)
    _draw_text(img, PAD, (TITLE_H - LINE) // 2, _fit(title, WIDTH - 2 * PAD))

    label_w = min(max((text_width(s) for s in labels), default=0), WIDTH * 2 // 5)
    value_w = max((text_width(s) for s in texts), default=0)
    x0 = PAD + label_w + PAD                      # bar origin
    x1 = WIDTH - PAD - value_w - 8                # x of vmax
    span = max(x1 - x0, 1)
    y_top, y_bot = TITLE_H, TITLE_H + len(values) * ROW_H
    img[y_top - 4:y_bot + 4, x0] = GRID           # zero axis

    value_texts = []                              # drawn last, over the reference line
    for i, (label, v, text) in enumerate(zip(labels, values, texts)):
        y = TITLE_H + i * ROW_H
        yb = y + (ROW_H - BAR_H) // 2
        yt = y + (ROW_H - LINE) // 2
        label = _fit(label, label_w)
        _draw_text(img, x0 - PAD - text_width(label), yt, label)
        length = int(round(span * min(max(v, 0.0), vmax) / vmax)) if math.isfinite(v) else 0
        ok = reference is None or (math.isfinite(v) and v <= reference)
        img[yb:yb + BAR_H, x0:x0 + length] = GREEN if ok else ORANGE
        value_texts.append((x0 + length + 6, yt, text))

    if reference is not None and reference >= 0:
        xr = x0 + int(round(span * reference / vmax))
        img[y_top - 4:y_bot + 4, max(xr - 1, 0):xr + 1] = REF
        ref_text = value_format.format(reference)
        xt = min(max(xr - text_width(ref_text) // 2, 0), WIDTH - text_width(ref_text))
        _draw_text(img, xt, y_bot + 8, ref_text, REF)
    for x, y, text in value_texts:
        _draw_text(img, x, y, text, TEXT, WHITE)

    Path(path).write_bytes(encode_png(img))


if __name__ == "__main__":
    import sys
    out = sys.argv[1] if len(sys.argv) > 1 else "sample_chart.png"
    bar_chart_png(out, ["light_resnet50", "transformer d256", "mlp_small (b=1)", "Conv2D: 3x3 <fp32>",
                        "gpt_jq, y=pqg"], [0.8, 1.3, 2.5, 0.45, 1.02],
                  "onnxjit / onnxruntime time ratio (lower is better, 100% = parity)")
    print(out)
