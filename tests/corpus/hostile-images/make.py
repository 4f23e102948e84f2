#!/usr/bin/env python3
"""Writes the hostile-image corpus beside this file: malformed, hostile and valid images with the verdict each must get.

Run with Debian's python3 (python3-pil). The files are committed; this script documents how each one was made and
rebuilds them. verdicts.json maps every file to its expected verdict and what it tests.
"""
import io
import json
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MEMORIZED = os.path.join(ROOT, "models", "tiny-sd", "memorized", "mem-00-vermeer.png")
INT32_MIN, INT32_MAX = -2**31, 2**31 - 1

verdicts = {}


def write(name, data, verdict, why):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    verdicts[name] = {"verdict": verdict, "why": why}


def encode(img, fmt, **kw):
    b = io.BytesIO()
    img.save(b, fmt, **kw)
    return bytearray(b.getvalue())


def png_with_ihdr(png, width, height):
    p = bytearray(png)
    p[16:20] = struct.pack(">I", width & 0xFFFFFFFF)
    p[20:24] = struct.pack(">I", height & 0xFFFFFFFF)
    p[29:33] = struct.pack(">I", zlib.crc32(bytes(p[12:29])) & 0xFFFFFFFF)
    return p


def bmp_with_size(bmp, width, height):
    b = bytearray(bmp)
    b[18:22] = struct.pack("<i", width)
    b[22:26] = struct.pack("<i", height)
    return b


def gif_bomb(frames, side):
    im = Image.new("P", (side, side), 1)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    g = encode(im, "GIF")
    flags = g[10]
    gct = 3 * (2 ** ((flags & 7) + 1)) if flags & 0x80 else 0
    head, rest = g[:13 + gct], g[13 + gct:]
    frame = rest[rest.index(b"\x2c"):-1]
    gce = b"\x21\xf9\x04\x00\x0a\x00\x00\x00"
    return head + b"".join(gce + frame for _ in range(frames)) + b"\x3b"


def main():
    for f in os.listdir(HERE):
        if f not in ("make.py",):
            os.remove(os.path.join(HERE, f))
    rng = np.random.default_rng(7)
    noise = Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8), "RGB")
    scene = Image.new("RGB", (64, 48), (30, 90, 200))
    scene.paste((220, 40, 40), (20, 12, 44, 36))
    mem = Image.open(MEMORIZED).convert("RGB")

    # Valid images of every accepted format: judged, not refused.
    png = encode(scene, "PNG")
    write("ok.png", png, "allow", "valid RGB PNG")
    write("ok-rgba.png", encode(scene.convert("RGBA"), "PNG"), "allow", "valid RGBA PNG")
    write("ok-gray.png", encode(scene.convert("L"), "PNG"), "allow", "valid greyscale PNG")
    write("ok.jpg", encode(scene, "JPEG", quality=90), "allow", "valid baseline JPEG")
    write("ok-progressive.jpg", encode(scene, "JPEG", quality=90, progressive=True), "allow", "valid progressive JPEG")
    write("ok.gif", encode(scene.convert("P"), "GIF"), "allow", "valid GIF")
    frames = [scene.convert("P"), noise.resize((64, 48)).convert("P")]
    write("ok-animated.gif", encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100), "allow", "valid two-frame GIF: the first frame is judged")
    webp_lossless = encode(noise, "WEBP", lossless=True)
    write("ok-lossless.webp", webp_lossless, "allow", "valid lossless WebP")
    webp_lossy = encode(noise, "WEBP", quality=80)
    write("ok-lossy.webp", webp_lossy, "allow", "valid lossy WebP")
    bmp = encode(scene, "BMP")
    write("ok.bmp", bmp, "allow", "valid BMP")
    write("ok-topdown.bmp", bmp_with_size(bmp, 64, -48), "allow", "valid top-down BMP (a negative height is legal)")
    write("ok.ico", encode(scene, "ICO", sizes=[(48, 48)]), "allow", "valid ICO")

    # A memorized training image in other formats: the copy detector still blocks it.
    write("memorized-copy.jpg", encode(mem, "JPEG", quality=85), "block", "memorized image re-encoded as JPEG")
    write("memorized-copy.webp", encode(mem, "WEBP", quality=80), "block", "memorized image re-encoded as lossy WebP")
    write("memorized-copy.bmp", encode(mem, "BMP"), "block", "memorized image re-encoded as BMP")
    write("memorized-copy-rgba.png", encode(mem.convert("RGBA"), "PNG"), "block", "memorized image with an alpha channel")

    # Header fields with hostile values.
    for name, (w, h) in {"bmp-negative-width": (-64, 48), "bmp-int32-min-width": (INT32_MIN, 48), "bmp-int32-max-both": (INT32_MAX, INT32_MAX),
                         "bmp-zero-width": (0, 48), "bmp-int32-min-height": (64, INT32_MIN), "bmp-absurd": (1_000_000, 1_000_000)}.items():
        write(name + ".bmp", bmp_with_size(bmp, w, h), "invalid", f"BMP header declares {w}x{h}")
    for name, (w, h) in {"png-width-0": (0, 48), "png-height-0": (64, 0), "png-int32-max": (INT32_MAX, INT32_MAX),
                         "png-width-uint32-max": (0xFFFFFFFF, 48), "png-20000-square": (20000, 20000)}.items():
        write(name + ".png", png_with_ihdr(png, w, h), "invalid", f"PNG IHDR declares {w}x{h} (CRC fixed)")
    gif = encode(scene.convert("P"), "GIF")
    g = bytearray(gif); g[6:10] = b"\0\0\0\0"
    write("gif-zero-screen.gif", g, "allow", "GIF logical screen 0x0 over a 64x48 frame: decoded at the frame's size, as browsers do")
    jpg = encode(scene, "JPEG", quality=90)
    sof = jpg.index(b"\xff\xc0")
    j = bytearray(jpg); j[sof + 5:sof + 7] = b"\0\0"
    write("jpeg-sof-height-0.jpg", j, "invalid", "JPEG SOF0 height 0")
    j = bytearray(jpg); j[sof + 5:sof + 9] = b"\xff\xff\xff\xff"
    write("jpeg-sof-65535.jpg", j, "invalid", "JPEG SOF0 65535x65535 over the pixel limit")

    # Truncation.
    write("png-truncated-half.png", png[: len(png) // 2], "invalid", "PNG cut in half")
    write("png-header-only.png", png[:33], "invalid", "PNG signature and IHDR only")
    write("png-signature-only.png", png[:8], "invalid", "PNG signature only")
    write("jpeg-truncated.jpg", jpg[: len(jpg) * 2 // 3], "invalid", "JPEG cut at two thirds")
    write("gif-truncated.gif", gif[: len(gif) // 2], "invalid", "GIF cut in half")
    write("webp-lossless-truncated-40.webp", webp_lossless[: int(len(webp_lossless) * 0.4)], "invalid", "lossless WebP cut to 40% (was judged allow before the intake guard)")
    write("webp-lossy-truncated.webp", webp_lossy[: len(webp_lossy) // 2], "invalid", "lossy WebP cut in half")
    write("bmp-truncated.bmp", bmp[: len(bmp) // 2], "invalid", "BMP cut in half")

    # Corrupt data behind a valid header.
    p = bytearray(png); idat = p.index(b"IDAT"); p[idat + 4: idat + 20] = bytes(16)
    write("png-idat-zeroed.png", p, "invalid", "PNG with its compressed data zeroed")
    p = bytearray(png); p[29] ^= 0xFF
    write("png-bad-ihdr-crc.png", p, "invalid", "PNG whose IHDR CRC is wrong")

    # Decompression bombs and limits.
    write("gif-bomb-120x3000.gif", gif_bomb(120, 3000), "invalid", "120 frames of 3000x3000 (each within 16 MP, 1080 MP in all)")
    write("png-wide-strip-20000x1.png", encode(Image.new("RGB", (20000, 1)), "PNG"), "invalid", "a 20000x1 strip: over 16384 a side")
    write("png-4200-square.png", encode(Image.new("RGB", (4200, 4200)), "PNG"), "invalid", "4200x4200: over 16 MP")

    # Not images, or formats not accepted.
    write("empty.png", b"", "invalid", "empty file")
    write("text.png", b"this is not an image\n", "invalid", "text named .png")
    write("html.jpg", b"<html><body><img src=x onerror=alert(1)></body></html>", "invalid", "HTML named .jpg")
    write("zip.png", b"PK\x03\x04" + bytes(60), "invalid", "a ZIP header named .png")
    write("ok.tiff", encode(scene, "TIFF"), "invalid", "a valid TIFF: not an accepted format")
    write("ok.ppm", encode(scene, "PPM"), "invalid", "a valid PPM: not an accepted format")
    write("riff-wave.webp", b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + bytes(28), "invalid", "a RIFF/WAVE header named .webp")

    with open(os.path.join(HERE, "verdicts.json"), "w") as f:
        json.dump(dict(sorted(verdicts.items())), f, indent=1)
        f.write("\n")
    print(f"{len(verdicts)} files", file=sys.stderr)


if __name__ == "__main__":
    main()
