"""remove_bibliography_mapper: cut from the first bibliography/appendix command to the end."""

from __future__ import annotations

from recipe_copilot.engine.testing import run_rows


def test_cut() -> None:
    texts = [
        "Body text.\n\\bibliography{refs}\nmore",
        "A\n\\appendix\nB \\bibliography{x}",
        "x \\begin{thebibliography}{9} \\bibitem{a} y",
        "\\begin{REFERENCES} r",
        "\\begin{References} mixed case",  # only "references" or "REFERENCES"
        "see \\bibliography{refs",  # no "}" after it
        "\\bibliographystyle{plain}\n\\bibliography{refs}",
        "正文\\appendix附录",
        "no commands",
        "",
    ]
    out = run_rows([{"text": t} for t in texts], ["remove_bibliography_mapper"]).texts
    assert out == [
        "Body text.\n",
        "A\n",
        "x ",
        "",
        "\\begin{References} mixed case",
        "see \\bibliography{refs",
        "\\bibliographystyle{plain}\n",
        "正文",
        "no commands",
        "",
    ]
