"""The data engine: recipes, ops, readers/writers, planner and executors."""
