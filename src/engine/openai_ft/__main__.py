"""`python -m engine.openai_ft RUN_DIR`: the detached follower of a run's job (follow.main)."""
import sys

from engine.openai_ft.follow import main

if __name__ == "__main__":
    sys.exit(main())
