"""propose_recipe: from a list of needs to a first recipe, deterministically and without an LLM.

For each need ("drop short docs", "remove emails", "dedup"):

1. the knowledge index is searched for ops, restricted to the kind of op the need's wording
   asks for ("remove X" a mapper, "drop ... docs" a filter, "dedup" a deduplicator);
2. a short table of common phrasings (:data:`NEED_HINTS`) picks among them when it matches,
   since a few words are thin ground for an embedding; otherwise the best hit wins;
3. parameters start from the closest bundled recipe that uses the op (cited), else the op's
   defaults (a recipe's bound on the side the need does not ask about is not borrowed);
4. with a dataset, each filter bound on the side the need points at ("short" a min, "long" a
   max; else the sides its default uses) is set from the sample's stats: the k-sigma value
   when it finds outliers there; else the current value stays, unless it would drop more than
   half of the sample, where the 5 % quantile is used. Each filter's predicted drop rate (its
   own ``keep_batch`` on the sample's stats) is reported.

Ops are ordered as Data-Juicer recipes are: repairs first, then cleaners, filters, dedup.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import BaseModel, Field, field_validator

from recipe_copilot.engine.docs import op_doc
from recipe_copilot.engine.errors import closest
from recipe_copilot.engine.ops import get_op_class, op_names
from recipe_copilot.engine.ops.base import BIG
from recipe_copilot.engine.ops.common.hashing import optimal_param, shingles
from recipe_copilot.tools.context import ToolContext, knowledge_module
from recipe_copilot.tools.drafts import DRAFT_ID_PATTERN, RecipeDraft, recipe_yaml
from recipe_copilot.tools.errors import as_tool_error
from recipe_copilot.tools.profiling import sample_stats
from recipe_copilot.tools.registry import ToolRequest, ToolResult, tool
from recipe_copilot.tools.sampling import read_sample
from recipe_copilot.tools.thresholds import bound_params, joint_drop_rate, suggest_for_column

__all__ = ["HIGH_DROP_RATE", "LANGUAGES", "NEED_HINTS", "NeedChoice", "ProposeRecipeRequest", "ProposeRecipeResult", "propose_recipe"]

#: common phrasings of a need -> the op that serves it (checked in order, first match wins)
NEED_HINTS: tuple[tuple[str, str], ...] = (
    (r"near[- ]?dup|fuzzy|similar (docs|documents|pages|texts)|minhash", "document_minhash_deduplicator"),
    (r"dedup|duplicat|exact cop", "document_deduplicator"),
    (r"\d[\d,]*\s+words\b", "words_num_filter"),
    (r"\d[\d,]*\s+(characters|chars)\b", "text_length_filter"),
    (r"e-?mail", "clean_email_mapper"),
    (r"\burls?\b|\blinks?\b|hyperlink", "clean_links_mapper"),
    (r"\bip\b|ip address", "clean_ip_mapper"),
    (r"\bhtml\b|markup", "clean_html_mapper"),
    (r"copyright", "clean_copyright_mapper"),
    (r"unicode|mojibake|encoding", "fix_unicode_mapper"),
    (r"whitespace|\bspaces\b", "whitespace_normalization_mapper"),
    (r"toxic|offensive|obscen|profan|nsfw|porn|flagged|bad words|swear", "flagged_words_filter"),
    (r"boilerplate|\b(lines?|footers?|headers?|banners?) (that )?(repeat|appear|recur)|repeated lines",
     "document_line_deduplicator"),
    (r"\bspam", "word_repetition_filter"),
    (r"\b(english|french|german|spanish|chinese|japanese|language)\b", "language_id_score_filter"),
    (r"repeated sentences", "remove_repeat_sentences_mapper"),
    (r"repetit|repeated|repeats", "word_repetition_filter"),
    (r"special char|symbol", "special_characters_filter"),
    (r"long lines?|line length", "maximum_line_length_filter"),
    (r"long words", "remove_long_words_mapper"),
    (r"few words|word count|number of words", "words_num_filter"),
    (r"\bshort|\blong|length|tiny|empty", "text_length_filter"),
    (r"english|natural language|gibberish|stop ?words|prose", "stopwords_filter"),
)
_KIND_WORDS: tuple[tuple[str, str], ...] = (
    ("deduplicator", r"dedup|duplicat|boilerplate|\blines? (that )?(repeat|appear|recur)"),
    ("filter", r"^\s*(drop|filter|exclude|discard|keep|remove|delete)\b.*\b(docs?|documents?|samples?|texts?|pages?"
               r"|rows?|records?|content|data)\b"),
    ("filter", r"^\s*(drop|filter|exclude|discard|keep)\b"),
    ("mapper", r"^\s*(remove|strip|clean|fix|normali[sz]e|replace|mask|redact|anonymi[sz]e|convert|split|chunk)\b"),
    ("selector", r"^\s*(select|sample|pick)\b|top[- ]?k"),
)
#: a number the need states, with the words around it: "under 50 words", "longer than 10000 characters", "30%"
_STATED = re.compile(r"(?P<cmp>fewer than|less than|shorter than|under|below|at least|minimum of|min(?:imum)?|"
                     r"more than|longer than|over|above|exceeds?|at most|maximum of|max(?:imum)?)\s+"
                     r"(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>%|percent\b|words?\b|characters?\b|chars?\b)?", re.I)
#: language names a need may use -> the codes language filters take
LANGUAGES = {"english": "en", "french": "fr", "german": "de", "spanish": "es", "chinese": "zh", "japanese": "ja"}
_LOW_CMP = re.compile(r"fewer|less|shorter|under|below|at least|min", re.I)
_UNIT_PARAMS = {"word": ("min_num", "max_num"), "char": ("min_len", "max_len"), "%": ("min_ratio", "max_ratio")}
_MIN_WORDS = r"\b(short|few|fewer|little|low|small|tiny|empty|too little|min(imum)?)\b"
_MAX_WORDS = r"\b(long|many|much|high|large|huge|excessive|too many|max(imum)?)\b"
#: "differ in only a word or two", "changed by up to 3 words": how many words near-duplicates differ by
_EDITS = re.compile(r"\b(?:differ|chang|edit|var(?:y|ies)|swap|replac)\w*\s+(?:in\s+|by\s+)?"
                    r"(?:only\s+|just\s+|at\s+most\s+|up\s+to\s+)?(?P<phrase>(?:\S+\s+){0,3}?(?:words?|tokens?)"
                    r"(?:\s+or\s+\w+)?)", re.I)
_COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "couple": 2, "three": 3, "few": 3, "four": 4,
                "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
#: the shortest documents whose near-duplicates the Jaccard threshold must still catch (this length quantile)
_EDIT_LENGTH_QUANTILE = 0.05
#: below this a Jaccard threshold would join unrelated documents sharing a few phrases
_MIN_EDIT_JACCARD = 0.5
#: the chance a threshold set from stated edits must give of catching such a pair
_EDIT_RECALL = 0.9
#: a line in this share of the documents is boilerplate, and in at least this many
_BOILERPLATE_SHARE = 0.01
_MIN_LINE_DOCS = 3
#: a proposed filter dropping more than this share of the sample gets a note
HIGH_DROP_RATE = 0.5
#: the tail cut used when a filter's default would drop too much and k-sigma sees no outliers
_QUANTILE = 0.05
_ORDER = {"mapper": 1, "filter": 2, "deduplicator": 3, "selector": 4}
_FIRST_MAPPERS = {"fix_unicode_mapper": 0.0, "clean_html_mapper": 0.5}
_LAST_MAPPERS = {"whitespace_normalization_mapper": 1.8, "punctuation_normalization_mapper": 1.9}


class ProposeRecipeRequest(ToolRequest):
    """Propose a recipe for a list of needs."""

    needs: list[str] = Field(min_length=1, max_length=20,
                             description="What the data needs, one need per item: 'drop short docs', 'remove emails', "
                                         "'dedup', 'drop near-duplicates', 'drop toxic content'...")
    dataset: str | None = Field(None, description="The data (relative to the root); gives thresholds from its stats.")
    export_path: str | None = Field(None, description="Where the output goes (default outputs/<project>/<project>.jsonl).")
    project_name: str = Field("proposed", min_length=1, max_length=64)
    n: int = Field(1000, ge=10, le=100_000, description="Rows to sample for thresholds.")
    k: float = Field(3.0, gt=0, le=10, description="k of the k-sigma rule.")
    draft_id: str | None = Field(None, pattern=DRAFT_ID_PATTERN, description="Also save the proposal as this draft.")
    ops: dict[str, str] = Field(default_factory=dict,
                                description="need -> op to use for it (e.g. one picked among search_ops hits); "
                                            "overrides the phrasing table and the search for that need.")

    @field_validator("ops")
    @classmethod
    def _known_ops(cls, value: dict[str, str]) -> dict[str, str]:
        known = set(op_names())
        for need, op in value.items():
            if op not in known:
                near = closest(op, known)
                hint = f" (did you mean {', '.join(near)}?)" if near else ""
                msg = f"ops[{need!r}] = {op!r} is not a known op{hint}"
                raise ValueError(msg)
        return value


class NeedChoice(BaseModel):
    """The op chosen for one or more needs, and why."""

    needs: list[str]
    op: str
    kind: str
    description: str = Field(description="The op's documented purpose.")
    why: str = Field(description="How the op was chosen.")
    alternatives: list[str] = Field(default_factory=list, description="Other ops the search offered.")
    params: dict[str, Any] = Field(default_factory=dict)
    params_why: list[str] = Field(default_factory=list, description="Where each parameter value comes from.")
    predicted_drop_rate: float | None = Field(None, description="Share of the sample this filter drops (with a dataset).")
    stated: list[str] = Field(default_factory=list, description="Parameters whose values the needs state.")


class ProposeRecipeResult(ToolResult):
    """The proposed recipe and the reasoning behind it."""

    recipe: dict[str, Any] = Field(default_factory=dict)
    yaml: str = ""
    choices: list[NeedChoice] = Field(default_factory=list, description="One per op, in recipe order.")
    unmatched: list[str] = Field(default_factory=list, description="Needs no op was found for.")
    cited_recipes: list[str] = Field(default_factory=list, description="Bundled recipes parameters were taken from.")
    notes: list[str] = Field(default_factory=list)
    draft_id: str | None = None
    version: int | None = None
    warnings: list[str] = Field(default_factory=list)


def need_kind(need: str) -> str | None:
    """The kind of op a need's wording asks for, if it says."""
    text = need.lower()
    return next((kind for kind, pattern in _KIND_WORDS if re.search(pattern, text)), None)


def need_hint(need: str, kind: str | None = None) -> str | None:
    """The op :data:`NEED_HINTS` gives for a need, if one matches, is registered and is of ``kind``."""
    text = need.lower()
    known = set(op_names())
    for pattern, op in NEED_HINTS:
        if re.search(pattern, text) and op in known and (kind is None or get_op_class(op).kind == kind):
            return op
    return None


def _search(ctx: ToolContext, need: str, kind: str | None, notes: list[str]) -> list[Any]:
    try:
        knowledge = knowledge_module()
        index = ctx.knowledge_index()
        hits = knowledge.search_ops(need, type=kind, k=5, index=index)
        return hits or (knowledge.search_ops(need, k=5, index=index) if kind else [])
    except Exception as exc:
        error = as_tool_error(exc)
        if error is None:
            raise
        if not any(n.startswith("knowledge index unavailable") for n in notes):
            notes.append(f"knowledge index unavailable ({error.message}); ops chosen by the phrasing table only")
        return []


def _choose(ctx: ToolContext, need: str, notes: list[str], given: str | None = None) -> NeedChoice | None:
    kind = need_kind(need)
    hits = _search(ctx, need, kind, notes)
    names = [h.name for h in hits]
    hint = need_hint(need, kind)
    kind_words = f" among {kind}s" if kind else ""
    if given is not None:
        rank = f"#{names.index(given) + 1} of the search hits{kind_words}" if given in names else "not a search hit"
        why = f"chosen by the caller for this need ({rank})"
        op = given
    elif hint is not None:
        rank = f"; the search ranked it #{names.index(hint) + 1}{kind_words}" if hint in names else ""
        why = f"the need's wording matches the common phrasing for {hint}{rank}"
        op = hint
    elif hits:
        op = names[0]
        why = f"best search hit{kind_words} (score {hits[0].score:.2f})"
    else:
        return None
    doc = op_doc(get_op_class(op))
    return NeedChoice(needs=[need], op=op, kind=doc["type"], description=doc["description"], why=why,
                      alternatives=[n for n in names if n != op][:3])


def _cite_recipes(ctx: ToolContext, needs: list[str]) -> list[Any]:
    try:
        return knowledge_module().search_recipes("; ".join(needs), k=3, index=ctx.knowledge_index())
    except Exception as exc:
        if as_tool_error(exc) is None:
            raise
        return []


def _asked_sides(choice: NeedChoice) -> set[str]:
    """The bounds the needs' wording points at ("short" a min, "long" a max); empty if none."""
    text = " ".join(choice.needs).lower()
    return {side for side, words in (("min", _MIN_WORDS), ("max", _MAX_WORDS)) if re.search(words, text)}


def _active_sides(cls: type, params: dict[str, Any]) -> set[str]:
    """Bounds the op's defaults (or the borrowed params) actually use."""
    sides = set()
    for side, name, info in bound_params(cls.Params):
        value = params.get(name, info.default)
        open_max = value >= BIG or (name.endswith("_ratio") and value >= 1)
        used = value > 0 if side == "min" else not open_max
        if name in params or used:
            sides.add(side)
    return sides


def _stated_bounds(choice: NeedChoice) -> None:
    """Bounds the needs give in numbers ("under 50 words", "more than 30% ...") and the language they name,
    set on the filter (in place).

    "Drop docs under 50 words" keeps 50 and more (a min); "longer than 10000 characters" a
    max; a percentage sets the filter's ratio bound on the side the wording gives.
    """
    if choice.kind != "filter":
        return
    fields = get_op_class(choice.op).Params.model_fields
    for need in choice.needs:
        named = [code for name, code in LANGUAGES.items() if re.search(rf"\b{name}\b", need, re.I)]
        if named and "lang" in fields:
            choice.params["lang"] = named[0] if len(named) == 1 else named
            choice.stated.append("lang")
            choice.params_why.append(f"lang = {choice.params['lang']}: the language the request names")
        for m in _STATED.finditer(need):
            unit = (m["unit"] or "").lower()
            key = "%" if unit in ("%", "percent") else "word" if unit.startswith("word") else \
                "char" if unit.startswith("char") else None
            if key is None:
                continue
            low, high = _UNIT_PARAMS[key]
            param = low if _LOW_CMP.search(m["cmp"]) else high
            if param not in fields:
                continue
            number = float(m["num"].replace(",", ""))
            value: float = number / 100 if key == "%" else int(number)
            choice.params[param] = value
            if param not in choice.stated:
                choice.stated.append(param)
            choice.params_why.append(f"{param} = {value}: stated in the request ({m.group(0).strip()!r})")


def _thresholds(ctx: ToolContext, req: ProposeRecipeRequest, choices: list[NeedChoice], notes: list[str]) -> None:
    """Set filter bounds from the dataset's stats (in place)."""
    filters = [c for c in choices if c.kind == "filter" and get_op_class(c.op).stat_key and bound_params(get_op_class(c.op).Params)]
    if not filters or req.dataset is None:
        return
    profile = sample_stats(ctx, req.dataset, [{c.op: c.params} for c in filters], req.n, require_numeric=False)
    by_index = {col.spec.index: col for col in profile.columns}
    for i, choice in enumerate(filters):
        col = by_index.get(i)
        if col is None or not col.values:
            continue
        sides = _asked_sides(choice) or _active_sides(get_op_class(choice.op), choice.params)
        sugg = suggest_for_column(col, req.k, [_QUANTILE])
        for bound in sugg.bounds:
            if bound.side not in sides or bound.param in choice.stated:
                continue
            rec = bound.recommended
            if rec.method in ("k_sigma", "robust_sigma", "robust_log") and rec.drop_rate > 0:
                choice.params[bound.param] = rec.value
                sign = "-" if bound.side == "min" else "+"
                rule = {"k_sigma": f"mean {sign} {req.k:g}·std of {col.stat_key}",
                        "robust_sigma": f"median {sign} {req.k:g}·1.4826·MAD of {col.stat_key}",
                        "robust_log": f"median {sign} {req.k:g}·1.4826·MAD of log {col.stat_key}, back from logs"}
                choice.params_why.append(f"{bound.param} = {rec.value}: {rule[rec.method]} on {len(col.values)} "
                                         f"samples; drops {rec.drop_rate:.1%} of them")
            elif bound.current_drop_rate > HIGH_DROP_RATE:
                cut = bound.candidates[-1]  # the 5 % quantile
                choice.params[bound.param] = cut.value
                choice.params_why.append(f"{bound.param} = {cut.value}: the {_QUANTILE:.0%} quantile of {col.stat_key}, "
                                         f"since {bound.current} would drop {bound.current_drop_rate:.0%} of the "
                                         f"sample and it shows no outliers beyond {req.k:g}·std; drops "
                                         f"{cut.drop_rate:.1%}")
            else:
                source = "the recipe's value" if bound.param in choice.params else "the op's default"
                current = choice.params.get(bound.param, bound.current)
                choice.params_why.append(f"{bound.param} = {current}: {source}, since the sample shows no outliers "
                                         f"beyond {req.k:g}·std on this side; it drops {bound.current_drop_rate:.1%}")
        params = col.spec.params.model_copy(update={b.param: choice.params[b.param] for b in sugg.bounds
                                                    if b.param in choice.params})
        choice.predicted_drop_rate = joint_drop_rate(col, params)
        if choice.predicted_drop_rate > HIGH_DROP_RATE:
            notes.append(f"{choice.op} as proposed drops {choice.predicted_drop_rate:.0%} of the sample: "
                         "check its bounds (suggest_thresholds shows the options)")
    notes.extend(profile.notes)


def _stated_edits(choice: NeedChoice) -> int | None:
    """The most words the needs say near-duplicates differ by ("a word or two" gives 2), or None."""
    counts = []
    for need in choice.needs:
        for m in _EDITS.finditer(need):
            counts += [int(w) if w.isdigit() else _COUNT_WORDS.get(w.lower(), 0) for w in m["phrase"].split()]
    return max(counts) if counts and max(counts) > 0 else None


def _edit_bound(texts: list[str], edits: int, tokenization: str, window: int) -> float:
    """The Jaccard similarity that ``edits`` changed words leave at least, at the short end of ``texts``.

    A changed word alters one token (a word, or a punctuation-delimited chunk), so at most
    ``edits·window`` of a text's ``S`` shingles; the similarity to the original is then at least
    ``(S - c) / (S + c)`` with ``c = min(edits·window, S)``. The bound at the 5 % quantile of the
    texts' values, floored to two decimals.
    """
    bounds = []
    for text in texts:
        n = len(shingles(text.lower(), tokenization, window))
        c = min(edits * window, n)
        bounds.append((n - c) / (n + c) if n else 0.0)
    return math.floor(float(np.quantile(bounds, _EDIT_LENGTH_QUANTILE)) * 100) / 100


#: the texts of the request's sample and the dataset's estimated rows, read on first call
_Sample = Callable[[], tuple[list[str], int]]


def _sample_texts(ctx: ToolContext, req: ProposeRecipeRequest) -> tuple[list[str], int]:
    """The texts of the request's sample of its dataset, and the dataset's estimated rows."""
    sample = read_sample(ctx.workspace.dataset_files(str(req.dataset)), req.n)
    return [t for t in sample.batch.column("text") if isinstance(t, str)], sample.estimated_rows


def _line_threshold(sample: _Sample, req: ProposeRecipeRequest, choices: list[NeedChoice]) -> None:
    """A line deduplicator's ``frequency_threshold`` sized to the dataset (in place): a line in 1 % of the
    documents (at least :data:`_MIN_LINE_DOCS`) is boilerplate, so a bound borrowed from a recipe for a
    large crawl is lowered for a small dataset, where no line could reach it."""
    for choice in choices:
        cls = get_op_class(choice.op)
        fields = cls.Params.model_fields
        if req.dataset is None or "frequency_threshold" not in fields or not hasattr(cls, "line_digests"):
            continue
        current = int(choice.params.get("frequency_threshold", fields["frequency_threshold"].default))
        texts, rows = sample()
        target = max(_MIN_LINE_DOCS, math.ceil(_BOILERPLATE_SHARE * rows))
        if not texts or target >= current:
            continue
        op = cls.from_config(choice.params)
        counts: dict[bytes, int] = {}
        for text in texts:
            for digest in {d for d in op.line_digests(text) if d}:
                counts[digest] = counts.get(digest, 0) + 1
        scale = rows / len(texts)
        frequent = sum(c * scale > target for c in counts.values())
        choice.params["frequency_threshold"] = target
        choice.params_why.append(f"frequency_threshold = {target}: a line in over {_BOILERPLATE_SHARE:.0%} of the "
                                 f"dataset's ~{rows:,} documents is boilerplate ({current} suits a larger crawl); "
                                 f"{frequent} distinct line(s) of the sample reach that")


def _lsh_threshold(similarity: float, num_perm: int, highest: float) -> float:
    """The highest threshold (two decimals, at most ``highest``) whose LSH bands catch a pair at ``similarity``
    with probability at least :data:`_EDIT_RECALL`: bands are not a hard cut, a pair right at the threshold
    is caught about half the time."""
    t = math.floor(min(highest, similarity) * 100) / 100
    while t > _MIN_EDIT_JACCARD - 0.1:
        bands, rows = optimal_param(t, num_perm)
        if 1 - (1 - similarity**rows) ** bands >= _EDIT_RECALL:
            break
        t = round(t - 0.01, 2)
    return t


def _edit_threshold(sample: _Sample, req: ProposeRecipeRequest, choices: list[NeedChoice], notes: list[str]) -> None:
    """For a shingling deduplicator whose needs say how many words duplicates differ by, a Jaccard threshold
    (and word shingles, if its tokenization cannot see such edits) that still catches such pairs among
    the dataset's short documents (in place); never a stricter threshold than the current one.
    """
    for choice in choices:
        edits = _stated_edits(choice)
        fields = get_op_class(choice.op).Params.model_fields
        if edits is None or req.dataset is None or not {"jaccard_threshold", "window_size", "tokenization"} <= set(fields):
            continue
        tokenization = choice.params.get("tokenization", fields["tokenization"].default)
        if tokenization not in ("space", "punctuation"):
            continue
        texts, _ = sample()
        if not texts:
            continue
        window = int(choice.params.get("window_size", fields["window_size"].default))
        current = float(choice.params.get("jaccard_threshold", fields["jaccard_threshold"].default))
        bound = _edit_bound(texts, edits, tokenization, window)
        if bound < _MIN_EDIT_JACCARD and tokenization != "space":
            spaced = _edit_bound(texts, edits, "space", window)
            if spaced > bound:
                choice.params["tokenization"] = tokenization = "space"
                choice.params_why.append(f"tokenization = space: with {edits} changed word(s), {tokenization!r} "
                                         f"shingles of the shorter documents keep Jaccard >= {bound} only")
                bound = spaced
        rule = (f"{edits} changed word(s) alter at most {edits * window} {window}-token shingles, which leaves "
                f"the shortest {_EDIT_LENGTH_QUANTILE:.0%} of the sample's documents at Jaccard >= {bound}")
        if bound >= current:
            choice.params_why.append(f"jaccard_threshold = {current}: {rule}")
        elif bound < _MIN_EDIT_JACCARD:
            notes.append(f"{choice.op}: {rule}, too low a threshold to be safe; short documents' near-duplicates "
                         "may be missed (a smaller window_size helps)")
        else:
            perms = int(choice.params.get("num_permutations", fields["num_permutations"].default)) \
                if "num_permutations" in fields else 256
            value = _lsh_threshold(bound, perms, current)
            choice.params["jaccard_threshold"] = value
            choice.stated.append("jaccard_threshold")
            choice.params_why.append(f"jaccard_threshold = {value}: {rule}; LSH bands for {value} catch pairs at "
                                     f"{bound} with probability >= {_EDIT_RECALL:.0%}")


def _order(choice: NeedChoice) -> float:
    if choice.kind == "mapper":
        return _FIRST_MAPPERS.get(choice.op, _LAST_MAPPERS.get(choice.op, 1.0))
    return _ORDER.get(choice.kind, 5)


@tool
def propose_recipe(ctx: ToolContext, req: ProposeRecipeRequest) -> ProposeRecipeResult:
    """Propose a recipe for a list of needs: one op per need, defaults from bundled recipes, thresholds from the data.

    Deterministic (no LLM): ops come from the knowledge index and a table of common
    phrasings; with a dataset, filter bounds come from its stats (k-sigma).

    Args:
        ctx: the tool context.
        req: the needs, optionally the dataset, export path, project name and a draft id.

    Returns:
        The recipe (mapping and YAML), per op the needs it serves, why it was chosen, where
        its parameter values come from and its predicted drop rate; needs left unmatched;
        the bundled recipes cited. Or a typed error (dataset_error, path_outside_workspace).
    """
    notes: list[str] = []
    choices: list[NeedChoice] = []
    unmatched = []
    for need in req.needs:
        choice = _choose(ctx, need, notes, req.ops.get(need))
        if choice is None:
            unmatched.append(need)
            continue
        same = next((c for c in choices if c.op == choice.op), None)
        if same is not None:
            same.needs.append(need)
            continue
        choices.append(choice)
    borrowed_from: list[tuple[str, NeedChoice, dict[str, Any]]] = []
    recipes = _cite_recipes(ctx, req.needs)
    for choice in choices:
        source = next((r for r in recipes if choice.op in r.ops), None)
        if source is None:
            continue
        item = next((i for i in source.recipe.get("process") or [] if isinstance(i, dict) and choice.op in i), {})
        bounds = {name: side for side, name, _ in bound_params(get_op_class(choice.op).Params)} \
            if choice.kind == "filter" else {}
        wanted = _asked_sides(choice)
        borrowed = {k: v for k, v in (item.get(choice.op) or {}).items()
                    if k not in bounds or not wanted or bounds[k] in wanted}
        choice.params.update(borrowed)
        if borrowed:
            choice.params_why.append(f"{', '.join(borrowed)} from the bundled recipe {source.name!r}")
        if borrowed:
            borrowed_from.append((source.name, choice, borrowed))
    for choice in choices:
        _stated_bounds(choice)
    _thresholds(ctx, req, choices, notes)
    sample = functools.cache(functools.partial(_sample_texts, ctx, req))  # read once, by whichever rule needs it
    _edit_threshold(sample, req, choices, notes)
    _line_threshold(sample, req, choices)
    choices.sort(key=_order)
    # a recipe is cited when a value taken from it is still in the proposal (the data may have replaced it)
    cited = list(dict.fromkeys(name for name, choice, borrowed in borrowed_from
                               if any(choice.params.get(k) == v for k, v in borrowed.items())))
    export = req.export_path or f"outputs/{req.project_name}/{req.project_name}.jsonl"
    recipe: dict[str, Any] = {"project_name": req.project_name}
    if req.dataset is not None:
        recipe["dataset_path"] = req.dataset
    recipe["export_path"] = export
    recipe["process"] = [{c.op: dict(c.params)} for c in choices]
    _, warnings = ctx.workspace.engine_recipe(recipe, source="proposal")
    draft_id = version = None
    if req.draft_id:
        if ctx.drafts.exists(req.draft_id):
            draft = ctx.drafts.get(req.draft_id)
            draft.commit(recipe, "propose_recipe")
        else:
            draft = RecipeDraft.new(req.draft_id, recipe, "propose_recipe")
        ctx.drafts.put(draft)
        draft_id, version = draft.id, draft.current
    return ProposeRecipeResult(recipe=recipe, yaml=recipe_yaml(recipe), choices=choices, unmatched=unmatched,
                               cited_recipes=cited, notes=notes, draft_id=draft_id, version=version,
                               warnings=warnings)
