"""Reading a channel's files into a DMatrix, with the container's rules and messages.

The files are parsed by xgboost's own file loader from the channel directory, as the container does in
File mode: no copy of the data is held in Python, and a header row or a non-numeric cell is ingested
as silently as the real images ingest it (facts: "the open-source images do NOT detect them").
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .cores import local_threads
from .errors import UserError

if TYPE_CHECKING:
    import xgboost

CONTAINER_DATA_ROOT = "/opt/ml/input/data"
_SNIFF_DELIMITERS = ",\t;| "


def channel_files(directory: Path) -> list[Path]:
    """Every regular file under the channel, in a stable order; hidden files are refused."""
    files: list[Path] = []
    for root, dirs, names in os.walk(directory):
        dirs.sort()
        if any(name.startswith(".") for name in (*dirs, *names)):
            raise UserError("Hidden file found in the data path! Remove that before training.")
        files.extend(Path(root) / name for name in sorted(names))
    return files


def _first_line(path: Path) -> str:
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        return handle.readline()


def csv_delimiter(first_file: Path) -> str:
    line = _first_line(first_file)
    try:
        return csv.Sniffer().sniff(line, delimiters=_SNIFF_DELIMITERS).delimiter
    except csv.Error as exc:
        raise UserError(f"Could not determine delimiter on line {line[:50]}:\n{exc}") from None


def check_libsvm(first_file: Path) -> None:
    """The container checks only the first line of the first file for LIBSVM's space and colon."""
    line = _first_line(first_file)
    if " " not in line.strip() or ":" not in line:
        raise UserError(
            f"First line '{line[:50]}...' of file '{first_file.name}' is not 'LIBSVM' format. "
            "Please ensure the file is in 'LIBSVM' format."
        )


def load_dmatrix(directory: Path, channel: str, content_type: str, csv_weights: bool = False,
                 ) -> xgboost.DMatrix | None:
    """The channel's data as a DMatrix, or ``None`` when the channel holds no bytes at all."""
    import xgboost

    files = channel_files(directory)
    if sum(path.stat().st_size for path in files) == 0:
        return None
    if content_type == "csv":
        uri = f"{directory}?format=csv&label_column=0&delimiter={csv_delimiter(files[0])}"
        if csv_weights:
            uri += "&weight_column=1"
    elif content_type == "libsvm":
        check_libsvm(files[0])
        uri = f"{directory}?format=libsvm"
    elif content_type == "parquet":
        return _load_parquet(files)
    else:
        raise UserError(f"Content type {content_type} is not supported by this emulation yet.")
    try:
        import warnings

        with warnings.catch_warnings():
            # xgboost 3.1 deprecated its text loader; the containers use it, so the emulation does too.
            warnings.simplefilter("ignore")
            matrix = xgboost.DMatrix(uri, nthread=local_threads())
    except Exception as exc:
        raise UserError(f"Failed to load {content_type} data with exception:\n{exc}") from None
    if matrix.num_row() and matrix.get_label().size == 0:
        raise UserError(
            "Got input data without labels. Please check the input data set. If training job is running "
            "on multiple instances, please switch to using single instance if number of records in the "
            "data set is less than number of workers (16 * number of instance) in the cluster."
        )
    return matrix


def _load_parquet(files: list[Path]) -> xgboost.DMatrix:
    """Parquet, as the images read it: every file of the channel, the label in the first column."""
    import numpy
    import xgboost

    try:
        import pyarrow.parquet as parquet

        table = parquet.read_table(files[0]) if len(files) == 1 else _concat([parquet.read_table(f) for f in files])
        columns = [column.to_numpy(zero_copy_only=False).astype(numpy.float32) for column in table.columns]
        if not columns:
            raise ValueError("no columns")
        features = numpy.column_stack(columns[1:]) if len(columns) > 1 else numpy.empty((len(columns[0]), 0))
        return xgboost.DMatrix(features, label=columns[0], nthread=local_threads())
    except Exception as exc:
        raise UserError(f"Failed to load parquet data with exception:\n{exc}") from None


def _concat(tables: list):
    import pyarrow

    return pyarrow.concat_tables(tables)
