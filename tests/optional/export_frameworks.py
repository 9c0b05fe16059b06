#!/usr/bin/env python3
"""Optional test: the exported scripts run in PyTorch and Keras, load the page's weights and predict
what the engine predicts; the ONNX model gives the engine's probabilities in onnxruntime.

    python tests/optional/export_frameworks.py

Needs node and the built engine (www/pkg); each framework check is skipped, with a note, when its
package (torch, keras with jax/tensorflow/torch, onnxruntime) is not importable. For every network
of export_fixture.mjs the engine trains a few steps on the shipped MNIST and the exports are written;
then, per framework:
  - --weights ... --epochs 0: the script's predictions on the first 200 test images are the engine's
    (a different answer is allowed only where the engine's top two probabilities are within 1e-4);
  - --epochs 1 on 256 training images: the script trains;
for the STEPPED networks of export_fixture.mjs, PyTorch takes the engine's first steps from the same
weights (optimizer, L2, clipping and schedule conventions); and once: torchrun --nproc_per_node=2 on the CPU, and the four standard file names of the full
MNIST (a tiny fake set made here) instead of the page's split.
"""

import gzip
import importlib.util
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPARED = 200
TIE = 1e-4

results = {"passed": 0, "failed": 0, "skipped": 0}


def report(ok, what, detail=""):
    results["passed" if ok else "failed"] += 1
    print(f"{'ok  ' if ok else 'FAIL'} {what}{': ' + detail if detail else ''}", flush=True)


def skip(what, why):
    results["skipped"] += 1
    print(f"skip {what}: {why}", flush=True)


def installed(name):
    return importlib.util.find_spec(name) is not None


def run(args, cwd, env=None):
    """Runs a command; returns (exit code, output)."""
    done = subprocess.run(args, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=900)
    return done.returncode, done.stdout + done.stderr


def compare_predictions(engine, predictions):
    """Mismatches on the first COMPARED test images that are not near-ties of the engine."""
    probabilities = engine["probabilities"]
    classes = len(probabilities) // len(engine["predictions"])
    bad = []
    for i, (want, got) in enumerate(zip(engine["predictions"], predictions[:COMPARED])):
        if want == got:
            continue
        row = sorted(probabilities[i * classes : (i + 1) * classes], reverse=True)
        if row[0] - row[1] > TIE:
            bad.append(i)
    return bad


def check_script(label, command, folder, engine, env=None):
    """--epochs 0 with the exported weights: the parameter count and the predictions."""
    code, output = run(command + ["--epochs", "0", "--predictions", "predictions.json"], folder, env)
    if code != 0:
        report(False, f"{label} loads the weights and tests", output[-2000:])
        return
    count = re.search(r"([\d,]+) parameters, as on the page", output)
    report(count is not None and int(count.group(1).replace(",", "")) == engine["totalParams"], f"{label} has the page's parameter count",
           count.group(0) if count else output[-500:])
    with open(os.path.join(folder, "predictions.json")) as f:
        predictions = json.load(f)["predictions"]
    bad = compare_predictions(engine, predictions)
    report(not bad, f"{label} predicts as the engine on {COMPARED} test images", f"differs at {bad[:10]}" if bad else "")


def check_training(label, command, folder, env=None):
    code, output = run(command + ["--epochs", "1", "--n-train", "256"], folder, env)
    report(code == 0 and "test accuracy" in output, f"{label} trains an epoch", "" if code == 0 else output[-2000:])


def check_onnx(label, folder, engine):
    import numpy as np
    import onnxruntime

    images = np.fromfile(os.path.join(folder, "test_images.u8"), dtype=np.uint8).reshape(-1, 1, 28, 28)
    session = onnxruntime.InferenceSession(os.path.join(folder, "model.onnx"), providers=["CPUExecutionProvider"])
    (probabilities,) = session.run(["probabilities"], {"image": images.astype(np.float32) / 255})
    want = np.array(engine["probabilities"], dtype=np.float32).reshape(probabilities.shape)
    worst = float(np.abs(probabilities - want).max())
    report(worst < 1e-4, f"{label} gives the engine's probabilities", f"largest difference {worst:.2e}")


def check_steps(label, folder, data):
    """From the engine's initial weights, the script's first steps give the engine's weights."""
    import torch

    with open(os.path.join(folder, "steps.json")) as f:
        steps = json.load(f)["steps"]
    code, output = run([sys.executable, "train_pytorch.py", "--data", data, "--cpu", "--weights", "initial.safetensors",
                        "--steps", str(steps), "--save", "trained.pt"], folder)
    if code != 0:
        report(False, label, output[-2000:])
        return
    sys.path.insert(0, folder)
    try:
        from train_pytorch import load_safetensors
    finally:
        sys.path.pop(0)
        sys.modules.pop("train_pytorch", None)
    want = load_safetensors(os.path.join(folder, "stepped.safetensors"))
    start = load_safetensors(os.path.join(folder, "initial.safetensors"))
    got = torch.load(os.path.join(folder, "trained.pt"))
    # Relative to how far the engine moved each tensor: float rounding, not a different rule.
    worst = max(float((got[k] - want[k]).abs().max() / ((want[k] - start[k]).abs().max() + 1e-12)) for k in want)
    report(worst < 1e-3, f"{label}: PyTorch takes the engine's first {steps} steps", f"largest difference {worst:.1e} of the step")


def write_idx(path, dims, values):
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(f">HBB{len(dims)}I", 0, 8, len(dims), *dims) + bytes(values))


def fake_full_mnist(folder):
    """The four standard file names with a few random images: 64 to train, 32 to test."""
    rng = random.Random(1)
    for prefix, n in (("train", 64), ("t10k", 32)):
        write_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"), (n, 28, 28), [rng.randrange(256) for _ in range(n * 784)])
        write_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"), (n,), [rng.randrange(10) for _ in range(n)])


def main():
    if shutil.which("node") is None:
        print("note: node is not installed; nothing to test")
        return 0
    have_torch = installed("torch")
    keras_backend = next((b for b in ("jax", "tensorflow", "torch") if installed(b)), None) if installed("keras") else None
    have_onnx = installed("onnxruntime") and installed("numpy")
    if not have_torch:
        print("note: torch is not importable: the PyTorch checks are skipped")
    if keras_backend is None:
        print("note: keras (with jax, tensorflow or torch) is not importable: the Keras checks are skipped")
    if not have_onnx:
        print("note: onnxruntime is not importable: the ONNX check is skipped")

    work = tempfile.mkdtemp(prefix="export-frameworks-")
    try:
        code, output = run(["node", os.path.join(ROOT, "tests/optional/export_fixture.mjs"), work], ROOT)
        if code == 3:
            print(output.strip())
            return 0
        if code != 0:
            report(False, "the engine writes the exports", output[-2000:])
            return 1
        print(output.strip())
        data = os.path.join(work, "data")
        os.makedirs(data)
        for name in ("images-idx3-ubyte.gz", "labels-idx1-ubyte.gz"):
            shutil.copy(os.path.join(ROOT, "www/data/mnist", name), data)
        python = sys.executable
        keras_env = {"KERAS_BACKEND": keras_backend} if keras_backend else {}
        for network in sorted(os.listdir(work)):
            folder = os.path.join(work, network)
            if network == "data" or not os.path.isdir(folder):
                continue
            if network.startswith("steps-"):
                if have_torch:
                    check_steps(network, folder, data)
                else:
                    skip(network, "torch is not importable")
                continue
            with open(os.path.join(folder, "engine.json")) as f:
                engine = json.load(f)
            torch_command = [python, "train_pytorch.py", "--data", data, "--cpu", "--weights", "model.safetensors"]
            keras_command = [python, "train_keras.py", "--data", data, "--weights", "model_keras.npz"]
            if have_torch:
                check_script(f"{network}: PyTorch", torch_command, folder, engine)
                check_training(f"{network}: PyTorch", torch_command, folder)
            else:
                skip(f"{network}: PyTorch", "torch is not importable")
            if keras_backend:
                check_script(f"{network}: Keras", keras_command, folder, engine, keras_env)
                check_training(f"{network}: Keras", keras_command, folder, keras_env)
            else:
                skip(f"{network}: Keras", "keras is not importable")
            if have_onnx:
                check_onnx(f"{network}: ONNX", folder, engine)
            else:
                skip(f"{network}: ONNX", "onnxruntime is not importable")

        default = os.path.join(work, "default")
        if have_torch:
            code, output = run([python, "-m", "torch.distributed.run", "--nproc_per_node=2", "train_pytorch.py", "--data", data,
                                "--cpu", "--epochs", "1", "--n-train", "512"], default)
            report(code == 0 and "2 process(es) on cpu" in output and "test accuracy" in output,
                   "torchrun --nproc_per_node=2 trains on the CPU (gloo)", "" if code == 0 else output[-2000:])
        full = os.path.join(work, "full")
        os.makedirs(full)
        fake_full_mnist(full)
        for label, command, env, ok in (
            ("PyTorch", [python, "train_pytorch.py", "--data", full, "--cpu", "--epochs", "1"], {}, have_torch),
            ("Keras", [python, "train_keras.py", "--data", full, "--epochs", "1"], keras_env, keras_backend),
        ):
            if not ok:
                skip(f"{label} on the full MNIST's file names", "not importable")
                continue
            code, output = run(command, default, env)
            report(code == 0 and "64 training and 32 test images" in output, f"{label} reads the full MNIST's four files",
                   "" if code == 0 else output[-2000:])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{results['passed']} passed, {results['failed']} failed, {results['skipped']} skipped")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
