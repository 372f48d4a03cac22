"""A small Dungeons & Dragons module: reproducible dice and thread-safe characters."""

from pyo3_showcase._native import Character, roll_dice

__all__ = ["Character", "roll_dice"]
