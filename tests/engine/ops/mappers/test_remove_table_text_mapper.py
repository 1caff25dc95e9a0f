"""remove_table_text_mapper removes runs of two or more lines with the same column count."""

from __future__ import annotations

import pytest

from recipe_copilot.engine.errors import ParamError
from recipe_copilot.engine.testing import run_rows


def run(texts: list[str], **params: object) -> list[str]:
    out = run_rows([{"text": t} for t in texts], [{"remove_table_text_mapper": params}])
    assert out.errors == []
    return out.texts


def test_removes_a_two_column_table_with_its_newlines():
    assert run(["Intro\na b\nc d\nEnd"]) == ["Intro\nEnd"]


def test_pipes_and_tabs_separate_columns():
    assert run(["x\na|b|c\nd|e|f\ny", "x\n1\t2\n3\t4\ny"]) == ["x\ny", "x\ny"]


def test_blank_lines_between_rows_go_with_the_table():
    assert run(["x\na b\n\n\nc d\n\nz"]) == ["x\nz"]


def test_not_a_table():
    texts = [
        "a b\nc d\nEnd",  # the first row must follow a newline
        "x\na b\nc d",  # the last row must end with a newline
        "x\na b\nc d e\nz",  # column counts differ
        "x\na  b\nc  d\nz",  # a double space is no separator
        "x\nonly one row\nz",
    ]
    assert run(texts) == texts


def test_column_range():
    text = "x\na b c\nd e f\ny"
    assert run([text], min_col=2, max_col=2) == [text]
    assert run([text], min_col=3, max_col=3) == ["x\ny"]
    assert run([text], min_col=5, max_col=3) == [text]  # an empty range removes nothing


def test_passes_run_one_after_the_other():
    # the 2-column table goes first, which joins the two 3-column rows into a table
    assert run(["x\na b c\nd e\nf g\nh i j\ny"]) == ["x\ny"]
    assert run(["x\na b c\nd e\nf g\nh i j\ny"], min_col=3) == ["x\na b c\nd e\nf g\nh i j\ny"]


def test_unicode_and_edge_cases():
    assert run(["标题\n中 文\n表 格\n结尾", "", "\n\n\n"]) == ["标题\n结尾", "", "\n\n\n"]


def test_bad_parameters():
    with pytest.raises(ParamError, match="min_col"):
        run(["x"], min_col=1)
    with pytest.raises(ParamError, match="max_col"):
        run(["x"], max_col=21)
