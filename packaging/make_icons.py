"""Render the app icon from resources/icons/annotator.svg into every raster format we ship.

    .venv/bin/python packaging/make_icons.py          # (re)write all files below
    .venv/bin/python packaging/make_icons.py --check  # exit 1 if any file is missing or stale
    .venv/bin/python packaging/make_icons.py --iconset build/annotator.iconset
                                                      # an Apple .iconset folder for iconutil

Writes
  resources/icons/annotator-<size>.png   16 ... 512 px (window icon, Linux hicolor theme)
  packaging/windows/annotator.ico        16 ... 256 px, PNG-compressed entries (Windows Vista+)
  packaging/macos/annotator.icns         16 ... 1024 px (16@1x ... 512@2x), PNG entries

Rendering uses Qt's own SVG renderer (PySide6 QtSvg), so no extra tool is needed. The ICO and
ICNS containers are written here by hand: both are a small header plus PNG payloads, and Qt's
writers only store one image per file. The files are committed, and `--check` tells whether they
still match the SVG: it compares decoded pixels within a tolerance, because Qt's antialiasing is
not bit-exact from one render to the next (a few pixels of the 512 px icon differ by 1/255), and
a file that is only that far off is neither reported nor rewritten.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

REPO = Path(__file__).resolve().parent.parent
SVG = REPO / "resources" / "icons" / "annotator.svg"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # 256 is the largest size an ICO entry can describe
# ICNS element types holding PNG data, and the pixel size of each (Apple's icns format).
ICNS_TYPES = (
    (b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
    (b"ic09", 512), (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256),
    (b"ic14", 512),
)


# How far a committed icon may be from a fresh render and still count as up to date: each channel
# within CHANNEL_TOLERANCE (of 255), except for at most one pixel in STRAY_PIXELS_PER (and at
# least STRAY_PIXELS_MIN) that may be further off. An edited SVG changes far more than that.
CHANNEL_TOLERANCE = 2
STRAY_PIXELS_PER = 1000
STRAY_PIXELS_MIN = 2


def png_path(size: int) -> Path:
    return REPO / "resources" / "icons" / f"annotator-{size}.png"


ICO_PATH = REPO / "packaging" / "windows" / "annotator.ico"
ICNS_PATH = REPO / "packaging" / "macos" / "annotator.icns"


def render_png(renderer: QSvgRenderer, size: int) -> bytes:
    """The icon as PNG bytes, `size` x `size` pixels, transparent background."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError(f"Qt could not encode the {size} px PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO file: ICONDIR, one ICONDIRENTRY per size, then the PNG payloads."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))  # reserved, type 1 = icon, count
    offset = len(header) + 16 * len(sizes)
    entries, payloads = b"", b""
    for size in sizes:
        data = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256 in the one-byte width/height fields
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        payloads += data
        offset += len(data)
    return header + entries + payloads


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICNS file: 'icns' + total length, then (type, length, PNG) elements."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def render_all(sizes: set[int]) -> dict[int, bytes]:
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG}: Qt cannot read this SVG")
    return {size: render_png(renderer, size) for size in sorted(sizes)}


def iconset_files(folder: Path) -> dict[Path, bytes]:
    """The PNGs of an Apple .iconset folder (input of `iconutil -c icns`)."""
    pngs = render_all({16, 32, 64, 128, 256, 512, 1024})
    files = {}
    for size in (16, 32, 128, 256, 512):
        files[folder / f"icon_{size}x{size}.png"] = pngs[size]
        files[folder / f"icon_{size}x{size}@2x.png"] = pngs[2 * size]
    return files


def expected_files() -> dict[Path, bytes]:
    pngs = render_all(set(PNG_SIZES) | set(ICO_SIZES) | {size for _kind, size in ICNS_TYPES})
    files = {png_path(size): pngs[size] for size in PNG_SIZES}
    files[ICO_PATH] = ico_bytes({size: pngs[size] for size in ICO_SIZES})
    files[ICNS_PATH] = icns_bytes(pngs)
    return files


def images_of(path: Path, data: bytes) -> list[tuple[bytes, bytes]]:
    """(entry header, PNG) for each image of a .png, .ico or .icns file; ValueError if damaged.

    An entry header holds what must match exactly (size, type), not the lengths and offsets that
    follow from the PNG bytes.
    """
    if path.suffix == ".png":
        return [(b"", data)]
    images = []
    if path.suffix == ".ico":
        _reserved, _kind, count = struct.unpack_from("<HHH", data, 0)
        for number in range(count):
            entry = data[6 + 16 * number : 6 + 16 * (number + 1)]
            length, offset = struct.unpack_from("<II", entry, 8)
            images.append((entry[:8], data[offset : offset + length]))
    elif path.suffix == ".icns":
        position = 8
        while position < len(data):
            kind = data[position : position + 4]
            (length,) = struct.unpack_from(">I", data, position + 4)
            if length < 8:
                raise ValueError(f"{path.name}: an element of length {length}")
            images.append((kind, data[position + 8 : position + length]))
            position += length
    else:
        raise ValueError(f"{path.name}: not an icon format this script writes")
    if any(len(png) < 8 for _header, png in images):
        raise ValueError(f"{path.name}: an entry runs past the end of the file")
    return images


def pixels_match(first: bytes, second: bytes) -> bool:
    """Whether two PNGs show the same picture, within the tolerance above."""
    if first == second:
        return True
    images = [QImage.fromData(data).convertToFormat(QImage.Format.Format_ARGB32)
              for data in (first, second)]
    if any(image.isNull() for image in images) or images[0].size() != images[1].size():
        return False
    width, height = images[0].width(), images[0].height()
    rows = [bytes(image.constBits()) for image in images]
    stride = images[0].bytesPerLine()
    allowed = max(STRAY_PIXELS_MIN, width * height // STRAY_PIXELS_PER)
    stray = 0
    for top in range(0, height * stride, stride):
        one, two = rows[0][top : top + 4 * width], rows[1][top : top + 4 * width]
        if one == two:  # almost every row: compared in C, not pixel by pixel
            continue
        for left in range(0, 4 * width, 4):
            if any(abs(a - b) > CHANNEL_TOLERANCE
                   for a, b in zip(one[left : left + 4], two[left : left + 4], strict=True)):
                stray += 1
                if stray > allowed:
                    return False
    return True


def up_to_date(path: Path, expected: bytes) -> bool:
    """Whether the file at `path` holds the images of `expected`, pixels within the tolerance."""
    if not path.exists():
        return False
    try:
        found, wanted = images_of(path, path.read_bytes()), images_of(path, expected)
    except (ValueError, struct.error):
        return False
    return len(found) == len(wanted) and all(
        header == wanted_header and pixels_match(png, wanted_png)
        for (header, png), (wanted_header, wanted_png) in zip(found, wanted, strict=True)
    )


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only report files that are missing or stale"
    )
    parser.add_argument(
        "--iconset", type=Path, metavar="DIR", help="write only an Apple .iconset folder"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # image plugins
    if args.iconset:
        for path, data in iconset_files(args.iconset.resolve()).items():
            write_atomically(path, data)
        print(f"wrote {args.iconset}")
        return 0
    files = expected_files()
    stale = [path for path, data in files.items() if not up_to_date(path, data)]
    if args.check:
        for path in stale:
            print(f"stale or missing: {path.relative_to(REPO)}", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        write_atomically(path, files[path])
        print(f"wrote {path.relative_to(REPO)} ({len(files[path])} bytes)")
    if not stale:
        print("all icon files are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
