"""A stand-in trainer for UI tests of stopping: `python tests/monitor_fake_trainer.py engine.train.run RUN_DIR`.

It speaks the run-directory protocol of the real one (status.json with its pid, a step event every
0.1 s; SIGTERM → `stopping`, a checkpoint event and folder, then `end stopped`), without loading
torch, so a stop can be tested in a second. The `engine.train.run` argument is there because
`engine.launch.request_stop` only signals processes whose command line says they are trainers.
"""
from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from monitor_synth import SyntheticRun  # noqa: E402


def main() -> None:
    run_dir = Path(sys.argv[2])
    run = SyntheticRun(run_dir.parent, run_dir.name)  # status: running, pid = this process
    stop = {"requested": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__("requested", True))
    run.start(total_steps=10_000)
    step = 0
    while step < 10_000:
        step += 1
        run.step(step)
        if stop["requested"]:
            run.status(state="stopping")
            folder = run.dir / "checkpoints" / f"checkpoint-{step}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "trainer_state.json").write_text("{}")
            run.writer.write("checkpoint", step=step, path=str(folder))
            run.end("stopped", None, f"Stopped on request after a checkpoint; continue with `tunewiz resume {run.dir.name}`.")
            return
        time.sleep(0.1)
    run.end("completed")


if __name__ == "__main__":
    main()
