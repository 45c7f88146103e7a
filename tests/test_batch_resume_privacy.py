"""`batch --resume` reuses a result only when it was written under the same privacy mode,
options and pseudonym key (compared by a keyed hash; the key is never stored)."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest

import rostergraph
from rostergraph import batch
from rostergraph.cli import main
from rostergraph.privacy import PrivacyPolicy

KEY = "batch-resume-key-0123456789"
STEPS = ("validate", "orphans")


@pytest.fixture(scope="module")
def person_ids() -> set[str]:
    """The sample's user ids (what pseudonymized output must not contain)."""
    return set(rostergraph.sample().users)


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """Two copies of the embedded sample as two districts."""
    root = tmp_path / "districts"
    for name in ("d1", "d2"):
        shutil.copytree(rostergraph.sample_path(), root / name)
    return root


def ids_in(folder: Path, ids: set[str]) -> set[str]:
    text = "".join(p.read_text() for p in sorted(folder.rglob("*.json")))
    text += "".join(p.read_text() for p in sorted(folder.glob("*.csv")))
    return {i for i in ids if i in text}


def test_pseudonymized_resume_after_a_full_run_keeps_no_real_id(sources, tmp_path, person_ids,
                                                                  monkeypatch, capsys) -> None:
    """The issue's case: a full run, then a pseudonymized --resume into the same folder."""
    out = tmp_path / "out"
    assert main(["batch", str(sources), "-o", str(out), "--steps", ",".join(STEPS),
                 "--workers", "1", "--quiet"]) in (0, 1)
    assert ids_in(out, person_ids)  # the full run does show real ids
    monkeypatch.setenv("RG_BATCH_KEY", KEY)
    capsys.readouterr()
    assert main(["batch", str(sources), "-o", str(out), "--steps", ",".join(STEPS),
                 "--workers", "1", "--quiet", "--resume", "--privacy", "pseudonymized",
                 "--pseudonym-key-env", "RG_BATCH_KEY"]) in (0, 1)
    assert ids_in(out, person_ids) == set()
    said = capsys.readouterr().out
    assert "other privacy settings" in said and "computed again" in said
    stamp = orjson.loads((out / "index.json").read_bytes())["privacy"]
    assert stamp["mode"] == "pseudonymized" and KEY not in str(stamp)


def test_same_settings_resume_reuses_and_another_key_redoes(sources, tmp_path) -> None:
    """Same mode and key: results are reused untouched; another key: they are redone."""
    out = tmp_path / "out"
    pol = PrivacyPolicy("pseudonymized", key=KEY)
    batch.run([sources], STEPS, max_workers=1, output=out, privacy=pol)
    keep = out / "districts" / "d1.json"
    marked = orjson.loads(keep.read_bytes())
    marked["seconds"] = -1.0  # a marker a recomputation would overwrite
    keep.write_bytes(orjson.dumps(marked))
    again = batch.run([sources], STEPS, max_workers=1, output=out, resume=True,
                      privacy=PrivacyPolicy("pseudonymized", key=KEY))
    assert again.notes == () and orjson.loads(keep.read_bytes())["seconds"] == -1.0
    other = batch.run([sources], STEPS, max_workers=1, output=out, resume=True,
                      privacy=PrivacyPolicy("pseudonymized", key=KEY + "-other"))
    assert len(other.notes) == 1 and "2 district results" in other.notes[0]
    assert orjson.loads(keep.read_bytes())["seconds"] != -1.0


def test_result_files_never_hold_the_key(sources, tmp_path) -> None:
    """Only a keyed hash of the key is stored beside the results."""
    out = tmp_path / "out"
    batch.run([sources], ("orphans",), max_workers=1, output=out,
              privacy=PrivacyPolicy("pseudonymized", key=KEY))
    for p in out.rglob("*.json"):
        assert KEY not in p.read_text()
        assert KEY.encode().hex() not in p.read_text()
    stamp = orjson.loads((out / "districts" / "d1.json").read_bytes())["privacy"]
    assert stamp == batch.privacy_stamp(PrivacyPolicy("pseudonymized", key=KEY))


def test_resume_leaves_results_of_districts_outside_the_run_alone(sources, tmp_path,
                                                                  monkeypatch) -> None:
    """A resume under other privacy settings over some districts deletes and redoes only
    those districts' results; another district's result file stays as it was."""
    out = tmp_path / "out"
    batch.run([sources], STEPS, max_workers=1, output=out)
    other = (out / "districts" / "d2.json").read_bytes()
    policy = PrivacyPolicy(mode="pseudonymized", key=KEY)
    batch.run([sources / "d1"], STEPS, max_workers=1, output=out, resume=True, privacy=policy)
    assert (out / "districts" / "d2.json").read_bytes() == other
