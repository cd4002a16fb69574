"""Widgets of the wizard (tui/screens/wizard): fit bars, the step bar, a path suggester."""
