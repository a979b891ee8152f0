"""The static dbt docs site, opened the way a reader opens it: one HTML file in a browser.

`dbt docs generate --static` runs against a copy of the session warehouse and writes
target/static_index.html, a single self-contained file. Headless Chromium then renders
the overview and the diagnosis mart's page; the test checks what the reader would see
there (text of the main view, not the manifest embedded in the page's scripts) and keeps
screenshots. Expected text comes from models/overview.md and from the manifest.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from browser import dump_dom, is_blank, screenshot
from conftest import REPO, DbtRunner, RecordProperty, Warehouse

OVERVIEW_MD = REPO / "models" / "overview.md"
DIAGNOSIS_ID = "model.ai_adoption.fct_ai_feature_diagnosis"
#: Virtual time the single-page app gets to load its embedded manifest and render.
BUDGET_MS = 20000
#: The static site embeds manifest and catalog: far more than an empty shell, far less
#: than something a reader could not open.
MIN_SITE_BYTES = 1_000_000
MAX_SITE_BYTES = 60_000_000
#: What the overview must walk the reader through (case-insensitive phrases of its headings).
OVERVIEW_TOPICS = (
    "counting generations",
    "six-stage chain",
    "session is built",
    "metrics",
    "failure shapes",
    "diagnosis",
    "bad rows",
    "lineage",
    "read these docs",
)
VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


class MainView(HTMLParser):
    """Text and headings inside the app's main view (the element carrying `ui-view`).

    The sidebar, the hidden search results and every script (the static site's embedded
    manifest among them) are outside it, so text found here was rendered for the reader.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self._depth = 0
        self._skip = 0
        self._heading_tag: str | None = None
        self._heading_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS:
            return
        if self._depth == 0:
            if any(name == "ui-view" for name, _ in attrs):
                self._depth = 1
            return
        self._depth += 1
        if tag in ("script", "style", "template") or self._skip:
            self._skip += 1
        if re.fullmatch(r"h[1-6]", tag):
            self._heading_tag, self._heading_text = tag, []

    def handle_endtag(self, tag: str) -> None:
        if self._depth == 0 or tag in VOID_TAGS:
            return
        if self._skip:
            self._skip -= 1
        if tag == self._heading_tag:
            self.headings.append((tag, _squash("".join(self._heading_text))))
            self._heading_tag = None
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth and not self._skip:
            self.texts.append(data)
            if self._heading_tag:
                self._heading_text.append(data)

    @property
    def text(self) -> str:
        return _squash("".join(self.texts))


@dataclass(frozen=True)
class DocsSite:
    index: Path
    manifest: dict[str, Any]
    catalog: dict[str, Any]
    seconds: float


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _main_view(url: str) -> MainView:
    view = MainView()
    view.feed(dump_dom(url, budget_ms=BUDGET_MS))
    view.close()
    return view


def _first_sentence(description: str) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", _squash(description))
    return match.group(1) if match else _squash(description)


def _overview_source() -> str:
    text = OVERVIEW_MD.read_text(encoding="utf-8")
    match = re.search(r"{%\s*docs\s+__overview__\s*%}(.*?){%\s*enddocs\s*%}", text, re.S)
    assert match, f"{OVERVIEW_MD} holds no __overview__ doc block"
    return match.group(1)


def _markdown_inline(text: str) -> str:
    """Heading text as the browser shows it: links, code and emphasis reduced to their words."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return _squash(re.sub(r"[`*]", "", text))


@pytest.fixture(scope="module")
def docs_site(
    warehouse: Warehouse, dbt_runner: DbtRunner, tmp_path_factory: pytest.TempPathFactory
) -> DocsSite:
    workdir = tmp_path_factory.mktemp("docs_site")
    # run_dbt points dbt at workdir/warehouse.duckdb: give it its own copy of the warehouse.
    shutil.copyfile(warehouse.db, workdir / "warehouse.duckdb")
    wal = warehouse.db.with_name(warehouse.db.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, workdir / "warehouse.duckdb.wal")
    started = time.perf_counter()
    dbt_runner(
        workdir,
        warehouse.data_dir / "*.parquet",
        command="docs generate",
        extra_args=("--static",),
    )
    seconds = time.perf_counter() - started
    target = workdir / "target"
    index = target / "static_index.html"
    assert index.exists(), f"dbt docs generate --static wrote no {index}"
    return DocsSite(
        index=index,
        manifest=json.loads((target / "manifest.json").read_text(encoding="utf-8")),
        catalog=json.loads((target / "catalog.json").read_text(encoding="utf-8")),
        seconds=seconds,
    )


def test_static_site_is_one_self_contained_file(
    docs_site: DocsSite, record_property: RecordProperty
) -> None:
    size = docs_site.index.stat().st_size
    record_property(
        "artifact",
        f"docs site: {docs_site.index} ({size:,} bytes, generated in {docs_site.seconds:.1f} s)",
    )
    assert MIN_SITE_BYTES <= size <= MAX_SITE_BYTES, f"unexpected docs site size: {size:,} bytes"
    html = docs_site.index.read_text(encoding="utf-8")
    # The manifest and the catalog travel inside the file: nothing is fetched beside it.
    assert DIAGNOSIS_ID in html, "the static site does not embed the manifest"
    catalog_table = docs_site.catalog["nodes"][DIAGNOSIS_ID]["metadata"]["name"]
    assert catalog_table in html, "the static site does not embed the catalog"


def test_overview_links_point_at_real_nodes(docs_site: DocsSite) -> None:
    links = re.findall(r"\(#!/(\w+)/([\w.]+)\)", _overview_source())
    assert links, "the overview links to no model"
    nodes = docs_site.manifest["nodes"]
    broken = [
        f"{kind}/{uid}" for kind, uid in links if uid not in nodes or uid.split(".")[0] != kind
    ]
    assert not broken, f"overview links to nodes that do not exist: {broken}"


def test_overview_page_renders(
    docs_site: DocsSite, tmp_path: Path, record_property: RecordProperty
) -> None:
    url = f"{docs_site.index.as_uri()}#!/overview"
    view = _main_view(url)
    assert len(view.text) > 2000, f"the overview rendered almost nothing: {view.text[:300]!r}"

    source = _overview_source()
    expected = [
        _markdown_inline(line.lstrip("#"))
        for line in source.splitlines()
        if re.match(r"#{1,3} ", line)
    ]
    shown = [text for _, text in view.headings]
    missing = [heading for heading in expected if heading not in shown]
    assert not missing, f"overview headings not rendered: {missing}; shown: {shown}"
    for topic in OVERVIEW_TOPICS:
        assert any(topic in heading.lower() for heading in shown), (
            f"no overview section on {topic!r}"
        )
    # A few sentences from the body, to prove the prose itself rendered, not only headings.
    paragraphs = [
        _markdown_inline(part)
        for part in re.split(r"\n\s*\n", source)
        if part.strip() and not part.lstrip().startswith(("#", "|", "-", "1."))
    ]
    for paragraph in paragraphs[:3]:
        first = _first_sentence(paragraph)
        assert first in view.text, f"overview text not rendered: {first!r}"
    for stage in ("trigger", "context", "output", "verification", "handoff", "return"):
        assert stage in view.text, f"the chain table lacks stage {stage}"

    png = screenshot(url, tmp_path / "overview.png", budget_ms=BUDGET_MS)
    record_property("artifact", f"overview screenshot: {png}")
    assert not is_blank(png), f"overview screenshot is blank: {png}"


def test_diagnosis_model_page_renders(
    docs_site: DocsSite, tmp_path: Path, record_property: RecordProperty
) -> None:
    node = docs_site.manifest["nodes"][DIAGNOSIS_ID]
    url = f"{docs_site.index.as_uri()}#!/model/{DIAGNOSIS_ID}"
    view = _main_view(url)
    assert view.text, "the model page rendered nothing"

    titles = [text for tag, text in view.headings if tag == "h1"]
    assert any(title.split()[0] == node["name"] for title in titles if title), (
        f"no page title {node['name']!r}; titles: {titles}"
    )
    sentence = _first_sentence(node["description"])
    assert sentence.startswith("One row per"), (
        f"description does not start with the grain: {sentence!r}"
    )
    assert sentence in view.text, f"description not rendered: {sentence!r}"
    # Column names and their warehouse types (from the catalog) are on the page.
    catalog_columns = docs_site.catalog["nodes"][DIAGNOSIS_ID]["columns"]
    for name in list(node["columns"])[:8]:
        assert name in view.text, f"column {name} not shown"
        column_type = next(
            column["type"] for key, column in catalog_columns.items() if key.lower() == name
        )
        assert column_type in view.text, f"type {column_type} of {name} not shown"

    png = screenshot(url, tmp_path / "fct_ai_feature_diagnosis.png", budget_ms=BUDGET_MS)
    record_property("artifact", f"model page screenshot: {png}")
    assert not is_blank(png), f"model page screenshot is blank: {png}"


def test_every_model_documents_exactly_its_columns(docs_site: DocsSite) -> None:
    """What dbt docs says a model holds is what the warehouse holds: no documented column
    is missing from the table (a stale entry), none of the table's is undocumented, and
    every documented one says something."""
    stale, undocumented, empty = [], [], []
    for key, node in docs_site.manifest["nodes"].items():
        if node["resource_type"] != "model" or key not in docs_site.catalog["nodes"]:
            continue
        stored = {name.lower() for name in docs_site.catalog["nodes"][key]["columns"]}
        documented = {name.lower(): column for name, column in node["columns"].items()}
        stale += [f"{node['name']}.{name}" for name in documented if name not in stored]
        undocumented += [f"{node['name']}.{name}" for name in stored if name not in documented]
        empty += [
            f"{node['name']}.{name}"
            for name, column in documented.items()
            if not column.get("description", "").strip()
        ]
    assert (sorted(stale), sorted(undocumented), sorted(empty)) == ([], [], [])
