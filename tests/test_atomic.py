"""Atomic writes (:mod:`sozialanalyse.io.atomic`): the target holds the old file or the whole new
one, and no temporary file is left, whatever stops the writer. The protected layer's cache files
(layer and indicator snapshot) are written through it."""
from __future__ import annotations

import os

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sozialanalyse.io import atomic


def test_a_new_file_is_written_whole_and_its_folder_made(tmp_path):
    target = tmp_path / "neu" / "unter" / "a.bin"
    assert atomic.write(target, lambda tmp: tmp.write_bytes(b"\x00\x01" * 1000)) == target
    assert target.read_bytes() == b"\x00\x01" * 1000
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.bin"]


def test_the_writer_gets_a_temp_path_beside_the_target(tmp_path):
    seen = []
    atomic.write(tmp_path / "a.txt", lambda tmp: (seen.append(tmp), tmp.write_text("x")))
    assert seen == [tmp_path / f"a.txt.{os.getpid()}.tmp"]  # same folder: os.replace stays atomic


@pytest.mark.parametrize("exc", [OSError(28, "No space left on device"), KeyboardInterrupt(), ValueError("kaputt")])
def test_a_failing_writer_leaves_the_old_file_and_no_half_file(tmp_path, exc):
    target = tmp_path / "a.parquet"
    target.write_bytes(b"alt")

    def half(tmp):
        tmp.write_bytes(b"halb geschrieben")
        raise exc

    with pytest.raises(type(exc)):
        atomic.write(target, half)
    assert target.read_bytes() == b"alt"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.parquet"]


def test_a_failing_writer_creates_no_target(tmp_path):
    def half(tmp):
        tmp.write_bytes(b"halb")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic.write(tmp_path / "a.parquet", half)
    assert list(tmp_path.iterdir()) == []


def test_a_parquet_table_round_trips(tmp_path):
    # the use in protected/layer.py and protected/snapshot.py: pq.write_table into the temp path
    frame = pd.DataFrame({"area_id": ["03499016", "03499"], "value": [12.5, float("nan")]})
    table = pa.Table.from_pandas(frame, preserve_index=False)
    path = atomic.write(tmp_path / "c.parquet", lambda tmp: pq.write_table(table, tmp))
    back = pq.read_table(path).to_pandas()
    assert back["area_id"].tolist() == ["03499016", "03499"]
    assert back["value"].iloc[0] == 12.5 and pd.isna(back["value"].iloc[1])  # missing stays missing
