"""How colours look to readers with a colour-vision deficiency, and how far apart two colours look.

Used to check the maps' palettes (:mod:`circle.colours`): the categories a
planner sees together, and the steps of every ramp, must stay apart under
normal vision and under the three dichromacies.

* Simulation: Machado, Oliveira & Fernandes (2009), "A physiologically-based
  model for simulation of color vision deficiency", IEEE TVCG 15(6), the
  matrices for severity 1.0, applied to linear sRGB (the gamma removed first,
  as the paper's model works on linear light).
* Difference: CIEDE2000 (Sharma, Wu & Dalal 2005) between CIELAB colours
  under the D65 white of sRGB. About 2 is "just noticeable" side by side;
  marker colours read across a map want 10 or more.

Examples
--------
>>> simulate("#808080", "deuteranopia")
'#808080'
>>> round(delta_e("#000000", "#ffffff"), 1)
100.0
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

#: Machado et al. (2009), severity 1.0, on linear RGB
MACHADO = {
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]
    ),
}
#: normal vision and the three simulated dichromacies
VISIONS = ("normal", *MACHADO)
_SRGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]]
)
_WHITE_D65 = _SRGB_TO_XYZ.sum(axis=1)


def to_rgb(colour: str) -> np.ndarray:
    """Return ``#rrggbb`` (or ``#rgb``) as three floats in 0–1."""
    text = colour.lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    if len(text) != 6:
        raise ValueError(f"{colour!r} is not a #rrggbb colour")
    return np.array([int(text[i : i + 2], 16) / 255.0 for i in (0, 2, 4)])


def to_hex(rgb: np.ndarray) -> str:
    """Return three floats in 0–1 as ``#rrggbb`` (clipped)."""
    return "#" + "".join(f"{round(float(v) * 255):02x}" for v in np.clip(rgb, 0.0, 1.0))


def linear(rgb: np.ndarray) -> np.ndarray:
    """Return sRGB values without their gamma (linear light)."""
    rgb = np.asarray(rgb, float)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def gamma(rgb: np.ndarray) -> np.ndarray:
    """Return linear light as sRGB values (the inverse of :func:`linear`)."""
    rgb = np.clip(np.asarray(rgb, float), 0.0, 1.0)
    return np.where(rgb <= 0.0031308, rgb * 12.92, 1.055 * rgb ** (1 / 2.4) - 0.055)


def simulate_rgb(rgb: np.ndarray, vision: str) -> np.ndarray:
    """Return sRGB colours (``(..., 3)`` in 0–1) as a reader with ``vision`` sees them."""
    if vision == "normal":
        return np.asarray(rgb, float)
    if vision not in MACHADO:
        raise ValueError(f"unknown vision {vision!r}; use one of {', '.join(VISIONS)}")
    return gamma(linear(rgb) @ MACHADO[vision].T)


def simulate(colour: str, vision: str) -> str:
    """Return ``colour`` as a reader with ``vision`` sees it, as ``#rrggbb``."""
    return to_hex(simulate_rgb(to_rgb(colour), vision))


def lab(rgb: np.ndarray) -> np.ndarray:
    """Return CIELAB (D65) of sRGB colours ``(..., 3)`` in 0–1."""
    xyz = linear(rgb) @ _SRGB_TO_XYZ.T / _WHITE_D65
    epsilon, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > epsilon, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """Return the CIEDE2000 difference of CIELAB colours (``(..., 3)`` each; kL = kC = kH = 1)."""
    l1, a1, b1 = np.moveaxis(np.asarray(lab1, float), -1, 0)
    l2, a2, b2 = np.moveaxis(np.asarray(lab2, float), -1, 0)
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dl, dc = l2 - l1, c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0.0, dh)
    d_big_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_mean = np.where(
        c1p * c2p == 0,
        h_sum,
        np.where(np.abs(h1p - h2p) <= 180, h_sum / 2, np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2)),
    )
    t = (
        1
        - 0.17 * np.cos(np.radians(h_mean - 30))
        + 0.24 * np.cos(np.radians(2 * h_mean))
        + 0.32 * np.cos(np.radians(3 * h_mean + 6))
        - 0.20 * np.cos(np.radians(4 * h_mean - 63))
    )
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    rotation = (
        -2
        * np.sqrt(cp_mean**7 / (cp_mean**7 + 25.0**7))
        * np.sin(np.radians(60 * np.exp(-(((h_mean - 275) / 25) ** 2))))
    )
    return np.sqrt((dl / s_l) ** 2 + (dc / s_c) ** 2 + (d_big_h / s_h) ** 2 + rotation * (dc / s_c) * (d_big_h / s_h))


def delta_e(first: str, second: str, vision: str = "normal") -> float:
    """Return the CIEDE2000 difference of two ``#rrggbb`` colours as a reader with ``vision`` sees them."""
    seen = simulate_rgb(np.stack([to_rgb(first), to_rgb(second)]), vision)
    return float(ciede2000(lab(seen[0]), lab(seen[1])))


def closest_pairs(colours: list[str], pairs=None) -> dict[str, tuple[float, str, str]]:
    """Return, per vision, the smallest difference among ``pairs`` of ``colours`` and the two colours.

    ``pairs`` are index pairs to compare (default: every pair).
    """
    pairs = list(pairs) if pairs is not None else list(combinations(range(len(colours)), 2))
    rgb = np.stack([to_rgb(c) for c in colours])
    worst = {}
    for vision in VISIONS:
        seen = lab(simulate_rgb(rgb, vision))
        differences = [float(ciede2000(seen[i], seen[j])) for i, j in pairs]
        at = int(np.argmin(differences))
        worst[vision] = (differences[at], colours[pairs[at][0]], colours[pairs[at][1]])
    return worst


def neighbours(count: int) -> list[tuple[int, int]]:
    """Return the index pairs of the neighbouring steps of a ramp of ``count`` colours."""
    return [(i, i + 1) for i in range(count - 1)]
