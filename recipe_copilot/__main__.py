"""``python -m recipe_copilot`` is the ``copilot`` command."""

from recipe_copilot.copilot.cli import main

main()
