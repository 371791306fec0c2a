# The page registry is the one list of pages: navigation, templates' README and the site's files agree with it.
from __future__ import annotations

import re

import pytest

from gen.render import nav
from gen.render import pages as P
from gen.render import site
from helpers import REPO, normalise

TEMPLATES = REPO / "templates"


@pytest.fixture(scope="module")
def rendered(tiny_snapshot):
    s = normalise(tiny_snapshot)
    return site.render({s.model.name: s}, [s.model.name], [])


@pytest.fixture(scope="module")
def registry(tiny_snapshot):
    return P.site_pages([normalise(tiny_snapshot)], [])


def test_every_generated_page_is_in_the_registry_and_back(rendered, registry):
    generated = {path for path in rendered.files if path.endswith(".md") and path != "SUMMARY.md"}
    listed = {p.path for p in registry if p.template is not None}
    assert generated == listed
    assert [r["path"] for r in rendered.pages] == [p.path for p in registry]


def test_hand_written_pages_exist_with_the_registry_title(registry):
    hand = [p for p in registry if p.template is None]
    assert hand, "the concept pages are written by hand"
    for p in hand:
        text = (REPO / "docs" / p.path).read_text(encoding="utf-8")
        heading = re.search(r"^# (.+)$", text, re.M)
        assert heading and heading[1].strip() == p.title, p.path


def test_navigation_lists_every_page_once_under_its_parent(rendered, registry):
    summary = rendered.files["SUMMARY.md"].decode()
    items = re.findall(r"^( *)\* \[(.+)\]\((.+)\)$", summary, re.M)
    assert [path for _, _, path in items] == [p.path for p in registry]
    depth = {path: len(indent) // 4 for indent, _, path in items}
    for p in registry:
        assert depth[p.path] == (0 if p.parent is None else depth[p.parent] + 1), p.path
    assert {title for _, title, _ in items} >= {p.title for p in registry}


def test_a_parent_outside_the_registry_fails_with_its_name():
    from gen.errors import RenderError

    with pytest.raises(RenderError, match="models/x/index.md.*not in the page registry"):
        nav.summary([P.Page("a.md", None, "A", "models/x/index.md")])


def test_site_wide_pages_are_about_no_model(rendered, registry):
    for record in rendered.pages:
        page = next(p for p in registry if p.path == record["path"])
        if page.model is None and page.template is not None:
            text = rendered.files[page.path].decode()
            assert "Captured from **" not in text, page.path
            assert "Built from **" in text, page.path
            assert f"{record['title']}, " not in re.findall(r"title += \{\{(.*)\}\}", text)[0], page.path


def test_records_say_what_each_page_read_and_showed(rendered):
    by_path = {r["path"]: r for r in rendered.pages}
    slug_base = next(r["path"] for r in rendered.pages if r["template"] == "similarity.md.j2")
    similarity = by_path[slug_base]
    assert any(part.endswith("recipes.logits") for part in similarity["reads"])
    assert similarity["weight_dependent"], "the similarity page shows similarities"
    ledger = next(r for r in rendered.pages if r["template"] == "parameters.md.j2")
    assert any(part.endswith(": parameters") for part in ledger["reads"])


def test_templates_readme_lists_every_template_and_no_other():
    readme = (TEMPLATES / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`([\w.]+\.j2)`", readme))
    present = {p.name for p in TEMPLATES.glob("*.j2")}
    assert listed == present, f"missing from templates/README.md: {present - listed}; gone: {listed - present}"


def test_registry_templates_exist(registry):
    for p in registry:
        if p.template is not None:
            assert (TEMPLATES / p.template).is_file(), p.template


BUILD_WORDS = ("mkdocs.yml", "extra.clip_docs", "python -m gen", "CLIP_DOCS_", "scripts/", "gen/", "properdocs")
ABOUT_THE_BUILD = ("provenance/index.md", "linking.md")


def test_reader_pages_speak_of_clip_not_of_the_build(rendered):
    for path, data in rendered.files.items():
        if path.endswith(".md") and path != "SUMMARY.md" and path not in ABOUT_THE_BUILD:
            text = data.decode()
            found = [w for w in BUILD_WORDS if w in text]
            assert not found, f"{path} names {found}; keep build instructions on {ABOUT_THE_BUILD}"
