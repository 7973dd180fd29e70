"""Presentation layer: plots, maps and widget explorers (each widget a plain, tested function)."""
