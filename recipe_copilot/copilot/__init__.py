"""The copilot: agent, LLM providers, sessions, and the front doors (CLI, API, web, Slack)."""
