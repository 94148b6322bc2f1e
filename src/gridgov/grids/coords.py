"""WGS-84 ↔ GCJ-02 (Amap/Tencent) ↔ BD-09 (Baidu) conversions, vectorised (pure).

GCJ-02 is WGS-84 shifted by the published national obfuscation formula (offsets of a few hundred
metres inside China, none outside); BD-09 is GCJ-02 rotated and shifted again by Baidu's formula.
The forward directions are closed formulas. The inverses are solved by fixed-point iteration
until the forward image matches the input to 1e-10° (≈ 0.01 mm), so a round trip is exact to
far better than any GPS fix. Against published reference conversions (Amap's and Alibaba
Cloud's API documentation) the results agree to within 0.5 m, the rounding of those examples
(see ``tests/unit/grids/test_coords.py`` and ``docs/PERFORMANCE.md``).
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by the GCJ-02 formula
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0
_TOLERANCE_DEG = 1e-10
_MAX_ITERATIONS = 30

Array = NDArray[np.float64]


class Crs(StrEnum):
    wgs84 = "wgs84"
    gcj02 = "gcj02"
    bd09 = "bd09"


def in_china(lon: Array, lat: Array) -> NDArray[np.bool_]:
    """The rough box inside which GCJ-02 applies its offset (outside it, GCJ-02 = WGS-84)."""
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _dlat(x: Array, y: Array) -> Array:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    r += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return r


def _dlon(x: Array, y: Array) -> Array:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    r += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    dlat = _dlat(lon - 105.0, lat - 35.0)
    dlon = _dlon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    x, y = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _invert(forward: object, lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    """Solve forward(w) = target for w by fixed-point iteration (the offsets vary slowly)."""
    tx, ty = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    x, y = tx.copy(), ty.copy()
    for _ in range(_MAX_ITERATIONS):
        fx, fy = forward(x, y)  # type: ignore[operator]
        ex, ey = fx - tx, fy - ty
        x, y = x - ex, y - ey
        if np.all(np.abs(ex) < _TOLERANCE_DEG) and np.all(np.abs(ey) < _TOLERANCE_DEG):
            break
    return x, y


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    return _invert(wgs84_to_gcj02, lon, lat)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    return _invert(gcj02_to_bd09, lon, lat)


def to_wgs84(lon: ArrayLike, lat: ArrayLike, crs: Crs | str) -> tuple[Array, Array]:
    """Convert coordinates given in ``crs`` to WGS-84 (what gridgov stores)."""
    crs = Crs(crs)
    if crs is Crs.wgs84:
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    if crs is Crs.gcj02:
        return gcj02_to_wgs84(lon, lat)
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def from_wgs84(lon: ArrayLike, lat: ArrayLike, crs: Crs | str) -> tuple[Array, Array]:
    """Convert WGS-84 coordinates to ``crs`` (for exports to Amap/Baidu-based systems)."""
    crs = Crs(crs)
    if crs is Crs.wgs84:
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    gx, gy = wgs84_to_gcj02(lon, lat)
    return (gx, gy) if crs is Crs.gcj02 else gcj02_to_bd09(gx, gy)
