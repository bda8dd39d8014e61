#!/usr/bin/env python3
"""xwd-to-ppm.py IN.xwd OUT.ppm [X Y W H]

Turns an X window dump (what `xwd` writes: a big-endian header, a colormap, then ZPixmap rows)
into a binary PPM, cut to the rectangle X,Y WxH when one is given. run-in-vm.sh --gpu needs it:
QEMU cannot screendump a virgl scanout, so the harness saves the QEMU window from its private
Xvfb screen instead. Only TrueColor dumps with 24- or 32-bit pixels and byte-aligned channel
masks are taken (what Xvfb at depth 24 gives); anything else is refused rather than guessed at.
"""
import struct
import sys

HEADER_FIELDS = 25  # CARD32s in XWDFileHeader, before the window name
COLOR_SIZE = 12     # one XWDColor: pixel (4), red, green, blue (2 each), flags, pad


def read_xwd(data):
    fields = struct.unpack_from(">%dI" % HEADER_FIELDS, data)
    (header_size, version, pixmap_format, _depth, width, height, _xoffset, byte_order,
     _unit, _bit_order, _pad, bits_per_pixel, bytes_per_line, visual_class,
     red_mask, green_mask, blue_mask, _bits_per_rgb, _entries, ncolors) = fields[:20]
    if version != 7 or pixmap_format != 2:
        sys.exit(f"xwd-to-ppm: not a version 7 ZPixmap dump (version {version}, format {pixmap_format})")
    # 4: TrueColor. 5: DirectColor, which is what xwd -root reports once windows of another visual
    # are on the screen (QEMU's GL window): it then reads every window's pixels as RGB itself and
    # writes them with these masks, so they need no colormap either.
    if visual_class not in (4, 5) or bits_per_pixel not in (24, 32):
        sys.exit(f"xwd-to-ppm: visual class {visual_class} with {bits_per_pixel}-bit pixels is not handled")
    # (In that merged image the pixels are 3 packed bytes, while its rows keep a 4-byte pixel's
    # length: rows are read at bytes_per_line, pixels at bits_per_pixel.)
    pixel_bytes = bits_per_pixel // 8
    if bytes_per_line < width * pixel_bytes:
        sys.exit(f"xwd-to-ppm: rows of {bytes_per_line} bytes cannot hold {width} {bits_per_pixel}-bit pixels")
    # The byte of a pixel each channel sits in, given the dump's byte order (0: LSB first).
    offsets = []
    for mask in (red_mask, green_mask, blue_mask):
        shift = (mask & -mask).bit_length() - 1
        if mask >> shift != 0xFF or shift % 8:
            sys.exit(f"xwd-to-ppm: channel mask {mask:#x} is not one whole byte")
        offsets.append(shift // 8 if byte_order == 0 else pixel_bytes - 1 - shift // 8)
    start = header_size + ncolors * COLOR_SIZE
    if len(data) < start + bytes_per_line * height:
        sys.exit("xwd-to-ppm: the dump is shorter than its header says")
    return width, height, bytes_per_line, pixel_bytes, offsets, start


def main():
    if len(sys.argv) not in (3, 7):
        sys.exit(__doc__)
    data = open(sys.argv[1], "rb").read()
    width, height, stride, pixel_bytes, offsets, start = read_xwd(data)
    x, y, w, h = (0, 0, width, height) if len(sys.argv) == 3 else map(int, sys.argv[3:7])
    if x < 0 or y < 0 or w <= 0 or h <= 0 or x + w > width or y + h > height:
        sys.exit(f"xwd-to-ppm: {w}x{h}+{x}+{y} is not inside the {width}x{height} dump")
    out = bytearray(w * h * 3)
    for row in range(h):
        begin = start + (y + row) * stride + x * pixel_bytes
        line = data[begin:begin + w * pixel_bytes]
        # Every pixel's red, green and blue bytes at once: a strided slice per channel.
        for channel, offset in enumerate(offsets):
            out[row * w * 3 + channel:(row + 1) * w * 3:3] = line[offset::pixel_bytes]
    with open(sys.argv[2], "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (w, h))
        f.write(out)


if __name__ == "__main__":
    main()
