"""Training throughput of dlcore's MLP, side by side with torch, scikit-learn, plain numpy and the GEMM floor.

Every contender trains the same architecture (tanh hidden layers, softmax output, cross-entropy, plain
minibatch SGD with a shuffle each epoch) in float32 on the same data, with the same number of threads,
in one run. Throughput is samples per second: the median over repeats of ``N * epochs / seconds``,
after one warm-up epoch. The *GEMM-only floor* times only the matrix products of one SGD step on
preallocated arrays: no implementation of that step on this BLAS can be faster.

Run from the repository root::

    PYTHONPATH=. python bench/throughput.py            # full run, about a minute on 2 cores
    PYTHONPATH=. python bench/throughput.py --quick    # smoke run, seconds
    PYTHONPATH=. python bench/throughput.py --devices cpu,cuda

It prints a markdown table with the machine facts and the targets' verdicts, and writes
``throughput.md`` and ``throughput.json`` to ``bench/results/`` (or ``--out DIR``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import threadpoolctl
import torch

ETA = 0.05
SEED = 0
NOISY = 0.7  # a row whose slowest repeat ran below this fraction of its fastest is flagged as noisy
RESULTS_DIR = Path(__file__).resolve().parent / "results"

FLOOR = "GEMM-only floor"
PLAIN = "plain numpy"
IN_PLACE = "in-place numpy"
DLCORE_NUMPY = "dlcore numpy"
DLCORE_TORCH = "dlcore torch-cpu"
TORCH = "torch autograd"
SKLEARN = "sklearn MLPClassifier"
DLCORE_CUDA = "dlcore cuda"
TORCH_CUDA = "torch autograd cuda"


# --- data and configurations ---------------------------------------------------------------


@dataclass
class Config:
    """One architecture on one data set, measured at each batch size in ``batches``."""

    name: str
    sizes: list
    X: np.ndarray  # float32 (N, d)
    labels: np.ndarray  # int64 (N,)
    batches: list
    epochs: int  # epochs per timed repeat
    repeats: int

    @property
    def arch(self) -> str:
        return "-".join(str(m) for m in self.sizes)


def synthetic_data(n: int, d: int = 784, k: int = 10, seed: int = SEED):
    """Standard-normal inputs ``(n, d)`` in float32, labelled by a fixed random linear teacher."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d), dtype=np.float32)
    teacher = rng.standard_normal((d, k), dtype=np.float32)
    return X, np.argmax(X @ teacher, axis=1).astype(np.int64)


def digits_data():
    """scikit-learn's bundled 8x8 digits (N = 1797, d = 64), standardised per pixel, in float32."""
    from sklearn.datasets import load_digits

    X, labels = load_digits(return_X_y=True)
    std = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)
    return X.astype(np.float32), labels.astype(np.int64)


def make_configs(quick: bool) -> list:
    """The measured configurations: a smoke set of seconds with ``quick``, else the full set (about a minute)."""
    X_digits, t_digits = digits_data()
    if quick:
        X, t = synthetic_data(1024)
        return [Config("synthetic", [784, 512, 512, 10], X, t, [256], epochs=1, repeats=3),
                Config("digits", [64, 128, 10], X_digits, t_digits, [32], epochs=1, repeats=3)]
    X, t = synthetic_data(8192)
    return [Config("synthetic", [784, 512, 512, 10], X, t, [64, 256, 1024], epochs=2, repeats=9),
            Config("digits", [64, 128, 10], X_digits, t_digits, [32, 64], epochs=10, repeats=9)]


# --- timing ---------------------------------------------------------------------------------


def cuda_sync() -> None:
    """Wait for queued GPU work, so that a timer read after it includes that work."""
    torch.cuda.synchronize()


def no_sync() -> None:
    """The CPU contenders have no queued work."""


def time_epochs(run_epochs, epochs: int, repeats: int, sync=no_sync) -> list:
    """Seconds for ``run_epochs(epochs)``, ``repeats`` times in a row, after a one-epoch warm-up.

    The warm-up also lets the thread pool of the previous contender go idle: numpy's OpenBLAS threads
    spin for a while after a product, and slow a torch epoch that starts at once by a third or more.
    """
    run_epochs(1)
    sync()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        run_epochs(epochs)
        sync()
        seconds.append(time.perf_counter() - start)
    return seconds


@dataclass
class Measurement:
    """Throughput of one contender on one configuration and batch size."""

    config: str
    arch: str
    batch: int
    contender: str
    samples_per_s: float  # median over repeats
    repeats: list = field(default_factory=list)  # samples/s of each repeat
    x_torch: float | None = None  # samples_per_s / that of torch autograd on the same device
    pct_floor: float | None = None  # 100 * samples_per_s / GEMM-only floor (CPU contenders)


def measure(config: Config, batch: int, contender: str, samples: int, seconds: list) -> Measurement:
    """A :class:`Measurement` from the seconds of repeats that each processed ``samples`` samples."""
    rates = [samples / s for s in seconds]
    return Measurement(config.name, config.arch, batch, contender, statistics.median(rates), rates)


# --- contenders: each returns run_epochs(n), which trains n epochs -------------------------


def dlcore_trainer(config: Config, batch: int, device: str):
    """dlcore's ``MLP.fit`` on ``device`` ('cpu' is numpy, 'torch' is torch on the CPU, 'cuda')."""
    from dlcore import MLP

    model = MLP(sizes=config.sizes, activation="tanh", output="softmax", loss="cross_entropy",
                seed=SEED, device=device, dtype="float32")

    def run_epochs(n):
        model.fit(config.X, config.labels, epochs=n, eta=ETA, batch_size=batch, progress=False)

    return run_epochs


def torch_trainer(config: Config, batch: int, device: str):
    """Plain torch eager, as a student writes it: nn.Sequential, cross_entropy, backward, optim.SGD.

    Like dlcore's ``fit``, it keeps the epoch's mean training loss and accuracy; they are summed on the
    device and read once an epoch, so that a GPU is not made to wait after every batch.
    """
    torch.manual_seed(SEED)
    layers = []
    for fan_in, fan_out in zip(config.sizes[:-2], config.sizes[1:-1]):
        layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.Tanh()]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(*config.sizes[-2:])).to(device)
    optimiser = torch.optim.SGD(model.parameters(), lr=ETA)
    X = torch.from_numpy(config.X).to(device)
    labels = torch.from_numpy(config.labels).to(device)
    generator = torch.Generator(device=device).manual_seed(SEED)
    N = X.shape[0]

    def run_epoch():
        total_loss = correct = 0
        for idx in torch.randperm(N, generator=generator, device=device).split(batch):
            logits = model(X[idx])
            loss = torch.nn.functional.cross_entropy(logits, labels[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total_loss += loss.detach() * len(idx)
            correct += (logits.argmax(dim=1) == labels[idx]).sum()
        return total_loss.item() / N, correct.item() / N

    def run_epochs(n):
        for _ in range(n):
            run_epoch()

    return run_epochs


def sklearn_trainer(config: Config, batch: int):
    """scikit-learn's MLPClassifier, plain SGD (no momentum, no L2), all ``n`` epochs, float32 kept."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    def run_epochs(n):
        model = MLPClassifier(hidden_layer_sizes=tuple(config.sizes[1:-1]), activation="tanh", solver="sgd",
                              alpha=0.0, batch_size=batch, learning_rate_init=ETA, momentum=0.0,
                              nesterovs_momentum=False, max_iter=n, tol=0.0, n_iter_no_change=10**9,
                              shuffle=True, random_state=SEED)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(config.X, config.labels)

    return run_epochs


class PlainNumpyMLP:
    """The same SGD as dlcore, written out in numpy with no abstraction: the reference for dlcore's layers."""

    def __init__(self, sizes, seed=SEED):
        rng = np.random.default_rng(seed)
        self.W = [rng.normal(0.0, np.sqrt(2.0 / (m_in + m_out)), (m_out, m_in)).astype(np.float32)
                  for m_in, m_out in zip(sizes[:-1], sizes[1:])]
        self.b = [np.zeros(m_out, dtype=np.float32) for m_out in sizes[1:]]
        self.rng = np.random.default_rng([seed, 1])

    def step(self, x, t, eta):
        """One SGD step on the batch ``(x, t)`` (t one-hot); returns the output pre-activation ``a^L``."""
        z = [x]
        for W, b in zip(self.W[:-1], self.b[:-1]):
            z.append(np.tanh(z[-1] @ W.T + b))
        a = z[-1] @ self.W[-1].T + self.b[-1]
        e = np.exp(a - a.max(axis=1, keepdims=True))
        y = e / e.sum(axis=1, keepdims=True)
        delta = (y - t) * np.float32(eta / x.shape[0])
        for l in range(len(self.W) - 1, -1, -1):
            dW, db = delta.T @ z[l], delta.sum(axis=0)
            if l > 0:
                delta = (1 - z[l] * z[l]) * (delta @ self.W[l])
            self.W[l] -= dW
            self.b[l] -= db
        return a

    def epoch(self, X, T, eta, batch):
        """One pass over a shuffle of ``(X, T)``; returns the epoch's mean loss and accuracy."""
        order = self.rng.permutation(X.shape[0])
        X, T = X[order], T[order]
        a = np.empty_like(T)
        for start in range(0, X.shape[0], batch):
            a[start:start + batch] = self.step(X[start:start + batch], T[start:start + batch], eta)
        shifted = a - a.max(axis=1, keepdims=True)
        log_y = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -(T * log_y).sum(axis=1).mean(), (a.argmax(axis=1) == T.argmax(axis=1)).mean()


class InPlaceNumpyMLP(PlainNumpyMLP):
    """The same SGD with every array preallocated and every operation in place (``out=``).

    No allocation and no temporary: the fastest a numpy step can be on this BLAS. Its gap to the
    GEMM-only floor is the elementwise work and the memory traffic between the products, which no
    numpy implementation avoids; dlcore's gap to it is what allocating fresh arrays costs.
    """

    def __init__(self, sizes, batch, seed=SEED):
        super().__init__(sizes, seed)
        f32 = np.float32
        self.a = [np.empty((batch, m), dtype=f32) for m in sizes[1:]]
        self.delta = [np.empty((batch, m), dtype=f32) for m in sizes[1:]]
        self.scratch = [np.empty((batch, m), dtype=f32) for m in sizes[1:]]
        self.dW = [np.empty_like(W) for W in self.W]
        self.db = [np.empty_like(b) for b in self.b]
        self.row = np.empty((batch, 1), dtype=f32)

    def step(self, x, t, eta):
        """One SGD step on the batch ``(x, t)``; returns the output pre-activation ``a^L`` (a copy)."""
        n, L = x.shape[0], len(self.W)
        a, delta, scratch = [v[:n] for v in self.a], [v[:n] for v in self.delta], [v[:n] for v in self.scratch]
        z = [x] + a[:-1]  # tanh in place: a[l] holds z^(l+1) once the layer is done
        for l in range(L):
            np.matmul(z[l], self.W[l].T, out=a[l])
            a[l] += self.b[l]
            if l < L - 1:
                np.tanh(a[l], out=a[l])
        a_out, y, row = a[-1].copy(), scratch[-1], self.row[:n]
        np.max(a[-1], axis=1, keepdims=True, out=row)
        np.subtract(a[-1], row, out=y)
        np.exp(y, out=y)
        np.sum(y, axis=1, keepdims=True, out=row)
        y /= row
        np.subtract(y, t, out=delta[-1])
        delta[-1] *= np.float32(eta / n)
        for l in range(L - 1, -1, -1):
            np.matmul(delta[l].T, z[l], out=self.dW[l])
            np.sum(delta[l], axis=0, out=self.db[l])
            if l > 0:
                np.matmul(delta[l], self.W[l], out=delta[l - 1])
                np.multiply(z[l], z[l], out=scratch[l - 1])
                np.subtract(1, scratch[l - 1], out=scratch[l - 1])
                delta[l - 1] *= scratch[l - 1]
            self.W[l] -= self.dW[l]
            self.b[l] -= self.db[l]
        return a_out


def in_place_numpy_trainer(config: Config, batch: int):
    """:class:`InPlaceNumpyMLP` on one-hot float32 targets."""
    model = InPlaceNumpyMLP(config.sizes, batch)
    T = np.eye(config.sizes[-1], dtype=np.float32)[config.labels]

    def run_epochs(n):
        for _ in range(n):
            model.epoch(config.X, T, ETA, batch)

    return run_epochs


def plain_numpy_trainer(config: Config, batch: int):
    """:class:`PlainNumpyMLP` on one-hot float32 targets."""
    model = PlainNumpyMLP(config.sizes)
    T = np.eye(config.sizes[-1], dtype=np.float32)[config.labels]

    def run_epochs(n):
        for _ in range(n):
            model.epoch(config.X, T, ETA, batch)

    return run_epochs


# --- hardware limits ------------------------------------------------------------------------


def gemm_floor_step(sizes, batch: int, seed: int = SEED):
    """A function doing only the matrix products of one SGD step, on preallocated float32 arrays.

    Forward ``z^(l-1) @ W^l.T`` for every layer; backward ``delta^l.T @ z^(l-1)`` for every layer
    and ``delta^l @ W^l`` for l = L..2 (no ``delta^1 @ W^1``: the input needs no delta).
    """
    rng = np.random.default_rng(seed)
    f32 = np.float32
    z = [rng.standard_normal((batch, m), dtype=f32) for m in sizes]
    W = [rng.standard_normal((m_out, m_in), dtype=f32) for m_in, m_out in zip(sizes[:-1], sizes[1:])]
    delta = [rng.standard_normal((batch, m), dtype=f32) for m in sizes[1:]]
    a_out = [np.empty((batch, m), dtype=f32) for m in sizes[1:]]
    dW_out = [np.empty_like(w) for w in W]
    back_out = [np.empty((batch, m), dtype=f32) for m in sizes[:-1]]

    def step():
        for l in range(len(W)):
            np.matmul(z[l], W[l].T, out=a_out[l])
        for l in range(len(W)):
            np.matmul(delta[l].T, z[l], out=dW_out[l])
        for l in range(len(W) - 1, 0, -1):
            np.matmul(delta[l], W[l], out=back_out[l])

    return step


def gemm_floor_trainer(config: Config, batch: int):
    """The GEMM-only floor as a trainer: an "epoch" is ``ceil(N / batch)`` steps of GEMMs alone."""
    step = gemm_floor_step(config.sizes, batch)
    steps_per_epoch = -(-config.X.shape[0] // batch)

    def run_epochs(n):
        for _ in range(n * steps_per_epoch):
            step()

    return run_epochs


def gemm_gflops(n: int, repeats: int = 5) -> dict:
    """GFLOP/s (``2 n^3`` per product) of an ``n x n`` float32 matmul: numpy, torch CPU, and CUDA if present."""
    rng = np.random.default_rng(SEED)
    A, B = rng.standard_normal((n, n), dtype=np.float32), rng.standard_normal((n, n), dtype=np.float32)
    rates = {"numpy": _gflops(lambda: A @ B, n, repeats, no_sync)}
    tA, tB = torch.from_numpy(A), torch.from_numpy(B)
    rates["torch"] = _gflops(lambda: tA @ tB, n, repeats, no_sync)
    if torch.cuda.is_available():
        cA, cB = tA.cuda(), tB.cuda()
        rates["torch cuda"] = _gflops(lambda: cA @ cB, n, repeats, cuda_sync)
    return rates


def _gflops(product, n, repeats, sync) -> float:
    """Median GFLOP/s of ``product()`` over ``repeats`` timed calls after a warm-up."""
    product()
    sync()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        product()
        sync()
        seconds.append(time.perf_counter() - start)
    return 2 * n**3 / statistics.median(seconds) / 1e9


# --- the run --------------------------------------------------------------------------------


def contenders(devices: list) -> list:
    """``(name, make_trainer(config, batch), sync)`` for every contender on the chosen devices."""
    chosen = []
    if "cpu" in devices:
        chosen += [
            (FLOOR, gemm_floor_trainer, no_sync),
            (PLAIN, plain_numpy_trainer, no_sync),
            (IN_PLACE, in_place_numpy_trainer, no_sync),
            (DLCORE_NUMPY, lambda c, b: dlcore_trainer(c, b, "cpu"), no_sync),
            (DLCORE_TORCH, lambda c, b: dlcore_trainer(c, b, "torch"), no_sync),
            (TORCH, lambda c, b: torch_trainer(c, b, "cpu"), no_sync),
            (SKLEARN, sklearn_trainer, no_sync),
        ]
    if "cuda" in devices:
        chosen += [
            (DLCORE_CUDA, lambda c, b: dlcore_trainer(c, b, "cuda"), cuda_sync),
            (TORCH_CUDA, lambda c, b: torch_trainer(c, b, "cuda"), cuda_sync),
        ]
    return chosen


def run_config(config: Config, batch: int, chosen: list) -> list:
    """Measure every chosen contender on ``config`` at ``batch``, then add the relative columns."""
    samples = config.X.shape[0] * config.epochs
    rows = []
    for name, make_trainer, sync in chosen:
        seconds = time_epochs(make_trainer(config, batch), config.epochs, config.repeats, sync)
        rows.append(measure(config, batch, name, samples, seconds))
    add_relative_columns(rows)
    return rows


def add_relative_columns(rows: list) -> None:
    """Fill ``x_torch`` (against torch autograd on the same device) and ``pct_floor`` (CPU rows)."""
    by_name = {row.contender: row.samples_per_s for row in rows}
    for row in rows:
        on_cuda = row.contender in (DLCORE_CUDA, TORCH_CUDA)
        reference = by_name.get(TORCH_CUDA if on_cuda else TORCH)
        row.x_torch = row.samples_per_s / reference if reference else None
        if not on_cuda and FLOOR in by_name:
            row.pct_floor = 100.0 * row.samples_per_s / by_name[FLOOR]


def machine_facts(threads: int) -> dict:
    """CPU, BLAS (library, kernel architecture, threads), library versions, GPU and the date."""
    import sklearn

    blas = [info for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]
    blas = [info for info in blas if "numpy" in info["filepath"]] or blas  # not scipy's, loaded by sklearn
    facts = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "threads": threads,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_blas": ", ".join(f"{b['internal_api']} {b.get('version')} (kernel {b.get('architecture')}, "
                                f"{b['num_threads']} threads)" for b in blas) or "unknown",
        "torch": torch.__version__,
        "torch_cpu": f"MKL {'yes' if torch.backends.mkl.is_available() else 'no'}, "
                     f"{torch.backends.cpu.get_cpu_capability()}, {torch.get_num_threads()} threads",
        "sklearn": sklearn.__version__,
    }
    if torch.cuda.is_available():
        facts["gpu"] = torch.cuda.get_device_name()
    return facts


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# --- targets --------------------------------------------------------------------------------


def evaluate_targets(rows: list) -> list:
    """The issue's targets as ``(label, verdict, detail)``; verdict is 'PASS', 'MISS' or 'n/a' (not measured)."""
    rate = {(r.config, r.batch, r.contender): r for r in rows}

    def get(config, batch, contender):
        return rate.get((config, batch, contender))

    targets = []
    big = get("synthetic", 256, DLCORE_NUMPY)
    if big and big.x_torch is not None and big.pct_floor is not None:
        ok = big.x_torch >= 1.15 and big.pct_floor >= 85.0
        detail = f"{big.x_torch:.2f}x torch, {big.pct_floor:.0f}% of floor"
    else:
        ok, detail = None, "not measured"
    targets.append(("(a) 784-512-512-10 batch 256: dlcore numpy >= 1.15x torch autograd and >= 85% of "
                    "GEMM-only floor", ok, detail))

    small = get("digits", 32, DLCORE_NUMPY)
    ok = None if small is None or small.x_torch is None else small.x_torch >= 4.0
    targets.append(("(b) 64-128-10 digits batch 32: dlcore numpy >= 4x torch autograd", ok,
                    "not measured" if ok is None else f"{small.x_torch:.2f}x torch"))

    pairs = [(r, get(r.config, r.batch, SKLEARN)) for r in rows if r.contender == DLCORE_NUMPY]
    pairs = [(r, s) for r, s in pairs if s is not None]
    ok = all(r.samples_per_s > s.samples_per_s for r, s in pairs) if pairs else None
    targets.append(("(c) dlcore numpy faster than sklearn MLPClassifier in every configuration", ok,
                    ", ".join(f"{r.config} b{r.batch}: {r.samples_per_s / s.samples_per_s:.2f}x" for r, s in pairs)
                    or "not measured"))

    pairs = [(r, get(r.config, r.batch, PLAIN)) for r in rows if r.contender == DLCORE_NUMPY and r.config == "digits"]
    pairs = [(r, p) for r, p in pairs if p is not None]
    ok = all(r.samples_per_s >= 0.9 * p.samples_per_s for r, p in pairs) if pairs else None
    targets.append(("(d) 64-128-10 digits: dlcore numpy within 10% of plain numpy", ok,
                    ", ".join(f"b{r.batch}: {100 * r.samples_per_s / p.samples_per_s:.0f}% of plain" for r, p in pairs)
                    or "not measured"))
    return [(label, {True: "PASS", False: "MISS", None: "n/a"}[ok], detail) for label, ok, detail in targets]


# --- report ---------------------------------------------------------------------------------


def throughput_tables(rows: list) -> list[str]:
    """One narrow table per network and batch size (a row per contender), as markdown lines."""
    lines = []
    for config, arch, batch in dict.fromkeys((r.config, r.arch, r.batch) for r in rows):
        lines += [f"**{config} {arch}, batch {batch}**", "",
                  "| contender | samples/s | x torch autograd | % of GEMM-only floor |",
                  "| --- | ---: | ---: | ---: |"]
        for r in rows:
            if (r.config, r.arch, r.batch) == (config, arch, batch):
                x_torch = "" if r.x_torch is None else f"{r.x_torch:.2f}"
                pct = "" if r.pct_floor is None else f"{r.pct_floor:.0f}%"
                lines.append(f"| {r.contender} | {r.samples_per_s:,.0f} | {x_torch} | {pct} |")
        lines.append("")
    return lines[:-1]


def markdown_report(facts: dict, gemm: dict, rows: list, targets: list, notes: list) -> str:
    """Machine facts, the throughput table and the targets' verdicts, as markdown."""
    lines = ["Machine: " + "; ".join(f"{key} {value}" for key, value in facts.items()) + ".", "",
             "Raw float32 GEMM rate (square matmul, median): "
             + ", ".join(f"{name} {value:.0f} GFLOP/s" for name, value in gemm.items()) + ".", ""]
    for note in notes:
        lines += [note, ""]
    lines += throughput_tables(rows)
    noisy = [r for r in rows if min(r.repeats) < NOISY * max(r.repeats)]
    if noisy:
        lines += ["", f"Noisy (slowest repeat under {NOISY:.0%} of the fastest: the timing was disturbed): "
                  + ", ".join(f"{r.config} b{r.batch} {r.contender} ({min(r.repeats):,.0f} to {max(r.repeats):,.0f})"
                              for r in noisy) + "."]
    lines += ["", "Targets:", ""]
    lines += [f"- {verdict}: {label} ({detail})" for label, verdict, detail in targets]
    return "\n".join(lines) + "\n"


def write_results(out: Path, report: str, facts: dict, gemm: dict, rows: list, targets: list, settings: dict):
    """``throughput.md`` (the report) and ``throughput.json`` (raw numbers) in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "throughput.md").write_text(report)
    raw = {"machine": facts, "settings": settings, "gemm_gflops": gemm,
           "results": [vars(r) for r in rows],
           "targets": [{"target": label, "verdict": verdict, "detail": detail} for label, verdict, detail in targets]}
    (out / "throughput.json").write_text(json.dumps(raw, indent=2) + "\n")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", "--device", default="cpu",
                        help="comma-separated: cpu (numpy, torch, sklearn contenders), cuda (dlcore, torch on a GPU)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="folder for throughput.md and throughput.json")
    parser.add_argument("--quick", action="store_true", help="a very short smoke run (a few seconds)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for BLAS and torch (default 2)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    devices = [d.strip() for d in args.devices.split(",") if d.strip()]
    unknown = set(devices) - {"cpu", "cuda"}
    if unknown:
        sys.exit(f"unknown device(s) {sorted(unknown)}; expected cpu and/or cuda")
    notes = []
    if "cuda" in devices and not torch.cuda.is_available():
        devices.remove("cuda")
        notes.append("CUDA was asked for, but torch.cuda.is_available() is False: the cuda contenders are skipped.")
    torch.set_num_threads(args.threads)
    with threadpoolctl.threadpool_limits(limits=args.threads):
        facts = machine_facts(args.threads)
        gemm = gemm_gflops(512 if args.quick else 2048)
        configs = make_configs(args.quick)
        chosen = contenders(devices)
        rows = [row for config in configs for batch in config.batches for row in run_config(config, batch, chosen)]
    targets = evaluate_targets(rows)
    report = markdown_report(facts, gemm, rows, targets, notes)
    print(report, end="")
    settings = {"eta": ETA, "seed": SEED, "quick": args.quick, "devices": devices,
                "configs": [{"name": c.name, "sizes": c.sizes, "N": int(c.X.shape[0]), "batches": c.batches,
                             "epochs_per_repeat": c.epochs, "repeats": c.repeats} for c in configs]}
    write_results(args.out, report, facts, gemm, rows, targets, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
