"""The built-in algorithms the offline world emulates, behind one interface (``base.BuiltInAlgorithm``),
found by the image URI a job or model names (``registry.for_image``)."""

from .base import BuiltInAlgorithm
from .registry import ALGORITHMS, Resolved, emulated, for_image

__all__ = ["ALGORITHMS", "BuiltInAlgorithm", "Resolved", "emulated", "for_image"]
