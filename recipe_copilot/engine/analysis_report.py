"""Figures, the HTML report and before/after comparisons of :class:`~recipe_copilot.engine.analyze.Analysis`.

- per stat: a histogram and a box plot (PNG) with the recipe's current min/max drawn as lines,
  each labelled with the share of the stat's values it alone would drop;
- the text diversity view: the most common leading content-word pairs (CSV and a bar chart);
- ``report.html``: one self-contained page (summary table, notes, errors, every figure
  embedded as base64 and linked to its PNG beside it);
- :func:`compare`: two analyses of the same recipe side by side (JSON, CSV, Markdown), with
  overlaid histograms per stat and an HTML page.
"""

from __future__ import annotations

import base64
import html
import sys
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from pydantic import BaseModel, Field

from recipe_copilot.engine.analyze import (
    Analysis,
    format_value,
    rows_to_csv,
    rows_to_markdown,
    summary_rows,
    to_csv,
    to_markdown,
)
from recipe_copilot.engine.recipe import OpSpec

__all__ = [
    "Comparison",
    "StatComparison",
    "compare",
    "plot_box",
    "plot_histogram",
    "plot_overlay",
    "plot_pairs",
    "write_analysis_outputs",
    "write_comparison",
]

_COLORS = ("#C44E52", "#DD8452", "#55A868", "#8172B2")
#: leading pairs shown in the bar chart / written to the CSV
_TOP_PAIRS_PLOT = 20
_TOP_PAIRS_CSV = 200


def _figure(size: tuple[float, float] = (6.4, 4.0)) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return Figure(figsize=size, dpi=100)


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def _near(value: float, arr: np.ndarray) -> bool:
    """Whether a bound is close enough to the data to draw (not Data-Juicer's ``sys.maxsize``)."""
    if not arr.size or not np.isfinite(value):
        return False
    span = float(arr.max() - arr.min()) or 1.0
    return float(arr.min()) - span <= value <= float(arr.max()) + span


def _file_name(spec: OpSpec, key: str) -> str:
    return f"{spec.index:02d}_{spec.name}_{key}.png"


def _bins(arr: np.ndarray) -> int:
    return min(50, max(1, int(np.unique(arr).size)))


def _bound_lines(ax: Any, analysis: Analysis, spec: OpSpec, key: str, arr: np.ndarray, *, vertical: bool) -> list[str]:
    """Draw the stat's current bounds; return the labels of those off the plotted range."""
    s = analysis.summary(spec.index, key)
    off = []
    for b, color in zip(s.bounds, _COLORS, strict=False):
        if b.param.startswith("max_") and isinstance(b.value, int | float) and b.value >= sys.maxsize:
            continue  # no upper bound: nothing to draw or name
        label = f"{b.param}={format_value(b.value)} drops {b.drop_rate:.2%}"
        if _near(float(b.value), arr):
            draw = ax.axvline if vertical else ax.axhline
            draw(float(b.value), color=color, linestyle="--", label=label)
        else:
            off.append(label)
    return off


def _title(analysis: Analysis, spec: OpSpec, key: str, off: list[str]) -> str:
    s = analysis.summary(spec.index, key)
    what = "values" if s.kind == "list" else "samples"
    title = f"{spec.index}:{spec.name} — {key} (n={s.count} {what})"
    if off:
        title += "\n" + "; ".join(off)
    return title


def plot_histogram(analysis: Analysis, spec: OpSpec, path: Path, key: str | None = None) -> Path:
    """A histogram of one stat with the filter's current bounds and the share each drops (PNG)."""
    key = key or analysis.keys(spec.index)[0]
    arr = analysis.stat(spec.index, key).finite()
    fig = _figure()
    ax = fig.add_subplot()
    if arr.size:
        ax.hist(arr, bins=_bins(arr), color="#4C72B0")
    off = _bound_lines(ax, analysis, spec, key, arr, vertical=True)
    ax.set_title(_title(analysis, spec, key, off), fontsize="medium")
    ax.set_xlabel(key)
    ax.set_ylabel("values" if analysis.stat(spec.index, key).is_list else "samples")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    return _save(fig, path)


def plot_box(analysis: Analysis, spec: OpSpec, path: Path, key: str | None = None) -> Path:
    """A box plot of one stat (whiskers at 1.5 IQR, outliers as points) with the current bounds
    as horizontal lines, each labelled with the share it drops (PNG)."""
    key = key or analysis.keys(spec.index)[0]
    arr = analysis.stat(spec.index, key).finite()
    fig = _figure((4.8, 4.8))
    ax = fig.add_subplot()
    if arr.size:
        ax.boxplot(arr, widths=0.5, showmeans=True, medianprops={"color": "black"},
                   flierprops={"marker": ".", "markersize": 3, "alpha": 0.5})
    ax.set_xticks([1], [key])
    off = _bound_lines(ax, analysis, spec, key, arr, vertical=False)
    ax.set_title(_title(analysis, spec, key, off), fontsize="small")
    ax.set_ylabel(key)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="x-small", loc="best")
    return _save(fig, path)


def pair_rows(analysis: Analysis, top: int = _TOP_PAIRS_CSV) -> list[dict[str, Any]]:
    """The most common leading content-word pairs: first, second, count, share of texts."""
    pairs = analysis.pairs
    total = sum(pairs.values()) or 1
    return [{"first": a, "second": b, "count": n, "share": round(n / total, 6)}
            for (a, b), n in pairs.most_common(top)]


def _short(text: str, n: int = 32) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def plot_pairs(analysis: Analysis, path: Path, top: int = _TOP_PAIRS_PLOT) -> Path | None:
    """A horizontal bar chart of the most common leading pairs (PNG); None without texts."""
    rows = pair_rows(analysis, top)
    if not rows:
        return None
    fig = _figure((6.4, max(3.0, 0.28 * len(rows) + 1.2)))
    ax = fig.add_subplot()
    labels = [_short(f"{r['first']} {r['second']}".strip()) for r in rows][::-1]
    ax.barh(labels, [r["count"] for r in rows][::-1], color="#55A868")
    ax.set_xlabel("texts")
    ax.set_title(f"most common leading content-word pairs (top {len(rows)})", fontsize="medium")
    ax.tick_params(axis="y", labelsize="small")
    return _save(fig, path)


def write_analysis_outputs(analysis: Analysis, out: Path, *, plots: bool = True, html: bool = True) -> dict[str, Any]:
    """The files of :func:`~recipe_copilot.engine.analyze.write_analysis`."""
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Any] = {"json": out / "overall.json", "csv": out / "overall.csv", "md": out / "overall.md",
                             "html": None, "diversity_csv": None, "diversity_png": None, "plots": [],
                             "boxplots": []}
    if plots:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            analysis.notes.append("matplotlib is not installed: no plots")
            plots = False
    figures: dict[tuple[int, str], tuple[Path, Path]] = {}
    if plots:
        for spec, key in analysis.stat_items():
            name = _file_name(spec, key)
            hist = plot_histogram(analysis, spec, out / "hist" / name, key)
            box = plot_box(analysis, spec, out / "box" / name, key)
            paths["plots"].append(hist)
            paths["boxplots"].append(box)
            figures[(spec.index, key)] = (hist, box)
    if analysis.pairs:
        paths["diversity_csv"] = out / "diversity.csv"
        paths["diversity_csv"].write_text(rows_to_csv(pair_rows(analysis)), encoding="utf-8")
        if plots:
            paths["diversity_png"] = plot_pairs(analysis, out / "diversity.png")
    paths["json"].write_bytes(orjson.dumps({**analysis.model_dump(mode="json"), "diversity": pair_rows(analysis, 50)},
                                           option=orjson.OPT_INDENT_2))
    paths["csv"].write_text(to_csv(analysis), encoding="utf-8")
    paths["md"].write_text(to_markdown(analysis), encoding="utf-8")
    if html:
        paths["html"] = out / "report.html"
        paths["html"].write_text(_analysis_html(analysis, out, figures, paths["diversity_png"]), encoding="utf-8")
    return paths


# ---- HTML ------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;font-size:13px;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
td:first-child,td:nth-child(2),th{text-align:left}
th{background:#f3f3f3}.figs img{max-width:48%;margin:4px;border:1px solid #ddd;vertical-align:top}
.note{color:#8a6d3b}.err{color:#a94442}h2{margin-top:1.6em}code{background:#f6f6f6;padding:0 3px}
"""


def _img(path: Path, out: Path) -> str:
    """An image embedded as base64 (the page stands alone) and linked to its PNG beside the page."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    rel = path.relative_to(out).as_posix()
    return f'<a href="{html.escape(rel)}"><img src="data:image/png;base64,{data}" alt="{html.escape(rel)}"></a>'


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p><em>none</em></p>"
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(format_value(v))}</td>" for v in r.values()) + "</tr>"
                   for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _page(title: str, body: list[str]) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>" + "\n".join(body) + "</body></html>\n")


def _analysis_html(analysis: Analysis, out: Path, figures: dict[tuple[int, str], tuple[Path, Path]],
                   pairs_png: Path | None) -> str:
    a = analysis
    how = (f"a seeded sample of {a.sample} rows (seed {a.seed})" if a.sample is not None
           else f"every row, {a.executor} executor, {a.workers} worker(s)")
    body = [f"<p>Dataset <code>{html.escape(str(a.dataset))}</code>: {a.rows_analysed} of {a.rows_read} rows "
            f"analysed ({html.escape(how)}) in {a.seconds:g} s.</p>"]
    body += [f"<p class='note'>note: {html.escape(n)}</p>" for n in a.notes]
    body.append("<h2>Summary</h2>" + _table(summary_rows(a)))
    bounds = [{"op": f"{s.index}:{s.op}", "stat": s.stat_key, "bound": b.param, "value": b.value,
               "drops (share of values)": f"{b.drop_rate:.2%}", "filter drops (rows)": f"{s.current_drop_rate:.2%}"}
              for s in a.stats for b in s.bounds]
    body.append("<h2>Current bounds</h2>" + _table(bounds))
    if a.errors:
        body.append("<h2>Errors</h2><p>Rows an op failed on (a run quarantines them); they have no stat.</p>")
        body.append(_table([{"op": f"{e.index}:{e.op}", "rows": e.errors, "examples": " | ".join(e.examples)}
                            for e in a.errors]))
    body.append("<h2>Distributions</h2>")
    for spec, key in a.stat_items():
        s = a.summary(spec.index, key)
        body.append(f"<h3 id='{spec.index}-{html.escape(key)}'>{spec.index}:{html.escape(spec.name)} — "
                    f"<code>{html.escape(key)}</code></h3>")
        extra = f"{s.count} values" + (" (one per image/video, flattened)" if s.kind == "list" else "")
        if s.errors:
            extra += f"; {s.errors} row(s) failed"
        body.append(f"<p>{html.escape(extra)}</p>")
        if (spec.index, key) in figures:
            hist, box = figures[(spec.index, key)]
            body.append(f"<div class='figs'>{_img(hist, out)}{_img(box, out)}</div>")
    if a.pairs:
        body.append("<h2>Diversity</h2><p>The most common leading content-word pairs: the first two words of "
                    "each text after removing stopwords (an offline stand-in for Data-Juicer's verb–noun "
                    "analysis, which needs a POS tagger). Many distinct pairs with small shares mean varied "
                    "openings; a few dominant ones mean templated text.</p>")
        if pairs_png is not None:
            body.append(f"<div class='figs'>{_img(pairs_png, out)}</div>")
        body.append(_table(pair_rows(a, 30)))
    return _page("Data analysis", body)


# ---- before / after --------------------------------------------------------------------------


class StatComparison(BaseModel):
    """One stat in two analyses."""

    op: str
    index: int
    stat_key: str
    count: tuple[int, int]
    mean: tuple[float | None, float | None]
    std: tuple[float | None, float | None]
    min: tuple[float | None, float | None]
    max: tuple[float | None, float | None]
    quantiles: dict[str, tuple[float | None, float | None]] = Field(default_factory=dict)
    mean_shift: float | None = Field(None, description="mean(B) - mean(A).")
    current_drop_rate: tuple[float, float] = (0.0, 0.0)


class Comparison(BaseModel):
    """The same stats of two datasets (or runs) side by side: A (before) and B (after)."""

    a: str | None
    b: str | None
    rows: tuple[int, int]
    stats: list[StatComparison] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


def compare(a: Analysis, b: Analysis) -> Comparison:
    """Pair the stats of two analyses (same recipe) by filter and stat key."""
    out = Comparison(a=a.dataset, b=b.dataset, rows=(a.rows_analysed, b.rows_analysed))
    theirs = {(s.index, s.stat_key): s for s in b.stats}
    for s in a.stats:
        t = theirs.pop((s.index, s.stat_key), None)
        if t is None:
            out.notes.append(f"{s.index}:{s.op} {s.stat_key} only in A")
            continue
        qs = {k: (v, t.quantiles.get(k)) for k, v in s.quantiles.items()}
        shift = t.mean - s.mean if s.mean is not None and t.mean is not None else None
        out.stats.append(StatComparison(op=s.op, index=s.index, stat_key=s.stat_key, count=(s.count, t.count),
                                        mean=(s.mean, t.mean), std=(s.std, t.std), min=(s.min, t.min),
                                        max=(s.max, t.max), quantiles=qs, mean_shift=shift,
                                        current_drop_rate=(s.current_drop_rate, t.current_drop_rate)))
    out.notes += [f"{i}:{s.op} {k} only in B" for (i, k), s in theirs.items()]
    return out


def comparison_rows(cmp: Comparison) -> list[dict[str, Any]]:
    """One flat row per stat: each measure for A and B, and the shift of the mean."""
    rows = []
    for s in cmp.stats:
        row: dict[str, Any] = {"op": f"{s.index}:{s.op}", "stat": s.stat_key,
                               "count A": s.count[0], "count B": s.count[1],
                               "mean A": s.mean[0], "mean B": s.mean[1], "mean shift": s.mean_shift,
                               "std A": s.std[0], "std B": s.std[1], "min A": s.min[0], "min B": s.min[1]}
        for k, (va, vb) in s.quantiles.items():
            row[f"{k} A"], row[f"{k} B"] = va, vb
        row.update({"max A": s.max[0], "max B": s.max[1],
                    "drop A": s.current_drop_rate[0], "drop B": s.current_drop_rate[1]})
        rows.append(row)
    return rows


def plot_overlay(a: Analysis, b: Analysis, spec: OpSpec, key: str, path: Path) -> Path:
    """Histograms of one stat in A and B over the same bins, overlaid (densities), with the
    means as lines (PNG)."""
    xa, xb = a.stat(spec.index, key).finite(), b.stat(spec.index, key).finite()
    both = np.concatenate([xa, xb])
    fig = _figure()
    ax = fig.add_subplot()
    if both.size:
        edges = np.histogram_bin_edges(both, bins=_bins(both))
        for arr, label, color in ((xa, "A", "#4C72B0"), (xb, "B", "#DD8452")):
            if arr.size:
                ax.hist(arr, bins=edges, density=True, alpha=0.5, color=color,
                        label=f"{label} (n={arr.size}, mean {arr.mean():.4g})")
                ax.axvline(float(arr.mean()), color=color, linestyle="--")
    ax.set_title(f"{spec.index}:{spec.name} — {key}: A vs B", fontsize="medium")
    ax.set_xlabel(key)
    ax.set_ylabel("density")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    return _save(fig, path)


def write_comparison(cmp: Comparison, a: Analysis, b: Analysis, out_dir: str | Path, *,
                     plots: bool = True) -> dict[str, Any]:
    """Write ``compare.json``/``.csv``/``.md``, ``overlay/*.png`` and ``compare.html``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = comparison_rows(cmp)
    paths: dict[str, Any] = {"json": out / "compare.json", "csv": out / "compare.csv", "md": out / "compare.md",
                             "html": out / "compare.html", "plots": []}
    paths["json"].write_bytes(orjson.dumps(cmp.model_dump(mode="json"), option=orjson.OPT_INDENT_2))
    paths["csv"].write_text(rows_to_csv(rows), encoding="utf-8")
    paths["md"].write_text(f"A: {cmp.a}\n\nB: {cmp.b}\n\n" + rows_to_markdown(rows), encoding="utf-8")
    specs = {spec.index: spec for spec, _ in a.stat_items()}
    figures = []
    if plots:
        for s in cmp.stats:
            spec = specs[s.index]
            png = plot_overlay(a, b, spec, s.stat_key, out / "overlay" / _file_name(spec, s.stat_key))
            paths["plots"].append(png)
            figures.append((s, png))
    body = [f"<p>A: <code>{html.escape(str(cmp.a))}</code> ({cmp.rows[0]} rows)<br>"
            f"B: <code>{html.escape(str(cmp.b))}</code> ({cmp.rows[1]} rows)</p>"]
    body += [f"<p class='note'>note: {html.escape(n)}</p>" for n in cmp.notes]
    body.append("<h2>Side by side</h2>" + _table(rows))
    body.append("<h2>Distributions</h2>")
    for s, png in figures:
        body.append(f"<h3>{s.index}:{html.escape(s.op)} — <code>{html.escape(s.stat_key)}</code></h3>"
                    f"<div class='figs'>{_img(png, out)}</div>")
    paths["html"].write_text(_page("Before / after", body), encoding="utf-8")
    return paths


def dataset_of(path: str | Path) -> str:
    """The data a ``--compare`` side names: a dataset as it is, or a run (its ``run.json``, or
    a folder holding one) as that run's exported output."""
    from recipe_copilot.engine.runrecord import load_run_record

    p = Path(path)
    record = p if p.name == "run.json" else p / "run.json"
    if not record.is_file():
        return str(path)
    outputs = load_run_record(record).outputs
    if not outputs:
        msg = f"{record} lists no exported output"
        raise ValueError(msg)
    if len(outputs) == 1:
        return outputs[0]
    names = [Path(o).name for o in outputs]
    prefix, suffix = _common_prefix(names), _common_prefix([n[::-1] for n in names])[::-1]
    return str(Path(outputs[0]).parent / f"{prefix}*{suffix}")


def _common_prefix(names: list[str]) -> str:
    first = min(names)
    last = max(names)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]
