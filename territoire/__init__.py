"""territoire: an agent-based simulation of a rural health territory."""

__version__ = "0.1.0"
