"""bench/_report.write_section keeps every other section and the text around them."""

from __future__ import annotations

import pytest

from bench._report import HEADER, write_section


def test_creates_then_replaces_only_its_section(tmp_path):
    doc = tmp_path / "docs" / "PERFORMANCE.md"
    write_section("startup", "| a | b |\n|---|---|\n| 1 | 2 |", doc)
    text = doc.read_text(encoding="utf-8")
    assert text.startswith(HEADER)
    assert "<!-- bench:startup -->\n| a | b |" in text
    write_section("search", "搜索 12 ms", doc)
    doc.write_text(doc.read_text(encoding="utf-8") + "\nNotes kept by hand.\n", encoding="utf-8")
    write_section("startup", "new figures", doc)
    text = doc.read_text(encoding="utf-8")
    assert "| a | b |" not in text
    assert "<!-- bench:startup -->\nnew figures\n<!-- /bench:startup -->" in text
    assert "<!-- bench:search -->\n搜索 12 ms\n<!-- /bench:search -->" in text
    assert text.index("bench:startup") < text.index("bench:search")
    assert "Notes kept by hand." in text
    assert text.count("<!-- bench:startup -->") == 1


def test_refuses_odd_section_names(tmp_path):
    with pytest.raises(ValueError):
        write_section("x -->", "boom", tmp_path / "P.md")
    assert not (tmp_path / "P.md").exists()
