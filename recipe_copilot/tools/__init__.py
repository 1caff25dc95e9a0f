"""Typed tools over the engine and the knowledge index; the agent, API and CLI call these."""
