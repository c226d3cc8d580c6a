"""Distances between points on the ground, for "nearest households to a point"."""

from __future__ import annotations

import math
from typing import Final

EARTH_RADIUS_KM: Final[float] = 6371.0088
KM_PER_DEGREE: Final[float] = math.pi * EARTH_RADIUS_KM / 180


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance; good to a few metres at village scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lon, max lon) holding every point within `radius_km`.

    Indonesia lies near the equator, so a degree of longitude is nearly a degree of latitude;
    the cosine still widens the box correctly away from it.
    """
    dlat = radius_km / KM_PER_DEGREE
    dlon = radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(lat)), 1e-6))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
