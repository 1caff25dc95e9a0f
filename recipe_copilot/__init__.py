"""recipe-copilot: build, check and run Data-Juicer-style data recipes."""

__version__ = "0.1.0"
