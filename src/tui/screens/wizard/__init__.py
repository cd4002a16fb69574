"""The wizard screens (one module per step); the app opens `WizardScreen`."""
from tui.screens.wizard.flow import WizardScreen

__all__ = ["WizardScreen"]
