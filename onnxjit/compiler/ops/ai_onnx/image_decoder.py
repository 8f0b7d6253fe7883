"""ImageDecoder: decode an encoded image (BMP, PNG, PNM, TIFF) into an (H, W, C) uint8 tensor.

Only the formats decodable with numpy and the standard library are supported; JPEG, JPEG 2000 and
WebP need full codecs (libjpeg-exact IDCT and upsampling, wavelets, VP8) and raise NotImplemented.
"""
from __future__ import annotations

import struct
import zlib

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register
from onnxjit.errors import InvalidArgument, NotImplemented as OrtNotImplemented


def _bmp(data: bytes) -> np.ndarray:
    offset = struct.unpack_from("<I", data, 10)[0]
    width, height = struct.unpack_from("<ii", data, 18)
    bpp, compression = struct.unpack_from("<HI", data, 28)
    if compression not in (0, 3) or bpp not in (8, 24, 32):
        raise OrtNotImplemented(f"ImageDecoder: BMP with {bpp} bits/pixel, compression {compression}")
    h = abs(height)
    row_bytes = ((width * bpp + 31) // 32) * 4
    raw = np.frombuffer(data, np.uint8, count=row_bytes * h, offset=offset).reshape(h, row_bytes)
    if bpp == 8:
        header = struct.unpack_from("<I", data, 14)[0]
        palette = np.frombuffer(data, np.uint8, count=256 * 4, offset=14 + header)
        palette = palette[: (offset - 14 - header) // 4 * 4].reshape(-1, 4)[:, 2::-1]
        rgb = palette[raw[:, :width]]
    else:
        rgb = raw[:, : width * (bpp // 8)].reshape(h, width, bpp // 8)[:, :, 2::-1]
    return rgb[::-1] if height > 0 else rgb


def _pnm(data: bytes) -> np.ndarray:
    tokens: list[bytes] = []
    pos = 0
    while len(tokens) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        start = pos
        while not data[pos : pos + 1].isspace():
            pos += 1
        tokens.append(data[start:pos])
    magic, width, height, maxval = tokens[0], int(tokens[1]), int(tokens[2]), int(tokens[3])
    channels = {b"P6": 3, b"P5": 1, b"P3": 3, b"P2": 1}.get(magic)
    if channels is None:
        raise OrtNotImplemented(f"ImageDecoder: PNM variant {magic!r}")
    if magic in (b"P6", b"P5"):
        dtype = np.uint8 if maxval < 256 else np.dtype(">u2")
        pix = np.frombuffer(data, dtype, count=width * height * channels, offset=pos + 1)
    else:
        pix = np.array(data[pos:].split()[: width * height * channels], dtype=np.int64)
    pix = pix.astype(np.float64) * 255.0 / maxval if maxval != 255 else pix
    img = np.asarray(pix).astype(np.uint8).reshape(height, width, channels)
    return np.repeat(img, 3, axis=2) if channels == 1 else img


def _unfilter_png(raw: bytes, height: int, stride: int, bpp: int) -> np.ndarray:
    """Undo PNG per-row filters (None, Sub, Up, Average, Paeth)."""
    rows = np.frombuffer(raw, np.uint8, count=height * (stride + 1)).reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int64)
    for y in range(height):
        kind, line = rows[y, 0], rows[y, 1:].astype(np.int64)
        if kind == 0:
            cur = line
        elif kind == 2:
            cur = (line + prev) % 256
        elif kind == 1:
            cur = line.reshape(-1, bpp).cumsum(axis=0).reshape(-1) % 256
        else:
            cur = line.copy()
            for x in range(stride):
                a = cur[x - bpp] if x >= bpp else 0
                b = prev[x]
                if kind == 3:
                    cur[x] = (cur[x] + (a + b) // 2) % 256
                else:
                    c = prev[x - bpp] if x >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                    cur[x] = (cur[x] + pred) % 256
        out[y] = cur
        prev = cur
    return out


def _png(data: bytes) -> np.ndarray:
    pos, idat, palette = 8, b"", None
    width = height = depth = color = interlace = 0
    while pos < len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = np.frombuffer(body, np.uint8).reshape(-1, 3)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    if interlace or depth not in (8, 16) and not (color == 3 and depth in (1, 2, 4)):
        raise OrtNotImplemented(f"ImageDecoder: PNG with bit depth {depth}, interlace {interlace}")
    bits = channels * depth
    stride = (width * bits + 7) // 8
    rows = _unfilter_png(zlib.decompress(idat), height, stride, max(1, bits // 8))
    if depth < 8:
        unpacked = np.unpackbits(rows, axis=1).reshape(height, -1, depth)
        idx = (unpacked * (1 << np.arange(depth - 1, -1, -1))).sum(axis=2)[:, :width]
        return palette[idx]
    if depth == 16:
        rows = rows.reshape(height, -1, 2)[:, :, 0]
    img = rows.reshape(height, width, channels)
    if color == 3:
        return palette[img[:, :, 0]]
    if color in (0, 4):
        return np.repeat(img[:, :, :1], 3, axis=2)
    return img[:, :, :3]


def _packbits(buf: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(buf):
        n = buf[i] if buf[i] < 128 else buf[i] - 256
        i += 1
        if n >= 0:
            out += buf[i : i + n + 1]
            i += n + 1
        elif n != -128:
            out += bytes([buf[i]]) * (1 - n)
            i += 1
    return bytes(out)


def _tiff(data: bytes) -> np.ndarray:
    e = "<" if data[:2] == b"II" else ">"
    ifd = struct.unpack_from(e + "I", data, 4)[0]
    count = struct.unpack_from(e + "H", data, ifd)[0]
    sizes = {1: 1, 3: 2, 4: 4}
    fmt = {1: "B", 3: "H", 4: "I"}
    tags: dict[int, list[int]] = {}
    for k in range(count):
        tag, typ, n, _ = struct.unpack_from(e + "HHII", data, ifd + 2 + 12 * k)
        if typ not in sizes:
            continue
        where = ifd + 2 + 12 * k + 8
        if sizes[typ] * n > 4:
            where = struct.unpack_from(e + "I", data, where)[0]
        tags[tag] = list(struct.unpack_from(e + fmt[typ] * n, data, where))
    width, height = tags[256][0], tags[257][0]
    spp = tags.get(277, [1])[0]
    compression = tags.get(259, [1])[0]
    if tags.get(258, [8])[0] != 8 or tags.get(284, [1])[0] != 1 or tags.get(317, [1])[0] != 1:
        raise OrtNotImplemented("ImageDecoder: TIFF layout (bit depth, planar config or predictor) not supported")
    strips = b""
    for off, size in zip(tags[273], tags[279]):
        chunk = data[off : off + size]
        if compression == 1:
            strips += chunk
        elif compression in (8, 32946):
            strips += zlib.decompress(chunk)
        elif compression == 32773:
            strips += _packbits(chunk)
        else:
            raise OrtNotImplemented(f"ImageDecoder: TIFF compression {compression}")
    img = np.frombuffer(strips, np.uint8, count=width * height * spp).reshape(height, width, spp)
    photometric = tags.get(262, [2])[0]
    if spp == 1:
        img = 255 - img if photometric == 0 else img
        return np.repeat(img, 3, axis=2)
    return img[:, :, :3]


def decode(data: bytes) -> np.ndarray:
    """RGB (H, W, 3) uint8 pixels of an encoded image."""
    if data[:2] == b"BM":
        return _bmp(data)
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return _png(data)
    if data[:2] in (b"P2", b"P3", b"P5", b"P6"):
        return _pnm(data)
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return _tiff(data)
    if data[:2] == b"\xff\xd8":
        raise OrtNotImplemented("ImageDecoder: JPEG needs a libjpeg-exact codec, not available with numpy")
    if data[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n" or data[:4] == b"\xffO\xffQ":
        raise OrtNotImplemented("ImageDecoder: JPEG 2000 needs a wavelet codec, not available with numpy")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        raise OrtNotImplemented("ImageDecoder: WebP needs a VP8 codec, not available with numpy")
    raise InvalidArgument("ImageDecoder: unrecognised image format")


@register("ImageDecoder", since=20)
class ImageDecoder(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"pixel_format": "RGB"}

    def reference(self, encoded: np.ndarray) -> np.ndarray:
        rgb = np.ascontiguousarray(decode(np.asarray(encoded, dtype=np.uint8).tobytes()), dtype=np.uint8)
        fmt = self.a.pixel_format
        if fmt == "BGR":
            return np.ascontiguousarray(rgb[:, :, ::-1])
        if fmt == "Grayscale":
            v = rgb.astype(np.uint32)
            gray = (v[:, :, 0] * 19595 + v[:, :, 1] * 38470 + v[:, :, 2] * 7471 + 0x8000) >> 16
            return gray.astype(np.uint8)[:, :, None]
        return rgb
