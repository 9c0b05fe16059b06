#!/usr/bin/env python3
"""PyTorch in the benchmark: one (workload x thread count) case trained with PyTorch on the CPU.

    python3 bench/pytorch_bench.py < case.json > result.json      (bench/run.mjs writes the case)
    python3 bench/pytorch_bench.py --split SEED NTRAIN NTEST       the split's sha256 (needs no torch)

The case is JSON: { workloadId, workload (an entry of workloads.json or networks.json), spec (the engine
spec bench/nn-playground.js makes of it), plan (the layers of the engine's summary, with every size and
padding worked out), dataDir, dataset {seed, train, test}, timing, quick, budgetSeconds, threads }.

The network is built from the engine's own plan, so it is the same network whatever the spec says
(padding "same", implicit flattens), and the optimizer and L2 are the engine's, which follow PyTorch's
definitions: L2 is weight_decay on the weights of conv and dense layers, not on their biases. The data is
the engine's split of the shipped digits, trained in stored order; the procedure is bench/procedure.js's.
The result holds the raw windows ({examples, ms}); bench/run.mjs turns them into speeds with
www/engine/throughput.js, as it does for every engine.
"""

import gzip
import hashlib
import json
import math
import os
import platform
import sys
import time


# ---------------------------------------------------------------- data, as bench/data.js splits it


def mulberry32(seed):
    """The seeded generator of the split (bench/data.js), in 32-bit unsigned arithmetic."""
    state = seed & 0xFFFFFFFF

    def imul(a, b):
        return (a * b) & 0xFFFFFFFF

    def rand():
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return rand


def split_permutation(seed, n):
    order = list(range(n))
    rand = mulberry32(seed)
    for i in range(n - 1, 0, -1):
        j = math.floor(rand() * (i + 1))
        order[i], order[j] = order[j], order[i]
    return order


def load_split(data_dir, seed, n_train, n_test):
    """(train_pixels, train_labels, test_pixels, test_labels, size) as bytes, in the split's order."""
    with gzip.open(os.path.join(data_dir, "images-idx3-ubyte.gz"), "rb") as f:
        images = f.read()
    with gzip.open(os.path.join(data_dir, "labels-idx1-ubyte.gz"), "rb") as f:
        labels = f.read()
    n = int.from_bytes(images[4:8], "big")
    size = int.from_bytes(images[8:12], "big") * int.from_bytes(images[12:16], "big")
    pixels, labels = images[16 : 16 + n * size], labels[8 : 8 + n]
    order = split_permutation(seed, n)

    def take(indices):
        return b"".join(pixels[k * size : (k + 1) * size] for k in indices), bytes(labels[k] for k in indices)

    train_x, train_y = take(order[:n_train])
    test_x, test_y = take(order[n - n_test :])
    return train_x, train_y, test_x, test_y, size


def split_digest(train_x, train_y, test_x, test_y):
    """sha256 of the split's bytes, which bench/run.mjs compares with the split made in JS."""
    h = hashlib.sha256()
    for part in (train_x, train_y, test_x, test_y):
        h.update(part)
    return h.hexdigest()


# ---------------------------------------------------------------- the network, from the engine's plan


def build_network(torch, plan):
    nn = torch.nn
    mods = []
    for layer in plan:
        op, d = layer["op"], layer["inDims"]
        kind = op["op"]
        if kind == "conv2d":
            p = op["pad"]
            conv = lambda pad: nn.Conv2d(d["c"], op["filters"], (op["kh"], op["kw"]), stride=op["stride"], padding=pad)
            if p["top"] == p["bottom"] == p["left"] == p["right"]:
                mods.append(conv(p["top"]))
            else:  # "same" with an even kernel or a stride pads one side more, as the engine does
                mods += [nn.ZeroPad2d((p["left"], p["right"], p["top"], p["bottom"])), conv(0)]
        elif kind == "maxpool2d":
            mods.append(nn.MaxPool2d(op["size"], op["stride"]))
        elif kind == "avgpool2d":
            mods.append(nn.AvgPool2d(op["size"], op["stride"]))
        elif kind == "flatten":
            mods.append(nn.Flatten())
        elif kind == "dense":
            mods.append(nn.Linear(d["c"] * d["h"] * d["w"], op["units"]))
        elif kind == "dropout":
            mods.append(nn.Dropout(op["rate"]))
        elif kind == "activation":
            f, alpha = op["function"], op.get("alpha", 1.0)
            table = {
                "relu": lambda: nn.ReLU(),
                "leaky_relu": lambda: nn.LeakyReLU(alpha),
                "sigmoid": lambda: nn.Sigmoid(),
                "tanh": lambda: nn.Tanh(),
                "elu": lambda: nn.ELU(alpha),
            }
            if f in table:
                mods.append(table[f]())
            elif f not in ("linear", "softmax"):  # softmax is fused into the loss, as in the engine
                raise ValueError(f"activation {f} has no PyTorch module here")
        else:
            raise ValueError(f"layer {kind} has no PyTorch module here")
    return nn.Sequential(*mods)


def build_optimizer(torch, model, spec):
    """The engine's optimizer with PyTorch's own class; L2 (spec.l2) decays weights, not biases."""
    o, l2 = spec["optimizer"], spec.get("l2", 0.0)
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in model.named_parameters() if not name.endswith("weight")]
    t = o["type"]
    if t == "adamw":  # decoupled decay on the weights: the optimizer's own setting, not spec.l2
        decay = o.get("weightDecay", o.get("weight_decay", 0.01))
    else:
        decay = l2
    groups = [{"params": weights, "weight_decay": decay}, {"params": biases, "weight_decay": 0.0}]
    optim = torch.optim
    if t == "sgd":
        return optim.SGD(groups, lr=o["lr"], momentum=o.get("momentum", 0.0), nesterov=o.get("nesterov", False))
    if t == "adam":
        return optim.Adam(groups, lr=o["lr"], betas=(o.get("beta1", 0.9), o.get("beta2", 0.999)), eps=o.get("eps", 1e-8))
    if t == "adamw":
        return optim.AdamW(groups, lr=o["lr"], betas=(o.get("beta1", 0.9), o.get("beta2", 0.999)), eps=o.get("eps", 1e-8))
    if t == "rmsprop":
        return optim.RMSprop(groups, lr=o["lr"], alpha=o.get("alpha", 0.99), eps=o.get("eps", 1e-8), momentum=o.get("momentum", 0.0))
    if t == "adagrad":
        return optim.Adagrad(
            groups,
            lr=o["lr"],
            lr_decay=o.get("lrDecay", 0.0),
            initial_accumulator_value=o.get("initialAccumulatorValue", 0.0),
            eps=o.get("eps", 1e-10),
        )
    if t == "adadelta":
        return optim.Adadelta(groups, lr=o.get("lr", 1.0), rho=o.get("rho", 0.9), eps=o.get("eps", 1e-6))
    raise ValueError(f"optimizer {t} has no PyTorch class here")


class Model:
    """train(first, n) and accuracy(), as bench/procedure.js calls them."""

    def __init__(self, torch, case):
        self.torch = torch
        spec, ds = case["spec"], case["dataset"]
        torch.manual_seed(spec.get("seed", 1))
        train_x, train_y, test_x, test_y, size = load_split(case["dataDir"], ds["seed"], ds["train"], ds["test"])
        self.digest = split_digest(train_x, train_y, test_x, test_y)
        c, h, w = spec.get("input", [1, 28, 28])
        # The whole split as float tensors once; a batch is a slice of them (a view, no copy).
        to_x = lambda b: torch.frombuffer(bytearray(b), dtype=torch.uint8).float().div_(255).view(-1, c, h, w)
        to_y = lambda b: torch.frombuffer(bytearray(b), dtype=torch.uint8).long()
        self.train_x, self.train_y = to_x(train_x), to_y(train_y)
        self.test_x, self.test_y = to_x(test_x), to_y(test_y)
        self.batch = spec["batchSize"]
        self.nb = ds["train"] // self.batch
        self.net = build_network(torch, case["plan"])
        self.opt = build_optimizer(torch, self.net, spec)

    def train(self, first, n):
        torch, B = self.torch, self.batch
        self.net.train()
        loss = None
        for k in range(n):
            i = (first + k) % self.nb
            x, y = self.train_x[i * B : (i + 1) * B], self.train_y[i * B : (i + 1) * B]
            self.opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(self.net(x), y)
            loss.backward()
            self.opt.step()
        if loss is not None and not math.isfinite(loss.item()):
            raise FloatingPointError("the loss became non-finite")

    def accuracy(self):
        torch = self.torch
        self.net.eval()
        with torch.no_grad():
            right = sum(
                int((self.net(self.test_x[s : s + 500]).argmax(1) == self.test_y[s : s + 500]).sum())
                for s in range(0, len(self.test_y), 500)
            )
        return right / len(self.test_y)


# ---------------------------------------------------------------- the procedure of bench/procedure.js


def window_size(window_batches, window_seconds, sec_per_batch):
    for_time = math.ceil(window_seconds / sec_per_batch) if sec_per_batch > 0 else 1
    return max(1, window_batches, for_time)


def measure(model, workload, n_train, timing, quick, budget_seconds, log):
    now = lambda: time.perf_counter() * 1000.0
    B = workload["batchSize"]
    nb = n_train // B
    bench = dict(workload["bench"])
    if quick:
        bench["windowBatches"] = max(2, math.ceil(bench["windowBatches"] / 4))
    extra = bench.get("extraWindows", 0) or 0
    budget_ms = 1000.0 * budget_seconds
    out = {"status": "ok", "procedure": {**bench, **timing, "batchSize": B, "batchesPerEpoch": nb, "quick": quick, "budgetSeconds": budget_seconds}}
    windows = []
    t0 = now()
    limit_ms = max(3 * budget_ms, 120_000.0)

    b, t_first = 0, None
    while b < min(bench["warmupBatches"], nb):
        model.train(b, 1)
        b += 1
        if b == 1:
            t_first = now()
        if b >= 2 and now() - t0 > 0.1 * budget_ms:
            break
    tw = now()
    sec_per_batch = (tw - t_first) / 1000.0 / (b - 1) if b > 1 else (tw - t0) / 1000.0 / b
    wb = window_size(bench["windowBatches"], timing["windowSeconds"], sec_per_batch)
    epoch_batches = min(nb, b + 2 * wb) if quick else nb
    measured_batches = max(timing["minWindows"], extra) * wb
    projected = sec_per_batch * (epoch_batches - b + max(measured_batches, timing["measuredSeconds"] / sec_per_batch))
    out["procedure"].update(windowBatches=wb, epochBatches=epoch_batches)
    out["warmup"] = {"batches": b, "seconds": (tw - t0) / 1000.0, "firstBatchSeconds": (t_first - t0) / 1000.0, "secondsPerBatch": sec_per_batch}
    out["projectedRemainingSeconds"] = projected
    reduced = projected > budget_seconds
    if reduced:
        wb = max(1, min(wb, math.floor(0.8 * budget_seconds / 3 / sec_per_batch)))
        out["procedure"]["reducedWindowBatches"] = wb
        log(f"reduced: the rest would take ~{projected:.0f} s > budget {budget_seconds} s; 3 windows of {wb} batches, no accuracy")

    def timed(phase):
        nonlocal b, wb
        ts = now()
        model.train(b % nb, wb)
        ms = now() - ts
        windows.append({"phase": phase, "firstBatch": b % nb, "examples": wb * B, "ms": ms})
        b += wb
        log(f"{phase} window {len(windows)}: {wb * B * 1000.0 / ms:.1f} ex/s ({ms / 1000.0:.2f} s)")
        if not reduced and ms < 1000.0 * timing["windowSeconds"]:  # a cold warm-up: lengthen the next windows
            wb = math.ceil(wb * 1000.0 * timing["windowSeconds"] / max(ms, 1.0))
        if now() - t0 > limit_ms:
            out["status"] = "timeout"
            out["error"] = f"exceeded the time limit ({limit_ms / 1000.0:.0f} s) after {b} batches"

    while b + wb <= epoch_batches and not (reduced and len(windows) >= 3) and out["status"] == "ok":
        timed("epoch1")
    while reduced and len(windows) < 3 and out["status"] == "ok":
        timed("epoch1+")
    if not reduced and out["status"] == "ok" and b < epoch_batches:
        model.train(b, epoch_batches - b)
        b = epoch_batches
    done = min(b, epoch_batches)
    out["epoch"] = {"batches": done, "examples": done * B, "seconds": (now() - t0) / 1000.0, "complete": b >= nb}

    if reduced:
        out["reduced"] = True
        out["accuracy"] = None
        out["accuracyNote"] = f"not measured: the epoch would take ~{projected + out['warmup']['seconds']:.0f} s > budget {budget_seconds} s (a larger --budget measures it)"
    elif out["status"] == "ok":
        ta = now()
        out["accuracy"] = model.accuracy()
        out["evalSeconds"] = (now() - ta) / 1000.0
        out["accuracyAfter"] = "1 full epoch" if out["epoch"]["complete"] else f"{out['epoch']['examples']} examples (partial epoch, --quick)"
        log(f"test accuracy {100 * out['accuracy']:.2f}% after {out['accuracyAfter']} ({out['epoch']['seconds']:.1f} s)")
        after = 0
        measured = lambda: sum(w["ms"] for w in windows)
        while out["status"] == "ok" and (
            measured() < 1000.0 * timing["measuredSeconds"] or len(windows) < timing["minWindows"] or after < extra
        ):
            timed("after")
            after += 1
    out["windows"] = windows
    return out


def run_case(case):
    log = lambda text: print(text, file=sys.stderr, flush=True)
    threads = int(case["threads"])
    import torch  # only here: the split check runs without it

    torch.set_num_threads(threads)
    info = {
        "library": f"torch {torch.__version__}",
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "precision": "float32",
        "execution": "eager, CPU; the whole split as float tensors once, a batch a slice of them",
        "init": "PyTorch's default initialisation, torch.manual_seed(spec seed)",
        "dropout": "inverted (scales by 1/(1 - rate) at train time)",
    }
    result = {"status": "ok", "info": info}
    try:
        model = Model(torch, case)
        result["dataCheck"] = {"sha256": model.digest}
        result.update(
            measure(model, case["workload"], case["dataset"]["train"], case["timing"], case["quick"], case["budgetSeconds"], log)
        )
    except Exception as e:  # one case's failure is its row's error, not the run's
        result.update(status="error", error=f"{type(e).__name__}: {e}"[:600])
        log(f"error: {result['error']}")
    return result


def main(argv):
    if len(argv) == 4 and argv[0] == "--split":
        seed, n_train, n_test = (int(a) for a in argv[1:])
        data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "www", "data", "mnist")
        print(split_digest(*load_split(data, seed, n_train, n_test)[:4]))
        return 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    json.dump(run_case(json.load(sys.stdin)), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
