"""Compressed input is bounded: gzip inflates within a byte budget, a zip's CSV within
its own, and a flood of bad lines keeps a bounded number of problems (counting the rest).

The bombs are built on the fly, small, and each test runs in a few seconds."""

from __future__ import annotations

import gzip
import zipfile
import zlib
from pathlib import Path

import pytest

import rostergraph
from rostergraph.errors import LimitError
from rostergraph.io.limits import DEFAULT_LIMITS, Limits, gunzip_bounded

_MiB = 1 << 20


def gzip_stream(path: Path, head: bytes, chunk: bytes, times: int, tail: bytes = b"") -> None:
    """Write head + chunk * times + tail gzip-compressed, without holding it inflated."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(path, "wb") as fh:
        fh.write(c.compress(head))
        fh.writelines(c.compress(chunk) for _ in range(times))
        fh.write(c.compress(tail) + c.flush())


def test_json_gz_bomb_is_a_limit_error_naming_the_limit(tmp_path) -> None:
    """A .json.gz whose one string inflates past max_gzip_bytes: LimitError, nothing parsed."""
    gzip_stream(tmp_path / "users.json.gz", b'{"data": [{"data": {"id": "u1", "name": "',
                b"0" * _MiB, 8, b'"}}]}')
    with pytest.raises(LimitError) as info:
        rostergraph.load(tmp_path, limits=Limits(max_gzip_bytes=2 * _MiB))
    assert "Limits.max_gzip_bytes" in str(info.value) and "users.json.gz" in str(info.value)
    # the same file loads with a budget that fits it
    r = rostergraph.load(tmp_path, limits=Limits(max_gzip_bytes=16 * _MiB))
    assert list(r.users) == ["u1"]


def test_jsonl_gz_bomb_stops_the_streaming_reader(tmp_path) -> None:
    """A .jsonl.gz of valid lines past max_gzip_bytes: LimitError from the streaming reader."""
    gzip_stream(tmp_path / "users.jsonl.gz", b"", b'{"id": "u1"}\n' * 80_000, 8)
    with pytest.raises(LimitError, match="max_gzip_bytes"):
        rostergraph.load(tmp_path, limits=Limits(max_gzip_bytes=_MiB))


def test_gunzip_bounded_reads_every_member_and_refuses_corrupt_data() -> None:
    """Concatenated gzip members all inflate (as gzip.decompress does); a cut stream is a
    FormatError, not a silent prefix."""
    data = gzip.compress(b"a" * 100) + gzip.compress(b"b" * 100)
    assert gunzip_bounded(data) == gzip.decompress(data)
    with pytest.raises(rostergraph.FormatError, match="corrupt gzip"):
        gunzip_bounded(data[: len(data) // 3])
    with pytest.raises(LimitError):
        gunzip_bounded(data, Limits(max_gzip_bytes=150))


def test_flood_of_empty_objects_keeps_a_bounded_number_of_problems(tmp_path) -> None:
    """300,000 `{}` lines in a 1 KB .jsonl.gz: max_problems kept, the rest counted and said."""
    gzip_stream(tmp_path / "users.jsonl.gz", b"", b"{}\n" * 100_000, 3)
    assert (tmp_path / "users.jsonl.gz").stat().st_size < 4096
    r = rostergraph.load(tmp_path, limits=Limits(max_problems=1_000))
    assert len(r.problems) == 1_001
    assert {p.code for p in r.problems[:-1]} == {"no_id"}
    last = r.problems[-1]
    assert last.code == "limit" and "299,000 more problems" in last.message
    assert "Limits.max_problems" in last.message
    assert any("299,000 more problems" in n for n in r.provenance.notes)


def test_strict_mode_still_stops_at_the_first_problem(tmp_path) -> None:
    """The cap never hides the first problem from strict mode."""
    gzip_stream(tmp_path / "users.jsonl.gz", b"", b"{}\n", 10)
    with pytest.raises(rostergraph.FormatError):
        rostergraph.load(tmp_path, strict=True, limits=Limits(max_problems=1))


def _oneroster_zip(path: Path, rows: int, *, level: int = 9) -> None:
    header = (b"sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
              b"userIds,givenName,familyName,middleName,identifier,email,sms,phone,"
              b"agentSourcedIds,grades,password\n")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        zf.writestr("manifest.csv", "propertyName,value\nmanifest.version,1.0\n"
                                    "oneroster.version,1.1\n")
        zf.writestr("orgs.csv", "sourcedId,status,dateLastModified,name,type,identifier,"
                                "parentSourcedId\no1,,,Org,school,,\n")
        with zf.open("users.csv", "w", force_zip64=True) as fh:
            fh.write(header)
            row = b"u,,,true,o1,student,x,,A,B,,,,,,,,\n"
            block = row * 30_000
            for _ in range(rows // 30_000):
                fh.write(block)


def test_zip_with_a_highly_compressible_users_csv_is_refused_by_default(tmp_path,
                                                                         monkeypatch) -> None:
    """A zip whose users.csv inflates past the default zip budget (256 MiB) is refused
    before anything is inflated (no member is opened), even with the ratio check off."""
    z = tmp_path / "roster.zip"
    _oneroster_zip(z, 9_000_000, level=1)  # ~315 MiB of CSV in a few MB
    assert z.stat().st_size < 20 * _MiB
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def recording_open(self, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", recording_open)
    with pytest.raises(LimitError, match="max_zip_total_bytes") as info:
        rostergraph.load(z, limits=Limits(max_zip_ratio=1e9))
    assert opened == []
    assert "ten times" in str(info.value) and "Limits(max_zip_total_bytes=" in str(info.value)


def test_zip_budget_is_configurable(tmp_path) -> None:
    """A small zip loads under the defaults and is refused under a smaller budget."""
    z = tmp_path / "roster.zip"
    _oneroster_zip(z, 60_000)
    r = rostergraph.load(z)
    assert "u" in r.users
    with pytest.raises(LimitError, match="max_zip_total_bytes"):
        rostergraph.load(z, limits=Limits(max_zip_total_bytes=_MiB, max_zip_ratio=1e9))


def test_default_budgets_keep_memory_near_two_gib() -> None:
    """The defaults: gzip text (records take about 3x their text) and zip CSV (the CSV
    readers take about 10x) stay near a 2 GiB working set; problems are capped."""
    assert DEFAULT_LIMITS.max_gzip_bytes * 3 <= 2 * 1024 * _MiB
    assert DEFAULT_LIMITS.max_zip_total_bytes * 10 <= 2.5 * 1024 * _MiB
    assert DEFAULT_LIMITS.max_problems <= 100_000


def test_cli_max_inflated_mib_raises_the_zip_budget(tmp_path, capsys) -> None:
    """`--max-inflated-mib` changes the budget: 1 MiB refuses a 2 MiB users.csv, 8 accepts it."""
    from rostergraph.cli import main

    z = tmp_path / "roster.zip"
    _oneroster_zip(z, 60_000)  # ~2 MiB of CSV
    assert main(["summary", str(z), "--max-inflated-mib", "1"]) == 2
    assert "max_zip_total_bytes" in capsys.readouterr().err
    assert main(["summary", str(z), "--max-inflated-mib", "8"]) == 0
