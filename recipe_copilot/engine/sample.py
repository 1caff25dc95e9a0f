"""The unified sample format and the batch that ops work on.

A sample is a row with ``text`` (str), ``images``/``videos``/``audios`` (lists of paths),
``meta`` (dict) and per-filter stats under ``__dj__stats__``: Data-Juicer's format, key names
included. Ops never see single rows: they get a :class:`SampleBatch`, a column-wise view of a
few hundred to a few thousand samples, whose columns are plain Python lists.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

__all__ = [
    "CONTEXT",
    "HASH_PREFIX",
    "META",
    "SOURCE_FILE",
    "STATS",
    "SUFFIX",
    "SampleBatch",
    "get_nested",
]

STATS = "__dj__stats__"
META = "__dj__meta__"
SUFFIX = "__dj__suffix__"
SOURCE_FILE = "__dj__source_file__"
CONTEXT = "__dj__context__"
HASH_PREFIX = "__dj__hash"

_MISSING = object()


def get_nested(row: Any, dotted: str, default: Any = None) -> Any:
    """Read ``a.b.c`` from nested dicts; ``default`` where any level is missing."""
    value = row
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return default
        value = value[part]
    return value


class SampleBatch:
    """Samples held column-wise: ``{"text": [...], "meta": [...]}`` plus computed stats.

    Columns are Python lists aligned by row. Stats computed in this run live in
    :attr:`stats` (stat key -> list); stats that came with the input (an ``__dj__stats__``
    column) are kept per row and read through :meth:`get_stat`. Derived per-row values that
    several ops share (the word split of a text, its lines) are cached with :meth:`cached`
    and dropped when the column they derive from is replaced.

    Args:
        columns: column name -> list of values, all of the same length.

    Example:
        >>> b = SampleBatch({"text": ["a b", "c"]})
        >>> b.set_stat("num_words", [2, 1])
        >>> b.keep_rows([True, False])
        >>> b.to_rows(keep_stats=True)
        [{'text': 'a b', '__dj__stats__': {'num_words': 2}}]
    """

    __slots__ = ("_cache", "_cols", "_input_stats", "_len", "stats")

    def __init__(self, columns: dict[str, list]) -> None:
        cols = dict(columns)
        input_stats = cols.pop(STATS, None)
        lengths = {len(v) for v in cols.values()}
        if input_stats is not None:
            lengths.add(len(input_stats))
        if len(lengths) > 1:
            msg = f"columns of one batch must have the same length, got lengths {sorted(lengths)}"
            raise ValueError(msg)
        self._len = lengths.pop() if lengths else 0
        self._cols = cols
        self._input_stats: list | None = input_stats
        self.stats: dict[str, list] = {}
        self._cache: dict[tuple, list] = {}

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_rows(cls, rows: Sequence[dict]) -> SampleBatch:
        """Build a batch from row dicts; a key missing in a row reads as ``None``."""
        keys: dict[str, None] = {}
        for row in rows:
            keys.update(dict.fromkeys(row))
        return cls({k: [row.get(k) for row in rows] for k in keys})

    @classmethod
    def concat(cls, batches: Sequence[SampleBatch]) -> SampleBatch:
        """Join batches row-wise; columns or stats missing in one batch read as ``None``."""
        if len(batches) == 1:
            return batches[0]
        keys: dict[str, None] = {}
        stat_keys: dict[str, None] = {}
        for b in batches:
            keys.update(dict.fromkeys(b._cols))
            stat_keys.update(dict.fromkeys(b.stats))
        cols = {k: [v for b in batches for v in b._cols.get(k, [None] * len(b))] for k in keys}
        if any(b._input_stats is not None for b in batches):
            cols[STATS] = [v for b in batches for v in (b._input_stats or [None] * len(b))]
        out = cls(cols)
        for k in stat_keys:
            out.stats[k] = [v for b in batches for v in b.stats.get(k, [None] * len(b))]
        return out

    # ----------------------------------------------------------------- reading
    def __len__(self) -> int:
        return self._len

    @property
    def columns(self) -> list[str]:
        """Names of the data columns (stats excluded), in their order."""
        return list(self._cols)

    @property
    def has_input_stats(self) -> bool:
        """Whether stats came with the input (an ``__dj__stats__`` column)."""
        return self._input_stats is not None

    def has_column(self, key: str) -> bool:
        """Whether the batch has the top-level column ``key``."""
        return key in self._cols

    def column(self, key: str) -> list:
        """The values of column ``key``; a dotted key reads into nested dicts (``meta.lang``).

        A column no row has reads as all ``None``.
        """
        if key in self._cols:
            return self._cols[key]
        if "." in key:
            head, _, rest = key.partition(".")
            if head in self._cols:
                return [get_nested(v, rest) for v in self._cols[head]]
        return [None] * self._len

    def get_stat(self, key: str) -> list:
        """Stat ``key`` per row: computed in this run, else carried in the input, else None."""
        if key in self.stats:
            return self.stats[key]
        if self._input_stats is None:
            return [None] * self._len
        return [s.get(key) if isinstance(s, dict) else None for s in self._input_stats]

    def missing_stat_rows(self, key: str) -> list[int]:
        """Rows that do not have stat ``key`` yet (Data-Juicer reuses a stat already there)."""
        return [i for i, v in enumerate(self.get_stat(key)) if v is None]

    def cached(self, key: Hashable, column: str, compute: Callable[[list], list]) -> list:
        """Per-row values derived from ``column``, computed once per batch and shared by ops.

        Args:
            key: what is derived (with its options), e.g. ``("words", None)``.
            column: the column it derives from; replacing that column drops the cache.
            compute: maps the column's values to the derived values, one per row.
        """
        full = (column, key)
        if full not in self._cache:
            self._cache[full] = compute(self.column(column))
        return self._cache[full]

    # ----------------------------------------------------------------- writing
    def set_column(self, key: str, values: Sequence) -> None:
        """Replace or add column ``key`` (dotted keys write into nested dicts)."""
        values = list(values)
        if len(values) != self._len:
            msg = f"column {key!r} has {len(values)} values for a batch of {self._len} rows"
            raise ValueError(msg)
        if "." in key and key not in self._cols:
            head, _, rest = key.partition(".")
            parents = self._cols.get(head) or [None] * self._len
            self._cols[head] = [_set_nested(p, rest, v) for p, v in zip(parents, values, strict=True)]
            column = head
        else:
            old = self._cols.get(key)
            self._cols[key] = values
            column = key
            if old is not None and all(map(operator.is_, old, values)):
                return  # every value is the very same object: derived caches stay valid
        for cache_key in [k for k in self._cache if k[0] == column]:
            del self._cache[cache_key]

    def drop_column(self, key: str) -> None:
        """Remove column ``key`` if present."""
        self._cols.pop(key, None)

    def rename_column(self, old: str, new: str) -> None:
        """Rename column ``old`` (if present) to ``new``."""
        if old in self._cols:
            self._cols[new] = self._cols.pop(old)

    def set_stat(self, key: str, values: Sequence, rows: Sequence[int] | None = None) -> None:
        """Store stat ``key``: for every row, or only for ``rows`` (others keep their value)."""
        if rows is None:
            if len(values) != self._len:
                msg = f"stat {key!r} has {len(values)} values for a batch of {self._len} rows"
                raise ValueError(msg)
            self.stats[key] = list(values)
            return
        current = list(self.get_stat(key))
        for i, v in zip(rows, values, strict=True):
            current[i] = v
        self.stats[key] = current

    def keep_rows(self, mask: Sequence[bool]) -> None:
        """Drop, in place, the rows whose ``mask`` entry is false."""
        if len(mask) != self._len:
            msg = f"keep mask has {len(mask)} entries for a batch of {self._len} rows"
            raise ValueError(msg)
        if all(mask):
            return
        idx = [i for i, k in enumerate(mask) if k]
        self._take_inplace(idx)

    def take(self, indices: Iterable[int]) -> SampleBatch:
        """A new batch of the rows at ``indices`` (repeats allowed, caches not carried)."""
        idx = list(indices)
        out = SampleBatch.__new__(SampleBatch)
        out._cols = {k: [v[i] for i in idx] for k, v in self._cols.items()}
        out._input_stats = None if self._input_stats is None else [self._input_stats[i] for i in idx]
        out.stats = {k: [v[i] for i in idx] for k, v in self.stats.items()}
        out._cache = {}
        out._len = len(idx)
        return out

    def _take_inplace(self, idx: list[int]) -> None:
        self._cols = {k: [v[i] for i in idx] for k, v in self._cols.items()}
        if self._input_stats is not None:
            self._input_stats = [self._input_stats[i] for i in idx]
        self.stats = {k: [v[i] for i in idx] for k, v in self.stats.items()}
        self._cache = {k: [v[i] for i in idx] for k, v in self._cache.items()}
        self._len = len(idx)

    # ----------------------------------------------------------------- export
    def stats_rows(self) -> list[dict | None]:
        """The ``__dj__stats__`` value per row: input stats updated with this run's."""
        base = self._input_stats or [None] * self._len
        if not self.stats:
            return list(base)
        keys = list(self.stats)
        out = []
        for i in range(self._len):
            row = dict(base[i]) if isinstance(base[i], dict) else {}
            for k in keys:
                row[k] = self.stats[k][i]
            out.append(row)
        return out

    def to_columns(self, *, keep_stats: bool = True, drop: Iterable[str] = ()) -> dict[str, list]:
        """Columns for export; ``__dj__stats__`` is added when kept and there are any."""
        dropped = set(drop)
        cols = {k: v for k, v in self._cols.items() if k not in dropped}
        if keep_stats and (self.stats or self._input_stats is not None):
            cols[STATS] = self.stats_rows()
        return cols

    def to_rows(self, *, keep_stats: bool = True, drop: Iterable[str] = ()) -> list[dict]:
        """Row dicts for export (see :meth:`to_columns`)."""
        cols = self.to_columns(keep_stats=keep_stats, drop=drop)
        keys = list(cols)
        return [dict(zip(keys, vals, strict=True)) for vals in zip(*cols.values(), strict=True)] if keys else []


def _set_nested(parent: Any, dotted: str, value: Any) -> dict:
    out = dict(parent) if isinstance(parent, dict) else {}
    head, _, rest = dotted.partition(".")
    out[head] = _set_nested(out.get(head), rest, value) if rest else value
    return out
