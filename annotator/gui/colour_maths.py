"""Colour arithmetic behind the themes: contrast, CIELAB, CIEDE2000, colour-blindness simulation.

Qt-free (colours are sRGB triples of floats 0-255), so that the palettes can be checked and
reasoned about without a display. The formulas are the published ones:

- WCAG 2.x relative luminance and contrast ratio (sRGB transfer threshold 0.04045, the IEC value;
  WCAG's 0.03928 gives the same result for 8-bit colours).
- CIELAB from sRGB through XYZ with the D65 white of sRGB.
- CIEDE2000 as written out by Sharma, Wu and Dalal (2005), "The CIEDE2000 colour-difference
  formula: implementation notes, supplementary test data, and mathematical observations", with
  kL = kC = kH = 1.
- Colour vision deficiency: the matrices of Machado, Oliveira and Fernandes (2009), "A
  physiologically-based model for simulation of color vision deficiency", at severity 1.0
  (protanopia, deuteranopia, tritanopia), applied to linear RGB.

Blending ("source over") happens on the gamma-encoded values, as QPainter does by default, so
that a computed fill is the colour the reader actually paints.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

Rgb = tuple[float, float, float]
Lab = tuple[float, float, float]

# Machado et al. (2009), table of simulation matrices, severity 1.0 (dichromacy).
_MACHADO: dict[str, tuple[Rgb, Rgb, Rgb]] = {
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}
DEFICIENCIES = tuple(_MACHADO)
# Normal vision first, then each simulated dichromacy: what every palette check walks through.
VISIONS: tuple[str | None, ...] = (None, *DEFICIENCIES)

# sRGB (D65) to XYZ, IEC 61966-2-1.
_TO_XYZ = (
    (0.4124564, 0.3575761, 0.1804375),
    (0.2126729, 0.7151522, 0.0721750),
    (0.0193339, 0.1191920, 0.9503041),
)
_WHITE = (0.95047, 1.0, 1.08883)


def parse_hex(text: str) -> Rgb:
    """'#RRGGBB' (or 'RRGGBB') as an sRGB triple; ValueError for anything else."""
    value = text.strip().removeprefix("#")
    if len(value) != 6:
        raise ValueError(f"{text!r} is not a #RRGGBB colour")
    return (float(int(value[0:2], 16)), float(int(value[2:4], 16)), float(int(value[4:6], 16)))


def to_hex(rgb: Rgb) -> str:
    """'#rrggbb' of an sRGB triple, rounded and clamped to 0-255."""
    return "#" + "".join(f"{round(max(0.0, min(255.0, c))):02x}" for c in rgb)


def to_linear(channel: float) -> float:
    """An encoded sRGB channel (0-255) as linear light (0-1)."""
    c = channel / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def from_linear(value: float) -> float:
    """Linear light (0-1, clamped) as an encoded sRGB channel (0-255)."""
    v = max(0.0, min(1.0, value))
    encoded = v * 12.92 if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055
    return encoded * 255.0


def luminance(rgb: Rgb) -> float:
    """WCAG relative luminance (0 black - 1 white)."""
    r, g, b = (to_linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: Rgb, second: Rgb) -> float:
    """WCAG contrast ratio, 1 to 21, whichever of the two is lighter."""
    a, b = luminance(first), luminance(second)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def over(top: Rgb, alpha: float, bottom: Rgb) -> Rgb:
    """`top` painted with opacity `alpha` (0-1) on an opaque `bottom`."""
    return (
        top[0] * alpha + bottom[0] * (1 - alpha),
        top[1] * alpha + bottom[1] * (1 - alpha),
        top[2] * alpha + bottom[2] * (1 - alpha),
    )


def simulate(rgb: Rgb, deficiency: str | None) -> Rgb:
    """How `rgb` looks with `deficiency` (one of DEFICIENCIES; None: unchanged)."""
    if deficiency is None:
        return rgb
    matrix = _MACHADO[deficiency]
    linear = [to_linear(c) for c in rgb]
    return (
        from_linear(sum(m * c for m, c in zip(matrix[0], linear, strict=True))),
        from_linear(sum(m * c for m, c in zip(matrix[1], linear, strict=True))),
        from_linear(sum(m * c for m, c in zip(matrix[2], linear, strict=True))),
    )


def to_lab(rgb: Rgb) -> Lab:
    """CIELAB (D65) of an sRGB colour."""
    linear = [to_linear(c) for c in rgb]
    xyz = [sum(m * c for m, c in zip(row, linear, strict=True)) for row in _TO_XYZ]

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = (f(v / w) for v, w in zip(xyz, _WHITE, strict=True))
    return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))


def ciede2000(first: Lab, second: Lab) -> float:
    """The CIEDE2000 colour difference of two CIELAB colours (Sharma et al. 2005, eq. 1-22)."""
    l1, a1, b1 = first
    l2, a2, b2 = second
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean**7 / (c_mean**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0

    dl = l2 - l1
    dc = c2p - c1p
    if c1p * c2p == 0:
        dh = 0.0
    elif abs(h2p - h1p) <= 180:
        dh = h2p - h1p
    elif h2p - h1p > 180:
        dh = h2p - h1p - 360
    else:
        dh = h2p - h1p + 360
    dh_big = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))

    l_mean = (l1 + l2) / 2
    cp_mean = (c1p + c2p) / 2
    if c1p * c2p == 0:
        hp_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hp_mean = (h1p + h2p) / 2
    elif h1p + h2p < 360:
        hp_mean = (h1p + h2p + 360) / 2
    else:
        hp_mean = (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(hp_mean - 30))
        + 0.24 * math.cos(math.radians(2 * hp_mean))
        + 0.32 * math.cos(math.radians(3 * hp_mean + 6))
        - 0.20 * math.cos(math.radians(4 * hp_mean - 63))
    )
    d_theta = 30 * math.exp(-(((hp_mean - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_mean**7 / (cp_mean**7 + 25.0**7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt(
        (dl / s_l) ** 2
        + (dc / s_c) ** 2
        + (dh_big / s_h) ** 2
        + r_t * (dc / s_c) * (dh_big / s_h)
    )


def difference(first: Rgb, second: Rgb, deficiency: str | None = None) -> float:
    """CIEDE2000 between two sRGB colours as seen with `deficiency` (None: normal vision)."""
    return ciede2000(to_lab(simulate(first, deficiency)), to_lab(simulate(second, deficiency)))


def least_difference(first: Rgb, second: Rgb) -> float:
    """The smallest CIEDE2000 between two colours over normal vision and each deficiency."""
    return min(difference(first, second, vision) for vision in VISIONS)


def closest_pair(colours: Iterable[tuple[str, Rgb]]) -> tuple[float, str, str]:
    """(least difference, name, name) of the two named colours that are hardest to tell apart
    under any vision; (inf, '', '') for fewer than two."""
    items = list(colours)
    best = (math.inf, "", "")
    for i, (name_a, a) in enumerate(items):
        for name_b, b in items[i + 1 :]:
            found = least_difference(a, b)
            if found < best[0]:
                best = (found, name_a, name_b)
    return best


def with_contrast(colour: Rgb, background: Rgb, ratio: float) -> Rgb:
    """`colour`, darkened or lightened (towards black or white, whichever the background
    allows) just enough to reach `ratio` against `background`; unchanged when it already does."""
    if contrast(colour, background) >= ratio:
        return colour
    towards = (0.0, 0.0, 0.0) if luminance(background) > 0.18 else (255.0, 255.0, 255.0)

    def mixed(share: float) -> Rgb:
        # Whole channel values: the colour ends up as #rrggbb, whose rounding must not undo it.
        r, g, b = over(towards, share, colour)
        return (float(round(r)), float(round(g)), float(round(b)))

    low, high = 0.0, 1.0  # how far towards black or white
    for _ in range(30):
        middle = (low + high) / 2
        if contrast(mixed(middle), background) >= ratio:
            high = middle
        else:
            low = middle
    return mixed(high)
