"""Self-check of the dependency-free PNG bar chart in benchmarks/chart.py."""
import struct
import zlib

import numpy as np

from benchmarks.chart import GREEN, ORANGE, WIDTH, bar_chart_png, chart_height


def _chunks(data: bytes):
    i = 8
    while i < len(data):
        (n,) = struct.unpack(">I", data[i:i + 4])
        kind, body = data[i + 4:i + 8], data[i + 8:i + 8 + n]
        (crc,) = struct.unpack(">I", data[i + 8 + n:i + 12 + n])
        yield kind, body, crc
        i += 12 + n


def test_bar_chart_png(tmp_path):
    path = tmp_path / "chart.png"
    labels = ["light_resnet50", "transformer d256", "Conv2D: 3x3 <fp32> (b=1)"]
    bar_chart_png(path, labels, [0.8, 1.3, 2.5], "onnxjit / onnxruntime (lower is better)")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"

    chunks = list(_chunks(data))
    assert [k for k, _, _ in chunks][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    for kind, body, crc in chunks:
        assert zlib.crc32(kind + body) == crc, kind

    w, h, depth, ctype, comp, filt, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (w, h) == (WIDTH, chart_height(len(labels)))
    assert (depth, ctype, comp, filt, interlace) == (8, 2, 0, 0, 0)

    raw = zlib.decompress(b"".join(body for kind, body, _ in chunks if kind == b"IDAT"))
    assert len(raw) == h * (1 + 3 * w)
    rows = np.frombuffer(raw, np.uint8).reshape(h, 1 + 3 * w)
    assert (rows[:, 0] == 0).all()
    img = rows[:, 1:].reshape(h, w, 3)
    assert (img == GREEN).all(axis=-1).sum() > 100     # the 0.8 bar (<= reference)
    assert (img == ORANGE).all(axis=-1).sum() > 100    # the bars above the reference
    assert (img == 255).all(axis=-1).mean() > 0.5      # mostly white background


def test_bar_chart_png_edge_cases(tmp_path):
    bar_chart_png(tmp_path / "a.png", [], [], "empty")
    bar_chart_png(tmp_path / "b.png", ["neg", "nan", "zero"], [-1.0, float("nan"), 0.0], "odd {~}",
                  reference=None, value_format="{:.1f}x")
    for name in ("a.png", "b.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
