"""Goals: the rules' reading of a request, and grounding a model's goals in the request's words."""

from __future__ import annotations

from recipe_copilot.copilot.agent.goals import Goals, ground, parse_goals


def test_rules_split_needs_and_find_constraints():
    goals = parse_goals("Remove documents with fewer than 20 words, drop exact duplicates and keep English")
    assert goals.needs == ["Remove documents with fewer than 20 words", "drop exact duplicates", "keep English"]
    assert goals.min_words == 20 and goals.language == "en" and goals.dedup


def test_invented_needs_and_numbers_are_dropped():
    said = "remove very short documents and exact duplicates"
    model = Goals(needs=["drop short documents", "fix the drop-down menu", "translate to French"],
                  min_words=50, language="fr", dedup=False)
    grounded = ground(model, said)
    assert grounded is not None
    assert grounded.needs == ["drop short documents"]
    assert grounded.min_words is None and grounded.language is None and grounded.dedup
    assert ground(Goals(needs=["translate everything"]), said) is None


def test_an_explanation_is_shown_only_when_grounded_in_the_facts():
    from recipe_copilot.copilot.agent.guided import grounded

    facts = ["text_length_filter (min_len=84): kept 473 of 500", "overall: 456 of 500 sample rows kept (91%)"]
    request = "remove very short documents and exact duplicates"
    assert grounded("Short documents go: 456 of 500 rows stay (91%).", facts, request)
    assert not grounded("It removed 120 of the original 200 recipes.", facts, request)
    assert not grounded("Remove very short documents and exact duplicates.", facts, request)
    assert not grounded("", facts, request)
    loop = "The user wants short documents gone. " * 3
    assert not grounded(loop, facts, request)  # a model caught in a loop
    assert grounded("The user wants short documents gone. Then 456 of 500 rows stay.", facts, request)
