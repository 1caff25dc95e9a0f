"""The keyword half of the hybrid ranking, on its own."""

from __future__ import annotations

from recipe_copilot.knowledge.ranking import KeywordScorer, blend, stem, words

OPS = {
    "op:document_minhash_deduplicator": "document_minhash_deduplicator",
    "op:document_deduplicator": "document_deduplicator",
    "op:text_length_filter": "text_length_filter",
    "op:clean_email_mapper": "clean_email_mapper",
}
PARAMS = {
    "op:document_minhash_deduplicator": ["window_size", "jaccard_threshold"],
    "op:text_length_filter": ["min_len", "max_len"],
}


def test_words_split_identifiers_and_any_script():
    assert words("document_minhash_deduplicator, Near-Duplicate 中文") == [
        "document", "minhash", "deduplicator", "near", "duplicate", "中文"]


def test_stem_keeps_three_letters():
    assert stem("duplicates") == "duplicat"
    assert stem("emails") == "email"
    assert stem("uses") == "use"


def test_name_match_beats_param_match_and_nothing_matches_nothing():
    scores = KeywordScorer(OPS, PARAMS).score("minhash")
    assert scores["op:document_minhash_deduplicator"] == 1.0
    assert scores["op:text_length_filter"] == 0.0
    jaccard = KeywordScorer(OPS, PARAMS).score("jaccard")
    assert 0 < jaccard["op:document_minhash_deduplicator"] < 1.0


def test_stems_inside_identifiers_match():
    scores = KeywordScorer(OPS, PARAMS).score("dedup near-duplicate pages")
    assert scores["op:document_minhash_deduplicator"] > 0
    assert scores["op:document_deduplicator"] > 0
    assert scores["op:clean_email_mapper"] == 0.0


def test_generic_words_do_not_count():
    """Every op acts on documents: the word tells none apart."""
    scores = KeywordScorer(OPS, PARAMS).score("documents")
    assert set(scores.values()) == {0.0}


def test_exact_name_scores_full():
    assert KeywordScorer(OPS, PARAMS).score("text_length_filter")["op:text_length_filter"] == 1.0


def test_blend_adds_weighted_keyword_score():
    assert blend({"a": 0.5, "b": 0.4}, {"b": 1.0}, keyword_weight=0.2) == {"a": 0.5, "b": 0.6000000000000001}
