"""tunewiz engine: headless logic. Never imports textual; heavy libraries (torch, transformers)
are imported inside the functions that need them so importing the engine stays fast."""
