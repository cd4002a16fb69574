"""One module per screen; each screen's styles live in tui/styles/<name>.tcss."""
