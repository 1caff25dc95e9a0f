"""Several selectors in one recipe: each one sees the previous one's output in its order.

Every expected id list here was taken from Data-Juicer 1.6.1 run on the same rows
(``NestedDataset.from_list(ROWS).process(load_ops(process))`` in /work/djvenv); the
deterministic ones are also worked out by hand in the comments.
"""

from __future__ import annotations

import pytest

from recipe_copilot.engine.testing import run_rows

SCORES = [4, 8, 1, 8, 6, 3, 9, 2, 7, 5, 6, 0]
LANGS = ["en", "zh", "en", "fr", "zh", "en", "en", "zh", "fr", "en", "zh", "de"]
LENGTHS = [5, 1, 9, 2, 8, 7, 3, 6, 4, 10, 2, 5]
ROWS = [
    {"id": i, "text": "a" * n, "meta": {"score": float(s), "lang": g}}
    for i, (s, g, n) in enumerate(zip(SCORES, LANGS, LENGTHS, strict=True))
]
#: seven samples that all tie on score
TIES = [{"id": i, "text": "x", "meta": {"score": 1.0, "lang": "en"}} for i in range(7)]


def topk(k: int, **params: object) -> dict:
    return {"topk_specified_field_selector": {"field_key": "meta.score", "topk": k, **params}}


def rnd(k: int) -> dict:
    return {"random_selector": {"select_num": k}}


def freq(k: int) -> dict:
    return {"frequency_specified_field_selector": {"field_key": "meta.lang", "topk": k}}


def rng(lo: int, hi: int) -> dict:
    return {"range_specified_field_selector": {"field_key": "meta.score", "lower_rank": lo, "upper_rank": hi}}


def ids(process: list, rows: list[dict] = ROWS, np: int = 1) -> list[int]:
    return [r["id"] for r in run_rows(rows, process, np=np).rows]


def test_topk_then_random_shuffles_the_topk_output():
    # topk 6 outputs ids 6, 1, 3, 8, 4, 10 (9, 8, 8, 7, 6, 6); random picks its positions 3, 2, 5
    assert ids([topk(6), rnd(3)]) == [8, 3, 10]  # from Data-Juicer 1.6.1


def test_random_then_topk():
    assert ids([rnd(8), topk(3)]) == [6, 3, 9]  # from Data-Juicer 1.6.1


def test_range_then_frequency():
    # range: the 10 smallest, then their 8 largest, descending: 1, 8, 4, 10, 9, 0, 5, 7
    # langs there: zh 1,4,10,7 (4), en 9,0,5 (3), fr 8 (1) -> the two largest groups, group by group
    assert ids([rng(2, 10), freq(2)]) == [1, 4, 10, 7, 9, 0, 5]  # from Data-Juicer 1.6.1


def test_frequency_then_random():
    assert ids([freq(2), rnd(4)]) == [6, 0, 7, 5]  # from Data-Juicer 1.6.1


def test_random_then_tags_keeps_the_shuffled_order():
    tags = {"tags_specified_field_selector": {"field_key": "meta.lang", "target_tags": ["en", "fr"]}}
    assert ids([rnd(9), tags]) == [0, 6, 9, 3, 5, 2]  # from Data-Juicer 1.6.1


def test_three_selectors():
    assert ids([topk(7), rnd(5), rng(1, 4)]) == [3, 8, 4]  # from Data-Juicer 1.6.1


def test_two_topk_selectors_of_the_same_op():
    # topk 8: 6, 1, 3, 8, 4, 10, 9, 0 (9, 8, 8, 7, 6, 6, 5, 4); then the 4 smallest: 4, 5, 6, 6
    out = run_rows(ROWS, [topk(8), topk(4, reverse=False)])
    assert [r["id"] for r in out.rows] == [0, 9, 4, 10]  # from Data-Juicer 1.6.1
    assert [(op.rows_in, op.rows_out) for op in out.record.ops] == [(12, 8), (8, 4)]
    assert ids([topk(8), topk(3)]) == [6, 1, 3]  # from Data-Juicer 1.6.1
    assert ids([topk(3), topk(8)]) == [6, 1, 3]  # the second limit is above what is left


def test_ties_of_a_later_selector_follow_the_earlier_selectors_order():
    # random 5 outputs 3, 2, 6, 4, 1; all scores tie, so topk / range keep that order, not input order
    assert ids([rnd(5), topk(3)], TIES) == [3, 2, 6]  # from Data-Juicer 1.6.1
    assert ids([rnd(5), rng(1, 3)], TIES) == [3, 2]  # from Data-Juicer 1.6.1


def test_repeated_samples_are_ranked_again():
    # random 15 on 12 samples repeats the head of the shuffle, so sample 6 (score 9) comes twice
    assert ids([rnd(15), topk(5)]) == [6, 6, 3, 1, 8]  # from Data-Juicer 1.6.1
    assert ids([rnd(15), freq(1)]) == [0, 6, 9, 5, 2, 0, 6]  # from Data-Juicer 1.6.1


@pytest.mark.parametrize("np", [1, 2])
def test_order_carries_through_a_filter_and_a_mapper_between_selectors(np: int):
    # topk 8 then text_length >= 3 leaves 6, 8, 4, 9, 0; random picks 4 of them
    assert ids([topk(8), {"text_length_filter": {"min_len": 3}}, rnd(4)], np=np) == [0, 4, 9, 8]  # Data-Juicer 1.6.1
    process = [rnd(10), {"whitespace_normalization_mapper": {}}, {"text_length_filter": {"min_len": 3}}, topk(4)]
    assert ids(process, np=np) == [6, 4, 9, 0]  # from Data-Juicer 1.6.1
