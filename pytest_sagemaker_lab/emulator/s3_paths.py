"""S3 URIs as SageMaker's jobs read and write them."""

from __future__ import annotations

import posixpath


def split_s3_uri(uri: str) -> tuple[str, str]:
    without_scheme = uri.removeprefix("s3://")
    bucket, _, key = without_scheme.partition("/")
    return bucket, key


def join_s3(*parts: str) -> str:
    """``s3://b/out/`` + job -> ``s3://b/out/job``: the service ignores a trailing slash."""
    return posixpath.join(*(part.rstrip("/") for part in parts[:-1]), parts[-1])


def relative_key(key: str, prefix: str) -> str:
    """Where an object under an S3Prefix lands: its key relative to the prefix (a string prefix, so
    ``p/train`` gives ``p/train/a.csv`` as ``a.csv``); an S3Uri that names the object gives its name."""
    # inferred: a key that only shares the prefix's start (p/train-1.csv for p/train) keeps the rest
    # of its name (-1.csv), as a string prefix gives it.
    return key[len(prefix):].lstrip("/") or key.rsplit("/", 1)[-1]
