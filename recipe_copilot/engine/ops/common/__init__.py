"""Helpers shared by several ops (word splitting, word lists, character sets)."""
