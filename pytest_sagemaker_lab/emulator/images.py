"""Which algorithm container a TrainingImage names, read from the ECR URI as the SDK builds it."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ECR_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?"
    r"/(?P<repository>[a-z0-9._/-]+):(?P<tag>[A-Za-z0-9._-]+)$"
)
# 0.90-1, 0.90-2 and 1.0-1 are tagged "<version>-cpu-py3"; later versions by the bare version.
_TAG_SUFFIXES = ("-cpu-py3", "-gpu-py3", "-cpu-py2")
XGBOOST_REPOSITORY = "sagemaker-xgboost"
LEGACY_XGBOOST_REPOSITORY = "xgboost"  # the closed-source 0.72 image, tags "1" and "latest"


@dataclass(frozen=True)
class ImageRef:
    uri: str
    account: str
    region: str
    repository: str
    tag: str

    @property
    def version(self) -> str:
        tag = self.tag
        for suffix in _TAG_SUFFIXES:
            tag = tag.removesuffix(suffix)
        return tag

    @property
    def is_xgboost(self) -> bool:
        return self.repository == XGBOOST_REPOSITORY

    @property
    def is_legacy_xgboost(self) -> bool:
        return self.repository == LEGACY_XGBOOST_REPOSITORY


def parse_image(uri: str) -> ImageRef | None:
    match = _ECR_URI.match(uri.strip())
    if match is None:
        return None
    return ImageRef(uri=uri, **match.groupdict())
