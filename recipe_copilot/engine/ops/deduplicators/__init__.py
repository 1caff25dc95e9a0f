"""Ops of this kind, one per module; see recipe_copilot.engine.ops."""
