"""tunewiz front ends: the command line and the Textual app. Talks to `engine` only through its
public functions and the run directory. Never imports torch at start-up."""
