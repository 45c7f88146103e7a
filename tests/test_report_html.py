"""HTML report: self-contained, escaped, exact counts with capped rows, small at size."""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

import attrs
import matplotlib
import pytest
from matplotlib.image import imread

import rostergraph
from rostergraph.cli import main
from rostergraph.queries import (
    cross_school_enrollments,
    orphaned_users,
    school_flow,
)
from rostergraph.report_html import render_html

matplotlib.use("Agg")  # before any pyplot import (rostergraph.plot imports it lazily)

HIGH = "5f7a5c000000000000000003"
SECTION = "5f7a5ec00000000000000001"
EVIL_NAME = '<script>document.title="pwned"</script>Cedar & "High"'
EVIL_ID = "<img src=x onerror=alert(1)>"


def hostile_report() -> rostergraph.Report:
    """The sample with a <script> in a school's name and markup in an id a section lists."""
    r = rostergraph.sample()
    schools = [attrs.evolve(s, name=EVIL_NAME) if s.id == HIGH else s for s in r.schools.values()]
    sections = [attrs.evolve(s, students=(*s.students, EVIL_ID)) if s.id == SECTION else s
                for s in r.sections.values()]
    return rostergraph.validate(r.replace(schools=schools, sections=sections))


@pytest.fixture(scope="module")
def report() -> rostergraph.Report:
    return rostergraph.validate(rostergraph.sample())


@pytest.fixture(scope="module")
def page(report: rostergraph.Report) -> str:
    return render_html(report, examples=5, rows=50)


def _imgs(page: str) -> list[str]:
    return re.findall(r"<img [^>]*>", page)


def test_page_is_self_contained(page: str) -> None:
    """No script, no external reference: every src is a data: URI; a CSP forbids the rest."""
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page.lower()
    assert 'http-equiv="Content-Security-Policy"' in page and "default-src 'none'" in page
    srcs = re.findall(r'\b(?:src|href)="([^"]*)"', page)
    assert srcs and all(s.startswith(("data:image/png;base64,", "#")) for s in srcs)
    assert not re.search(r"url\(|@import|https?://", page)


def test_every_plot_is_a_decodable_png(page: str) -> None:
    """Six plots are embedded, each a PNG that decodes to a non-blank image with alt text."""
    imgs = _imgs(page)
    assert len(imgs) == 6
    for tag in imgs:
        assert re.search(r'alt="[^"]{10,}"', tag)
        data = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', tag).group(1))
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        img = imread(io.BytesIO(data))
        assert img.shape[0] > 100 and img.shape[1] > 100
        assert (img[..., :3].min(axis=2) < 0.8).mean() > 0.01  # something is drawn


def test_privacy_mode_is_stated_at_the_top(report: rostergraph.Report) -> None:
    """The header names the privacy mode: full by default, whatever is given otherwise."""
    page = render_html(report, plots=False)
    head = page[: page.index("</header>")]
    assert 'id="privacy">privacy: full<' in head
    assert "privacy: pseudonymous" in render_html(report, plots=False, privacy="pseudonymous")


def test_sections_and_exact_counts(report: rostergraph.Report, page: str) -> None:
    """Summary, findings, schools, cross-school, orphans, stubs, provenance; counts exact."""
    for anchor in ("summary", "plots", "findings", "schools", "cross-school", "orphans", "stubs",
                   "provenance"):
        assert f'id="{anchor}"' in page
    c = report.counts()
    for sev in ("error", "warning", "info"):
        assert f"<b>{c[sev]:,}</b>{sev} finding" in page
    g = report.graph
    assert f"Orphaned users: {len(orphaned_users(g)):,}<" in page
    cross = cross_school_enrollments(g)
    assert f"Cross-school enrollments: {len(cross):,} (student, section) pairs" in page
    assert f"School flow: {len(school_flow(g)):,} school pairs" in page
    for f in report.provenance()["files"]:
        assert f["sha256"] in page
    # full privacy: the orphan table names each orphaned person next to their id
    from rostergraph.labels import label_of

    for uid in orphaned_users(g).to_list("user"):
        name = label_of(g.roster.users[uid], "user")
        assert name is None or f"{html.escape(name)}<br>" in page, uid
    redacted = rostergraph.PrivacyPolicy("redacted").apply_report(report).to_html(plots=False)
    for u in g.roster.users.values():  # redacted: people by id only, no name anywhere
        if u.name is not None and u.name.last and len(u.name.last) > 3:
            assert u.name.last not in redacted, u.id


def test_findings_show_capped_examples_with_exact_count(report: rostergraph.Report) -> None:
    """A rule with many findings shows `examples` of them and its exact total."""
    per_rule = report.by_rule()
    rid, fs = max(per_rule.items(), key=lambda kv: len(kv[1]))
    assert len(fs) > 2
    page = render_html(report, plots=False, examples=2)
    block = page[page.index(f'<details id="rule-{rid}"'):]
    block = block[: block.index("</section>")]  # up to the next rule's block, if any
    if '<details id="rule-' in block[1:]:
        block = block[: block.index('<details id="rule-', 1)]
    assert block.count("<tr>") == 1 + 2  # header + examples
    assert '<details class="explain">' in block  # why it matters, how to fix
    assert f"{len(fs):,} findings" in block and f"first 2 of {len(fs):,}" in block
    # each rule with findings has its block; each rule that ran is named (overview or clean list)
    for r in report.rules:
        assert f">{r.id}<" in page
        assert (f'<details id="rule-{r.id}"' in page) == bool(per_rule[r.id])


def test_text_from_the_data_is_escaped() -> None:
    """A school name with <script> and an id with <img onerror> show as text, never as markup."""
    page = render_html(hostile_report(), plots=False)
    assert "<script" not in page.lower() and "<img src=x" not in page
    assert "&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;Cedar &amp;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_rows_cap_keeps_counts(report: rostergraph.Report) -> None:
    """rows=1 shows one row per table and says how many there are in all."""
    page = render_html(report, plots=False, rows=1)
    n = len(orphaned_users(report.graph))
    assert f"Showing the first 1 of {n:,} orphaned (user, role) rows" in page
    with pytest.raises(ValueError):
        render_html(report, rows=-1)


@pytest.fixture(scope="module")
def big_report(tmp_path_factory: pytest.TempPathFactory) -> rostergraph.Report:
    from rostergraph.synth import write_district

    path = write_district(tmp_path_factory.mktemp("synth"), students=13_000, seed=4)
    return rostergraph.validate(rostergraph.load(path))


def test_page_stays_small_on_a_bigger_district(big_report: rostergraph.Report) -> None:
    """Over a thousand findings and many pairs: tables and examples are capped, the page
    stays small."""
    g = big_report.graph
    assert len(big_report.findings) > 1_000
    page = render_html(big_report, rows=50, examples=5)
    assert len(page.encode()) < 1_500_000
    body = page[page.index('id="orphans"'):page.index('id="stubs"')]
    n = len(orphaned_users(g))
    assert n > 50 and f"Orphaned users: {n:,}<" in body
    assert body.count("<tr>") <= 1 + 10 + 1 + 50  # counts table (≤ 10 rows) + first 50 rows
    assert len(_imgs(page)) == 6
    # the flow heatmap folds schools past the top 15
    n_flow_schools = len(set(school_flow(g).to_list("school")) |
                         set(school_flow(g).to_list("primary_school")))
    assert n_flow_schools > 15


def test_report_to_html_and_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Report.to_html and `rostergraph report --sample -o x.html` write the HTML page."""
    out = tmp_path / "report.html"
    assert main(["report", "--sample", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and len(_imgs(text)) == 6
    assert "(html)" in capsys.readouterr().err
    out2 = tmp_path / "r.txt"
    assert main(["report", "--sample", "--format", "html", "-o", str(out2)]) == 0
    assert out2.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["report", "--sample", "-o", str(tmp_path / "r.pdf")]) == 2
    page = rostergraph.validate(rostergraph.sample()).to_html(plots=False)
    assert 'id="findings"' in page and not _imgs(page)


def test_readme_shows_the_report_and_points_to_the_notebooks() -> None:
    """README embeds an existing PNG of the report and names each notebook that exists."""
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]+\]\(([^)]+\.png)\)", readme)
    assert images
    for img in images:
        assert (root / img).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for nb in sorted((root / "notebooks").glob("*.ipynb")):
        assert nb.stem in readme


def test_empty_roster_renders() -> None:
    """A roster with no records still gives a complete page (plots say 'no data', tables 'None')."""
    page = rostergraph.validate(rostergraph.Roster()).to_html()
    assert len(_imgs(page)) == 6 and "No schools." in page
    assert "Orphaned users: 0<" in page and "Missing records: 0<" in page
