"""The seam the agent tests stand on: LangChain's create_agent, over chat_model(), against the fake server."""

from __future__ import annotations

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import tool

from recipe_copilot.copilot.llm import FakeOpenAIServer, FakeReply, FakeToolCall, chat_model
from recipe_copilot.copilot.settings import LLMSettings

CALLS: list[dict] = []


@tool
def search_ops(query: str) -> str:
    """Find ops whose description matches the query."""
    CALLS.append({"query": query})
    return "document_minhash_deduplicator: drops near-duplicate documents"


def test_agent_runs_scripted_tool_calls() -> None:
    CALLS.clear()
    script = [
        FakeReply(tool_calls=[FakeToolCall("search_ops", {"query": "dedup"})]),
        FakeReply(tool_calls=[FakeToolCall("search_ops", {"query": "near duplicates"})]),
        "Add document_minhash_deduplicator to the recipe.",
    ]
    with FakeOpenAIServer(script) as server:
        model = chat_model(LLMSettings(base_url=server.base_url, model=server.model, max_retries=0))
        agent = create_agent(model, [search_ops], system_prompt="You build data recipes.")
        state = agent.invoke({"messages": [("user", "drop near-duplicates")]})
        requests = server.chat_requests
    final = state["messages"][-1]
    assert isinstance(final, AIMessage) and final.content == "Add document_minhash_deduplicator to the recipe."
    assert CALLS == [{"query": "dedup"}, {"query": "near duplicates"}]
    assert len(requests) == 3 and all(r.tool_names == ["search_ops"] for r in requests)
    assert requests[0].messages[0] == {"role": "system", "content": "You build data recipes."}
    tool_results = [m for m in state["messages"] if isinstance(m, ToolMessage)]
    assert [m.tool_call_id for m in tool_results] == [m["tool_calls"][0]["id"] for m in
                                                       (r.messages[-2] for r in requests[1:])]
    last_sent = requests[2].messages[-1]
    assert last_sent["role"] == "tool" and last_sent["content"].startswith("document_minhash_deduplicator")
