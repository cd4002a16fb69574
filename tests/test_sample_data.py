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
    REPO / "scripts" / "make_preference_data.py": "",
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
    assert len(written) >= 17  # 4 data files + README, the preference file, 12 broken ones
    differing = [name for name in written if written[name] != committed[name]]
    assert not differing, f"regenerated files differ from the committed ones: {differing}"


def test_the_preference_sample_is_bilingual_balanced_pairs_in_trl_conversational_form():
    """What the DPO helper and the README rely on: ~100 TRL conversational pairs, both languages, a prompt
    of system + user, one assistant answer a side, the two sides different, and no length bias (a model
    trained on it must not learn "longer is better")."""
    import json
    import statistics
    rows = [json.loads(line) for line in (SAMPLE_DATA / "support_preference.jsonl").read_text("utf-8").splitlines()]
    assert 60 <= len(rows) <= 120
    longer = 0
    ratios = []
    zh = 0
    for row in rows:
        assert set(row) == {"prompt", "chosen", "rejected"}
        assert [m["role"] for m in row["prompt"]] == ["system", "user"]
        assert [m["role"] for m in row["chosen"]] == [m["role"] for m in row["rejected"]] == ["assistant"]
        chosen, rejected = row["chosen"][0]["content"], row["rejected"][0]["content"]
        assert chosen.strip() and rejected.strip() and chosen != rejected
        longer += len(chosen) > len(rejected)
        ratios.append(len(chosen) / len(rejected))
        zh += any("\u4e00" <= ch <= "\u9fff" for ch in row["prompt"][1]["content"])
    assert 0.35 <= longer / len(rows) <= 0.65, f"chosen is the longer side in {longer} of {len(rows)} pairs"
    assert 0.5 <= statistics.median(ratios) <= 2.0
    assert 0.4 <= zh / len(rows) <= 0.6
    # realistic rows for the linter: most carry an order number, a date, an amount or an e-mail address
    text = [json.dumps(row, ensure_ascii=False) for row in rows]
    assert sum("@example." in t for t in text) >= len(rows) // 2
    assert sum("A-" in t for t in text) >= len(rows) // 2
