"""Composite widgets shared by screens (one module per widget)."""
