"""Which built-in algorithm, and which version of it, an image URI names (as the SDK builds the URI)."""

from __future__ import annotations

from dataclasses import dataclass

from .base import BuiltInAlgorithm
from .xgboost import XGBoost

# By the image's ECR repository. A course that emulates another built-in algorithm adds it here.
ALGORITHMS: dict[str, BuiltInAlgorithm] = {XGBoost.name: XGBoost()}


@dataclass(frozen=True)
class Resolved:
    algorithm: BuiltInAlgorithm
    version: str
    image_uri: str


def for_image(image_uri: str) -> Resolved | None:
    """The algorithm and version an image URI names, or None for an image no algorithm here knows."""
    from ..emulator.images import parse_image

    image = parse_image(image_uri or "")
    if image is None or image.repository not in ALGORITHMS:
        return None
    return Resolved(ALGORITHMS[image.repository], image.version, image_uri)


def emulated(image_uri: str) -> Resolved | None:
    """``for_image``, only for a version the offline world runs."""
    resolved = for_image(image_uri)
    if resolved is None or resolved.algorithm.refusal(image_uri, resolved.version) is not None:
        return None
    return resolved
