"""More than one training process: torchrun, FSDP / DeepSpeed settings, two nodes, Slurm.

Nothing distributed is home-made here. `torchrun` (torch.distributed.run) starts the processes
and tears them all down when one dies; the HF Trainer does DDP, FSDP or DeepSpeed from the launcher's
environment and its TrainingArguments (`fsdp`, `fsdp_config`, `deepspeed`, `ddp_timeout`). What
tunewiz adds is what a run directory needs:

* the supervisor (`supervise`): `python -m engine.train.run RUN` is still the process tunewiz spawns
  and the `pid` in status.json. With a world of more than one it writes the launch files into the
  run directory (launch.sh, and fsdp_config.json or deepspeed_config.json), runs torchrun as its
  child, forwards a stop request to the ranks, and writes the run's `end` event itself once torchrun
  is done. The supervisor's death takes torchrun down (PR_SET_PDEATHSIG), and torchrun's death the
  ranks, so a dead `pid` always means a dead run.
* the ranks (`python -m engine.train.run RUN --worker`, started by torchrun): only rank 0 writes
  events and status (context.RunContext). Every rank records how it ended in `ranks/rank-N.json`;
  from those (and torchrun's report in train.log) the supervisor names the rank that failed first
  and its error, rather than the "connection closed" that the other ranks then see.
* per step (RankSyncCallback, installed by the trainer through RunContext.rank_callbacks): the ranks
  agree on a stop request at a step end, sum their token counts, and gather each rank's GPU memory.
* two nodes and Slurm: the command to paste on the other nodes, and an sbatch script.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import runs
from engine.train import checkpoints
from engine.train.config import RunConfig

if TYPE_CHECKING:
    from engine.train.context import RunContext

LAUNCH_SCRIPT = "launch.sh"
FSDP_FILE = "fsdp_config.json"
DEEPSPEED_FILE = "deepspeed_config.json"
RANKS_DIR = "ranks"
WORKER_FLAG = "--worker"
LAUNCHER_MODULE = "torch.distributed.run"  # `torchrun`, run with the trainer's own Python
LOOPBACK = ("127.0.0.1", "localhost", "::1")
# How a run ended: (status, error, advice, the end event's optional fields).
Ending = tuple[str, "str | None", "str | None", "dict[str, Any]"]
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class World:
    nproc_per_node: int
    nnodes: int
    node_rank: int

    @property
    def world_size(self) -> int:
        return self.nproc_per_node * self.nnodes

    @property
    def is_distributed(self) -> bool:
        return self.world_size > 1

    def global_ranks(self) -> range:
        """The global ranks of the processes on this node."""
        start = self.node_rank * self.nproc_per_node
        return range(start, start + self.nproc_per_node)


def visible_gpus() -> int:
    """GPUs this machine's trainer would see (CUDA_VISIBLE_DEVICES honoured); 0 without NVML or a GPU."""
    from engine.hardware import detect_gpus
    try:
        gpus, _note = detect_gpus()
    except Exception:  # NVML missing or broken: no GPU as far as tunewiz can tell
        return 0
    return len(gpus)


def default_nproc() -> int:
    """RunConfig.nproc_per_node when it is not set: one process per visible GPU, one without a GPU."""
    return max(1, visible_gpus())


def world_of(config: RunConfig) -> World:
    return World(nproc_per_node=config.nproc_per_node or default_nproc(), nnodes=config.nnodes,
                 node_rank=config.node_rank)


# -- what the launcher runs ------------------------------------------------------------------------
def launcher_command(config: RunConfig, run_dir: Path, resume: bool = False) -> list[str]:
    """The torchrun command line that starts this node's ranks."""
    world = world_of(config)
    cmd = [sys.executable, "-m", LAUNCHER_MODULE, f"--nnodes={world.nnodes}",
           f"--nproc-per-node={world.nproc_per_node}", "--max-restarts=0"]
    if world.nnodes == 1:
        cmd.append("--standalone")  # a rendezvous on a free local port: two runs on one machine never collide
    else:
        cmd += [f"--node-rank={world.node_rank}", f"--master-addr={config.master_addr}",
                f"--master-port={config.master_port}"]
    cmd += ["-m", runs.TRAINER_MODULE, str(run_dir), WORKER_FLAG] + (["--resume"] if resume else [])
    return cmd


def fsdp_config(config: RunConfig) -> dict[str, Any]:
    """TrainingArguments.fsdp_config (FSDP2): every decoder block its own shard unit, full sharding
    (weights, gradients and optimizer states divided by the world size), a whole model when saved."""
    return {"version": 2, "auto_wrap_policy": "TRANSFORMER_BASED_WRAP", "reshard_after_forward": True,
            "state_dict_type": "FULL_STATE_DICT", "cpu_ram_efficient_loading": False}


def deepspeed_config(config: RunConfig) -> dict[str, Any]:
    """A DeepSpeed ZeRO config in the HF Trainer's "auto" style: batch sizes, accumulation, clipping and
    precision come from the TrainingArguments, so they cannot disagree with the RunConfig."""
    zero: dict[str, Any] = {"stage": config.deepspeed_stage, "overlap_comm": True, "contiguous_gradients": True,
                            "reduce_bucket_size": "auto"}
    if config.deepspeed_stage == 3:
        zero.update({"stage3_prefetch_bucket_size": "auto", "stage3_param_persistence_threshold": "auto",
                     "stage3_gather_16bit_weights_on_model_save": True})
    return {"train_micro_batch_size_per_gpu": "auto", "train_batch_size": "auto",
            "gradient_accumulation_steps": "auto", "gradient_clipping": "auto",
            "bf16": {"enabled": "auto"}, "fp16": {"enabled": "auto"}, "zero_optimization": zero}


def training_arguments(config: RunConfig, run_dir: Path) -> dict[str, Any]:
    """The TrainingArguments a multi-process run adds (RunContext.training_arguments): the collective
    timeout, the FSDP or DeepSpeed config file written into the run directory, per-node checkpoints."""
    args: dict[str, Any] = {"ddp_timeout": config.collective_timeout}
    if config.nnodes > 1:
        args["save_on_each_node"] = True  # each node's run directory can resume without a shared disk
    if config.distributed == "fsdp":
        args.update(fsdp=True, fsdp_config=str(run_dir / FSDP_FILE))
    elif config.distributed == "deepspeed":
        args["deepspeed"] = str(run_dir / DEEPSPEED_FILE)
    return args


def write_launch_files(run_dir: Path, config: RunConfig, resume: bool = False) -> list[Path]:
    """launch.sh (the exact command, for reading) and the FSDP or DeepSpeed config the ranks use."""
    world = world_of(config)
    written = []
    if config.distributed == "fsdp":
        written.append(_write_json(run_dir / FSDP_FILE, fsdp_config(config)))
    elif config.distributed == "deepspeed":
        written.append(_write_json(run_dir / DEEPSPEED_FILE, deepspeed_config(config)))
    script = run_dir / LAUNCH_SCRIPT
    script.write_text(
        "#!/bin/sh\n"
        "# How tunewiz started this node's training processes (engine/train/distributed.py). tunewiz train and\n"
        "# tunewiz resume run it; the trainer needs PYTHONPATH to hold tunewiz's src folder.\n"
        f"# distributed: {config.distributed}; world size {world.world_size} = {world.nnodes} node(s) x "
        f"{world.nproc_per_node} process(es); this is node {world.node_rank}\n"
        f"cd {shlex.quote(str(run_dir.parent))}\n"
        f"exec {shlex.join(launcher_command(config, run_dir, resume))}\n", encoding="utf-8")
    written.append(script)
    return written


def _write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, indent=1) + "\n", encoding="utf-8")
    return path


# -- two nodes and Slurm -----------------------------------------------------------------------------
def this_host_address() -> str:
    """This machine's address as other machines on its network likely reach it (a guess: check it)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))  # UDP: nothing is sent, the kernel only picks a route
            address = probe.getsockname()[0]
            if not address.startswith("127."):
                return address
    except OSError:
        pass
    return socket.gethostname()


def other_node_commands(config: RunConfig, config_path: str | None, overrides: list[str]) -> list[str]:
    """What to paste on every other node (node_rank 1..nnodes-1) of a run started here on node 0."""
    master = config.master_addr if config.master_addr not in LOOPBACK else this_host_address()
    base = ["tunewiz", "train"] + ([config_path] if config_path else [])
    for item in overrides:
        base += ["--set", item]
    return [shlex.join(base + ["--node-rank", str(rank), "--master-addr", master])
            for rank in range(1, config.nnodes)]


SLURM_SETS = ("runs_dir", "name", "nproc_per_node", "nnodes", "node_rank", "master_addr", "master_port")


def slurm_script(config: RunConfig, config_path: str, overrides: list[str], name: str) -> str:
    """An sbatch script: one task per node, each running `tunewiz train CONFIG --node-rank $SLURM_NODEID
    --master-addr <the job's first node>` (which starts that node's torchrun). Node k's run directory is
    `<name>-node<k>`; node 0's (`<name>`) holds the run's events and the final model."""
    world = world_of(config)
    gpus = config.nproc_per_node or max(1, visible_gpus())
    runs_dir = str(Path(config.runs_dir).expanduser().resolve())
    tunewiz = [sys.executable, "-m", "tui.cli", "train", str(Path(config_path).resolve())]
    for item in overrides:
        if item.split("=", 1)[0].strip() not in SLURM_SETS:  # the script sets these itself
            tunewiz += ["--set", item]
    src = str(Path(__file__).resolve().parents[2])
    line = (f"{shlex.join(tunewiz)} --set runs_dir={shlex.quote(runs_dir)} "
            f"--set name={name}$([ \"$SLURM_NODEID\" = 0 ] || echo -node$SLURM_NODEID) "
            f"--set nproc_per_node={gpus} --set nnodes=$SLURM_JOB_NUM_NODES --set master_port=$MASTER_PORT "
            "--node-rank \"$SLURM_NODEID\" --master-addr \"$MASTER_ADDR\"")
    return (
        "#!/bin/bash\n"
        f"# tunewiz: {world.nnodes} node(s) x {gpus} GPU(s), distributed: {config.distributed}. Submit with: sbatch THIS_FILE\n"
        "# Each node runs tunewiz train, which starts torchrun there:\n"
        f"#   torchrun --nnodes=$SLURM_JOB_NUM_NODES --nproc-per-node={gpus} --node-rank=$SLURM_NODEID "
        "--master-addr=$MASTER_ADDR --master-port=$MASTER_PORT -m engine.train.run RUN_DIR --worker\n"
        f"#SBATCH --job-name={name}\n"
        f"#SBATCH --nodes={world.nnodes}\n"
        "#SBATCH --ntasks-per-node=1\n"
        f"#SBATCH --gpus-per-node={gpus}\n"
        f"#SBATCH --output={runs_dir}/{name}-slurm-%j.out\n"
        "set -euo pipefail\n"
        "MASTER_ADDR=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)\n"
        f"export MASTER_ADDR MASTER_PORT={config.master_port}\n"
        f"export PYTHONPATH={shlex.quote(src)}${{PYTHONPATH:+:$PYTHONPATH}}\n"
        "# --kill-on-bad-exit: when one node's run fails, Slurm ends the others instead of leaving them waiting.\n"
        f"srun --kill-on-bad-exit=1 --ntasks-per-node=1 bash -c {shlex.quote('exec ' + line)}\n")


# -- the ranks ---------------------------------------------------------------------------------------
def rank_file(run_dir: Path, rank: int) -> Path:
    return run_dir / RANKS_DIR / f"rank-{rank}.json"


def write_rank_file(run_dir: Path, which: int, **fields: Any) -> None:
    """Merges `fields` into ranks/rank-<which>.json (atomic): what one rank was and how it ended."""
    path = rank_file(run_dir, which)
    path.parent.mkdir(exist_ok=True)
    record = read_rank_file(path) or {}
    record.update(fields)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False))
    os.replace(tmp, path)


def read_rank_file(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text())
        return value if isinstance(value, dict) else None
    except (OSError, ValueError, RecursionError):
        return None


def _die_with_parent(sig: int) -> None:
    """Linux: deliver `sig` to this process when its parent dies (no-op elsewhere)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def prepare_worker(ctx: "RunContext") -> None:
    """A rank's first steps: die with torchrun, pick its GPU, join the process group with the
    collective timeout, and record itself in ranks/rank-N.json."""
    _die_with_parent(signal.SIGKILL)  # torchrun gone: the run is over, nothing to checkpoint into
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    write_rank_file(ctx.run_dir, ctx.rank, rank=ctx.rank, local_rank=local_rank, host=socket.gethostname(),
                    pid=os.getpid(), started_at=time.time(), outcome=None, error=None)
    from datetime import timedelta

    import torch
    import torch.distributed as dist
    backend = "gloo"
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)  # the trainer loads the model on the current device
        backend = "nccl"
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, timeout=timedelta(seconds=ctx.config.collective_timeout))


def record_rank_ending(ctx: "RunContext", status: str, error: str | None, advice: str | None,
                       exc: BaseException | None, fields: dict[str, Any] | None = None) -> None:
    """A rank's ending goes to ranks/rank-N.json (`fields`: the end event's optional ones, such as an
    OOM's retry_settings); the supervisor writes the run's `end` event from every rank's record."""
    write_rank_file(ctx.run_dir, ctx.rank, outcome=status, error=error, advice=advice, ended_at=time.time(),
                    communication=exc is not None and is_communication_error(exc), fields=fields or {})
    try:
        import torch.distributed as dist
        if status in ("completed", "stopped") and dist.is_initialized():
            dist.destroy_process_group()
    except Exception:  # leaving is best effort; the process exits next
        pass


COMMUNICATION = re.compile(r"nccl|gloo|connection (?:closed|reset|refused)|broken pipe|timed? ?out|"
                           r"collective|watchdog|socket|peer", re.IGNORECASE)


def is_communication_error(exc: BaseException) -> bool:
    """Whether a rank failed because another one did (a collective that broke or timed out)."""
    if type(exc).__name__ in ("DistBackendError", "DistNetworkError", "DistStoreError", "DistError"):
        return True
    return bool(COMMUNICATION.search(f"{type(exc).__name__}: {exc}"))


def coded(status: str, code: str, **params: Any) -> Ending:
    """The ending `code` (engine.train.end_messages: `end.<code>` and `end.<code>.advice` from `params`)."""
    from engine.train.end_messages import ending
    error, advice, fields = ending(code, **params)
    return status, error.text if error else None, advice.text if advice else None, fields


# -- per step: stop agreement, global tokens, every rank's memory -------------------------------------
def RankSyncCallback(ctx: "RunContext", counter: Any) -> Any:  # noqa: N802 - a class, made lazily
    """A TrainerCallback for multi-process runs, added before the event callback: at every step end
    the ranks agree on a stop request (one all-reduce), and at every step log they sum their token
    and row counts into `counter` (so the event callback's tokens and rates are the run's, not rank
    0's) and gather each rank's GPU memory into ctx.rank_figures."""
    import torch
    import torch.distributed as dist
    from transformers import TrainerCallback

    class _RankSync(TrainerCallback):
        def __init__(self) -> None:
            self.synced_tokens = 0
            self.synced_samples = 0
            ctx.stop.synced = True

        def on_train_begin(self, args, state, control, model=None, **kwargs):
            what, as_asked = sharding_of(model, ctx.config)
            ctx.notice("processes-training", "info" if as_asked else "warning", world_size=args.world_size, what=what)

        def _agree(self, args) -> None:
            flag = torch.tensor([1 if ctx.stop.pending else 0], device=args.device)
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
            ctx.stop.agree(bool(flag.item()))

        def on_step_end(self, args, state, control, **kwargs):
            self._agree(args)

        def on_substep_end(self, args, state, control, **kwargs):
            self._agree(args)

        def on_log(self, args, state, control, logs=None, **kwargs):
            if not logs or "loss" not in logs or "eval_loss" in logs:
                return
            local = torch.tensor([counter.tokens - self.synced_tokens, counter.samples - self.synced_samples],
                                 dtype=torch.float64, device=args.device)
            dist.all_reduce(local)
            counter.tokens = self.synced_tokens = self.synced_tokens + int(local[0].item())
            counter.samples = self.synced_samples = self.synced_samples + int(local[1].item())
            reserved = torch.cuda.memory_reserved() / 2**30 if torch.cuda.is_available() else -1.0
            mine = torch.tensor([reserved], dtype=torch.float64, device=args.device)
            every = [torch.zeros_like(mine) for _ in range(dist.get_world_size())]
            dist.all_gather(every, mine)
            ctx.rank_figures["gpu_mem_per_rank_gb"] = [round(v.item(), 3) if v.item() >= 0 else None for v in every]

    return _RankSync()


def sharding_of(model: Any, config: RunConfig) -> tuple[dict[str, Any], bool]:
    """What the processes hold, read from the model the trainer prepared (not from the config), as a part
    (engine.message_parts: `log.part.sharding-*`), and whether that is what the config asked for."""
    from engine.message_parts import part
    try:
        from torch.distributed.fsdp import FSDPModule
        sharded = sum(isinstance(m, FSDPModule) for m in model.modules()) if model is not None else 0
    except ImportError:
        sharded = 0
    if sharded:
        return part("log.part.sharding-fsdp", modules=sharded), config.distributed == "fsdp"
    if config.distributed == "deepspeed":
        return part("log.part.sharding-deepspeed", stage=config.deepspeed_stage), True
    if config.distributed == "fsdp":
        return part("log.part.sharding-fsdp-unsharded"), False
    return part("log.part.sharding-ddp"), True


# -- the supervisor ---------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == str(pid):
            found.append(int(entry.name))
    return found


def _signalled_pids(log_text: str) -> dict[int, str]:
    """torchrun's report of ranks killed by a signal: pid -> signal name."""
    return {int(pid): name for _num, name, pid in
            re.findall(r"Signal (\d+) \((SIG\w+)\) received by PID (\d+)", log_text)}


def supervise(ctx: "RunContext", resume: bool) -> Ending:
    """Runs this node's ranks through torchrun and returns the run's ending."""
    config, run_dir = ctx.config, ctx.run_dir
    world = world_of(config)
    for old in (run_dir / RANKS_DIR).glob("rank-*.json"):
        old.unlink()  # a resume's ranks report afresh
    files = write_launch_files(run_dir, config, resume)
    command = launcher_command(config, run_dir, resume)
    ctx.notice("distributed-world", "info", world_size=world.world_size, nnodes=world.nnodes,
               nproc=world.nproc_per_node, distributed=config.distributed, files=[p.name for p in files])
    ctx.notice("distributed-launching", "info", command=shlex.join(command))
    if world.node_rank > 0:
        ctx.notice("distributed-other-node", "info", node=world.node_rank, nnodes=world.nnodes,
                   master=config.master_addr)
    if config.distributed != "ddp" and not visible_gpus():
        ctx.notice("distributed-cpu-shards", distributed=config.distributed)
    log_path = run_dir / runs.LOG_FILE
    log_start = log_path.stat().st_size if log_path.exists() else 0
    sys.stdout.flush()
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // world.nproc_per_node)))
    started: list[subprocess.Popen] = []

    def forward_stop(signum: int, frame: Any) -> None:
        ctx.stop.requested = True
        ctx.stop.signal_name = signal.Signals(signum).name
        for launcher in started:
            for pid in _children(launcher.pid) or [launcher.pid]:  # before the ranks exist, torchrun ends start-up
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, forward_stop)
    if ctx.stop.requested:  # asked before torchrun started: nothing to start
        return ending_of(config, run_dir, 1, True)
    launcher = subprocess.Popen(command, stdin=subprocess.DEVNULL, env=env, cwd=str(run_dir.parent),
                                preexec_fn=lambda: _die_with_parent(signal.SIGTERM))
    started.append(launcher)
    if ctx.stop.requested:  # asked while it started
        forward_stop(signal.SIGTERM, None)
    if world.node_rank > 0:
        ctx.status(state="running")  # no rank 0 here to say so
    returncode = launcher.wait()
    # Every rank has exited: a checkpoint left half-written in the staging folder (a full disk, a killed
    # rank) is never resumed from, so it goes (a rank does not delete it: another may still write into it).
    checkpoints.remove_staging(checkpoints.staging_dir(run_dir / runs.CHECKPOINTS_DIR))
    try:
        with open(log_path, "rb") as handle:
            handle.seek(log_start)
            log_text = handle.read().decode("utf-8", "replace")
    except OSError:
        log_text = ""
    return ending_of(config, run_dir, returncode, ctx.stop.requested, log_text)


def ending_of(config: RunConfig, run_dir: Path, returncode: int, stop_requested: bool,
              log_text: str = "") -> Ending:
    """The run's ending from its ranks' records (ranks/rank-N.json) and torchrun's exit code and report."""
    world = world_of(config)
    records = {rank: read_rank_file(rank_file(run_dir, rank)) for rank in world.global_ranks()}
    first = records.get(world.node_rank * world.nproc_per_node) or {}
    if returncode == 0 and first.get("outcome") in ("completed", "stopped"):
        if first["outcome"] == "stopped":
            return coded("stopped", "stopped-nodes" if world.nnodes > 1 else "stopped", name=run_dir.name)
        return "completed", None, None, {}
    failed = [r for r in records.values() if r and r.get("outcome") in ("failed", "oom")]
    for record in sorted(failed, key=lambda r: (r.get("communication", False), r.get("ended_at") or 0)):
        if record["outcome"] == "oom" or not record.get("communication"):
            # the rank's own coded ending (its fields carry code and params), named with the rank that had it
            where = f"rank {record.get('rank')} ({record.get('host')})" if world.nnodes > 1 else f"rank {record.get('rank')}"
            return record["outcome"], f"{where}: {record.get('error')}", record.get("advice"), record.get("fields") or {}
    signalled = _signalled_pids(log_text)
    from engine.message_parts import part
    for rank, record in records.items():
        if record and not record.get("outcome"):
            how = (part("end.part.killed-by", signal=signalled[record["pid"]]) if record.get("pid") in signalled
                   else part("end.part.died-silently"))
            return coded("failed", "rank-killed", rank=rank, pid=record.get("pid"), how=how, name=run_dir.name)
    if stop_requested and not failed:
        return coded("stopped", "stopped-early", config=str(run_dir / runs.CONFIG_FILE))
    if failed:  # only communication errors here: the cause is on another node
        record = failed[0]
        timed_out = re.search(r"time(?:d)? ?out", str(record.get("error")), re.IGNORECASE)
        return coded("failed", "collective-timeout" if timed_out else "connection-lost", rank=record.get("rank"),
                     detail=str(record.get("error")), timeout=config.collective_timeout)
    tail = " | ".join(line.strip() for line in log_text.strip().splitlines()[-3:])[-500:]
    return coded("failed", "launch-failed", returncode=returncode, tail=tail)
