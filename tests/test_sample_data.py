"""The committed sample data is exactly what its generators write: `scripts/make_sample_data.py` for
sample_data/ and `sample_data/broken/make_broken.py` for sample_data/broken/, byte for byte.

Both run as real subprocesses into a temporary folder (never into the real sample_data/), under two
hash seeds, so a generator that depends on set or dict-of-set order is caught too."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

SAMPLE_DATA = REPO / "sample_data"
# Committed by hand, not written by a generator: each is named here so that a new data file that no
# script writes fails the test instead of slipping through.
HAND_WRITTEN = {"demo.yaml", "broken/README.md", "broken/make_broken.py"}
GENERATORS = {  # script -> the folder of sample_data/ it writes
    REPO / "scripts" / "make_sample_data.py": "",
    SAMPLE_DATA / "broken" / "make_broken.py": "broken",
}


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.mark.parametrize("hash_seed", ["0", "12345"])
def test_the_generators_rewrite_sample_data_byte_for_byte(tmp_path, hash_seed):
    out = tmp_path / "sample_data"
    for script, folder in GENERATORS.items():
        result = subprocess.run([sys.executable, str(script), "--out", str(out / folder)], capture_output=True,
                                text=True, timeout=120, cwd=tmp_path,
                                env={**os.environ, "PYTHONHASHSEED": hash_seed})
        assert result.returncode == 0, f"{script.name} failed:\n{result.stdout}\n{result.stderr}"
    written = files_under(out)
    committed = {name: data for name, data in files_under(SAMPLE_DATA).items() if name not in HAND_WRITTEN}
    assert HAND_WRITTEN <= set(files_under(SAMPLE_DATA))  # the list above names real files
    assert sorted(written) == sorted(committed), "the generators and sample_data/ disagree on which files exist"
    assert len(written) >= 16  # 4 data files + README, 12 broken ones
    differing = [name for name in written if written[name] != committed[name]]
    assert not differing, f"regenerated files differ from the committed ones: {differing}"
