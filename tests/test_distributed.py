"""More than one process on an existing engine: real `tunewiz train` runs through torchrun on the CPU
(gloo) with the tiny model, two "nodes" on 127.0.0.1, a killed rank, the generated FSDP / DeepSpeed
configs, the Slurm script, and the estimator's sharding."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import REPO, events_of, memorise_rows, write_jsonl
from engine.events import read_events
from engine.launch import wait_for_end
from engine.runs import pid_alive, read_status, run_info
from engine.train.distributed import this_host_address

TUNEWIZ = [sys.executable, "-m", "tui.cli"]


def tunewiz(*args: str, cwd: Path | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(TUNEWIZ + list(args), capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(REPO / "src")})


def write_config(folder: Path, model_dir: Path, **overrides) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = write_jsonl(folder / "train.jsonl", memorise_rows(32))
    config = {"model": str(model_dir), "method": "lora", "data": str(data), "runs_dir": str(folder / "runs"),
              "max_steps": 4, "batch_size": 2, "grad_accum": 1, "learning_rate": 5e-3, "max_length": 64,
              "eval_split": 0, "gradient_checkpointing": False, "save_steps": 2, "lora": {"r": 8, "alpha": 16},
              "nproc_per_node": 2}
    config.update(overrides)
    path = folder / "run.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def end_leftovers(*pids: int) -> None:
    """A failing test must not leave trainers behind: SIGKILL the processes it started, if alive."""
    for pid in pids:
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory, tiny_model_dir):
    folder = tmp_path_factory.mktemp("two-processes")
    result = tunewiz("train", str(write_config(folder, tiny_model_dir, name="pair")))
    assert result.returncode == 0, result.stdout + result.stderr
    return Path(result.stdout.strip().splitlines()[-1]), result


def test_two_processes_train_one_run_and_only_rank_0_writes_it(two_process_run):
    run_dir, result = two_process_run
    events = events_of(run_dir)
    starts = [e for e in events if e["type"] == "start"]
    assert len(starts) == 1 and starts[0]["world_size"] == 2
    assert [e["step"] for e in events if e["type"] == "step"] == [1, 2, 3, 4]  # once each, not once per rank
    assert [e["type"] for e in events].count("end") == 1 and events[-1]["status"] == "completed"
    messages = [e["message"] for e in events if e["type"] == "log"]
    assert sum(m.startswith("read 32 examples") for m in messages) == 1
    log = (run_dir / "train.log").read_text()
    assert "[info] [rank 1] read 32 examples" in log  # rank 1 ran; it prints, it does not write events
    # tunewiz's pid is the supervisor's (python -m engine.train.run RUN), not a rank's: its death is the run's.
    status = read_status(run_dir)
    ranks = {r: json.loads((run_dir / "ranks" / f"rank-{r}.json").read_text()) for r in (0, 1)}
    assert status["state"] == "completed" and status["pid"] not in {ranks[0]["pid"], ranks[1]["pid"]}
    assert [ranks[r]["outcome"] for r in (0, 1)] == ["completed", "completed"]
    launch = (run_dir / "launch.sh").read_text()
    assert "-m torch.distributed.run --nnodes=1 --nproc-per-node=2" in launch and " --worker" in launch
    assert (run_dir / "adapter" / "adapter_model.safetensors").is_file()
    assert f"trainer pid {status['pid']}" in result.stderr


def test_step_events_sum_every_ranks_tokens_and_list_every_ranks_memory(two_process_run):
    run_dir, _ = two_process_run
    events = events_of(run_dir)
    start = next(e for e in events if e["type"] == "start")
    per_row = start["dataset_tokens"] // start["dataset_rows"]  # identical rows: one length
    for step in (e for e in events if e["type"] == "step"):
        assert step["tokens"] == 2 * 2 * per_row  # two ranks x batch 2 (rank 0 alone would be half)
        assert step["gpu_mem_per_rank_gb"] == [None, None]  # CPU: no GPU figure invented, one per rank
    assert any(e["type"] == "log" and e["message"].startswith("2 processes training: DDP") for e in events)
    # coded, so `tunewiz --lang zh watch` says it in Chinese
    sharding = next(e for e in events if e["type"] == "log" and e.get("code") == "processes-training")
    assert sharding["params"] == {"world_size": 2, "what": {"code": "log.part.sharding-ddp", "params": {}}}


def test_two_nodes_on_one_machine_train_one_run(tmp_path, tiny_model_dir):
    config = write_config(tmp_path, tiny_model_dir, nnodes=2, nproc_per_node=1, master_port=free_port(),
                          max_steps=3)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    first = subprocess.Popen(TUNEWIZ + ["train", str(config), "--set", "name=node0"], env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    second = subprocess.Popen(TUNEWIZ + ["train", str(config), "--set", "name=node1", "--node-rank", "1",
                                         "--master-addr", "127.0.0.1"], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out0, err0 = first.communicate(timeout=240)
    out1, err1 = second.communicate(timeout=60)
    assert first.returncode == 0 and second.returncode == 0, err0 + err1
    # Node 0 says what to run on the other node: this machine's address, as others reach it, not 127.0.0.1.
    pasted = re.search(r"^  tunewiz train (\S+) --set name=node0 --node-rank 1 --master-addr (\S+)$", err0, re.M)
    assert pasted and pasted[1] == str(config) and pasted[2] == this_host_address(), err0
    node0, node1 = Path(out0.strip().splitlines()[-1]), Path(out1.strip().splitlines()[-1])
    events = events_of(node0)
    assert next(e for e in events if e["type"] == "start")["world_size"] == 2
    assert [e["step"] for e in events if e["type"] == "step"] == [1, 2, 3] and events[-1]["status"] == "completed"
    # Node 1's run directory records its own process and ending; the steps are node 0's to report.
    other = events_of(node1)
    assert not [e for e in other if e["type"] in ("start", "step")] and other[-1]["status"] == "completed"
    assert read_status(node1)["state"] == "completed"
    assert "--node-rank=1 --master-addr=127.0.0.1" in (node1 / "launch.sh").read_text()


def test_a_killed_rank_ends_the_run_failed_naming_that_rank(tmp_path, tiny_model_dir, request):
    config = write_config(tmp_path, tiny_model_dir, max_steps=100_000, save_steps=100_000)
    result = tunewiz("train", str(config), "--detach")
    run_dir = Path(result.stdout.strip().splitlines()[-1])
    deadline = time.monotonic() + 120
    while not [e for e in read_events(run_dir / "events.jsonl") if e["type"] == "step"]:
        assert time.monotonic() < deadline, (run_dir / "train.log").read_text()[-3000:]
        time.sleep(0.5)
    rank1 = json.loads((run_dir / "ranks" / "rank-1.json").read_text())
    rank0 = json.loads((run_dir / "ranks" / "rank-0.json").read_text())
    supervisor = read_status(run_dir)["pid"]
    request.addfinalizer(lambda: end_leftovers(supervisor, rank0["pid"], rank1["pid"]))
    os.kill(rank1["pid"], signal.SIGKILL)
    killed = time.monotonic()
    assert wait_for_end(run_dir, timeout=60, poll=0.2) == "failed"
    assert time.monotonic() - killed < 60  # torchrun ends the others: no wait for a collective timeout
    end = events_of(run_dir)[-1]
    assert end["type"] == "end" and end["status"] == "failed"
    assert f"rank 1 (pid {rank1['pid']}) was killed by SIGKILL" in end["error"], end
    assert "out-of-memory killer" in end["advice"] and f"tunewiz resume {run_dir.name}" in end["advice"]
    deadline = time.monotonic() + 20
    while pid_alive(rank0["pid"]) or pid_alive(supervisor):
        assert time.monotonic() < deadline, "a rank or the supervisor outlived the run"
        time.sleep(0.2)
    assert run_info(run_dir).state == "failed"


def test_killing_the_supervisor_takes_every_rank_down(tmp_path, tiny_model_dir, request):
    config = write_config(tmp_path, tiny_model_dir, max_steps=100_000, save_steps=100_000)
    run_dir = Path(tunewiz("train", str(config), "--detach").stdout.strip().splitlines()[-1])
    deadline = time.monotonic() + 120
    while not all((run_dir / "ranks" / f"rank-{r}.json").is_file() for r in (0, 1)):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    ranks = [json.loads((run_dir / "ranks" / f"rank-{r}.json").read_text())["pid"] for r in (0, 1)]
    request.addfinalizer(lambda: end_leftovers(*ranks))
    os.kill(read_status(run_dir)["pid"], signal.SIGKILL)
    # The ranks stop at their next micro-batch; on a loaded 2-CPU machine a step can take many seconds.
    deadline = time.monotonic() + 60
    while any(pid_alive(pid) for pid in ranks):  # torchrun dies with the supervisor, the ranks with torchrun
        assert time.monotonic() < deadline, "ranks kept training after the supervisor died"
        time.sleep(0.2)
    assert run_info(run_dir).state == "crashed"


# -- generated files ---------------------------------------------------------------------------------
def test_fsdp_and_deepspeed_configs_are_written_and_read_by_the_trainer_arguments(tmp_path):
    from transformers import TrainingArguments

    from engine.train.config import parse_config
    from engine.train.distributed import training_arguments, write_launch_files

    config = parse_config({"distributed": "fsdp", "nproc_per_node": 4, "collective_timeout": 120})
    written = write_launch_files(tmp_path, config)
    assert sorted(p.name for p in written) == ["fsdp_config.json", "launch.sh"]
    extra = training_arguments(config, tmp_path)
    assert extra == {"ddp_timeout": 120, "fsdp": True, "fsdp_config": str(tmp_path / "fsdp_config.json")}
    args = TrainingArguments(output_dir=str(tmp_path / "out"), use_cpu=True, report_to=[], **extra)
    # What accelerate's FSDP plugin is built from: FSDP2, every decoder block wrapped, full sharding.
    assert args.fsdp_plugin_args["fsdp_version"] == 2
    assert args.fsdp_plugin_args["auto_wrap_policy"] == "TRANSFORMER_BASED_WRAP"
    assert args.fsdp_plugin_args["reshard_after_forward"] is True and args.ddp_timeout == 120

    for stage in (2, 3):
        config = parse_config({"distributed": "deepspeed", "deepspeed_stage": stage, "nproc_per_node": 2,
                               "nnodes": 2, "node_rank": 1})
        folder = tmp_path / f"zero{stage}"
        folder.mkdir()
        write_launch_files(folder, config)
        ds = json.loads((folder / "deepspeed_config.json").read_text())
        assert ds["zero_optimization"]["stage"] == stage
        assert ("stage3_gather_16bit_weights_on_model_save" in ds["zero_optimization"]) == (stage == 3)
        assert ds["train_micro_batch_size_per_gpu"] == "auto"  # the TrainingArguments decide, never two sources
        extra = training_arguments(config, folder)
        assert extra["deepspeed"] == str(folder / "deepspeed_config.json") and extra["save_on_each_node"] is True
        assert "--nnodes=2 --nproc-per-node=2" in (folder / "launch.sh").read_text()


def test_a_node_rank_outside_the_nodes_is_refused_by_name(tmp_path, tiny_model_dir):
    config = write_config(tmp_path, tiny_model_dir, nnodes=2)
    result = tunewiz("train", str(config), "--node-rank", "2", "--master-addr", "10.0.0.7")
    assert result.returncode == 2 and "node_rank" in result.stderr and "below nnodes (2)" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "runs").exists()


def test_the_slurm_script_starts_one_tunewiz_per_node_with_its_rank(tmp_path, tiny_model_dir):
    config = write_config(tmp_path / "cfg", tiny_model_dir, nnodes=2, nproc_per_node=4, name="job")
    result = tunewiz("train", str(config), "--emit", "slurm", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    script = Path(result.stdout.strip().splitlines()[-1])
    assert script == tmp_path / "job.sbatch" and f"sbatch {script}" in result.stderr
    assert not (tmp_path / "cfg" / "runs").exists()  # nothing trains here
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    text = script.read_text()
    assert "#SBATCH --nodes=2\n" in text and "#SBATCH --gpus-per-node=4\n" in text
    # Run the script with stand-ins for srun and scontrol that print each node's command instead of training.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "scontrol").write_text("#!/bin/sh\nprintf 'gpu-a\\ngpu-b\\n'\n")
    (bin_dir / "srun").write_text('#!/bin/bash\nline="${@: -1}"\nfor id in 0 1; do\n'
                                  '  SLURM_NODEID=$id SLURM_JOB_NUM_NODES=2 bash -c "${line/exec /printf \'%s\\\\n\' }"\n'
                                  '  echo ---\ndone\n')
    for tool in ("scontrol", "srun"):
        (bin_dir / tool).chmod(0o755)
    ran = subprocess.run(["bash", str(script)], capture_output=True, text=True,
                         env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "SLURM_JOB_NODELIST": "gpu-[a-b]"})
    assert ran.returncode == 0, ran.stderr
    node0, node1 = [block.strip().splitlines() for block in ran.stdout.split("---")[:2]]
    for rank, argv in ((0, node0), (1, node1)):
        assert argv[:5] == [sys.executable, "-m", "tui.cli", "train", str(config)]
        assert argv[argv.index("--node-rank") + 1] == str(rank)
        assert argv[argv.index("--master-addr") + 1] == "gpu-a"
        sets = [argv[i + 1] for i, a in enumerate(argv) if a == "--set"]
        assert "nnodes=2" in sets and "nproc_per_node=4" in sets and "master_port=29500" in sets
        assert ("name=job" if rank == 0 else "name=job-node1") in sets


# -- how a run ends, from the ranks' records -----------------------------------------------------------
def test_a_collective_timeout_is_explained_and_an_oom_on_any_rank_wins(tmp_path):
    from engine.train.config import parse_config
    from engine.train.distributed import ending_of, write_rank_file

    config = parse_config({"nproc_per_node": 2, "collective_timeout": 600})
    write_rank_file(tmp_path, 0, rank=0, pid=10, outcome="failed", communication=True, ended_at=2.0,
                    error="DistBackendError: [Rank 0] Watchdog caught collective operation timeout")
    write_rank_file(tmp_path, 1, rank=1, pid=11, outcome="failed", communication=True, ended_at=1.0,
                    error="DistBackendError: Connection closed by peer")
    status, error, advice, _ = ending_of(config, tmp_path, 1, False)
    assert status == "failed" and "collective_timeout (600 s)" in advice and "raise collective_timeout" in advice
    write_rank_file(tmp_path, 1, outcome="oom", communication=False, error="CUDA out of memory",
                    advice="lower batch_size", fields={"retry_settings": {"batch_size": 1}})
    assert ending_of(config, tmp_path, 1, False) == ("oom", "rank 1: CUDA out of memory", "lower batch_size",
                                                    {"retry_settings": {"batch_size": 1}})


# -- the estimator ---------------------------------------------------------------------------------------
def test_sharding_divides_what_each_strategy_shards_by_the_world_size():
    from engine.catalog import get_model
    from engine.memory import EstimateError, estimate

    spec = get_model("Qwen/Qwen2.5-7B-Instruct")
    one = estimate(spec, "full", 2048, 1)
    ddp = estimate(spec, "full", 2048, 1, sharding="ddp", world_size=8)
    zero2 = estimate(spec, "full", 2048, 1, sharding="zero2", world_size=8)
    assert ddp.breakdown == one.breakdown  # DDP: a whole copy of everything on every GPU
    assert zero2.breakdown["weights"] == one.breakdown["weights"]
    for term in ("gradients", "optimizer"):
        assert zero2.breakdown[term] == pytest.approx(one.breakdown[term] / 8, abs=0.002)
    for sharding in ("zero3", "fsdp"):
        full = estimate(spec, "full", 2048, 1, sharding=sharding, world_size=8)
        for term in ("gradients", "optimizer"):
            assert full.breakdown[term] == pytest.approx(one.breakdown[term] / 8, abs=0.002)
        # The weights too, plus the block (or embedding) gathered to compute: well under a whole copy.
        assert one.breakdown["weights"] / 8 < full.breakdown["weights"] < one.breakdown["weights"] / 4
        assert full.total_gb < zero2.total_gb < one.total_gb
    assert estimate(spec, "full", 2048, 1, vram_gb=40).fits is False  # a 7B full SFT on one 40 GB GPU: no
    assert estimate(spec, "full", 2048, 1, vram_gb=40, sharding="fsdp", world_size=8).fits is True  # on eight: yes
    with pytest.raises(EstimateError, match="world_size"):
        estimate(spec, "full", 2048, 1, sharding="fsdp", world_size=0)
    with pytest.raises(EstimateError, match="sharding 'zero4'"):
        estimate(spec, "full", 2048, 1, sharding="zero4", world_size=2)
