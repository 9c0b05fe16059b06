#!/usr/bin/env python3
"""Reference values from an established framework (JAX, float64) for nn-playground's tests.

Run:
    python3 -m venv /tmp/refenv && /tmp/refenv/bin/pip install jax jaxlib numpy optax torch
    /tmp/refenv/bin/python scripts/reference/make_reference.py

Writes tests/data/reference/{optimizers,conv2d,pool,loss,dense,batchnorm}.json. The output is deterministic:
running the script again gives the same files (fixed numpy seeds; JAX on CPU in float64).

Everything is computed in float64 (jax_enable_x64). Every *input* (initial parameters, gradients,
images, weights, upstream gradients, hyperparameters) is first rounded to float32, so the f32
engine and the f64 reference start from exactly the same numbers and the only difference left is
the engine's own f32 arithmetic. Every value that is exact in float32 (all inputs, and many outputs)
is written with the shortest text that parses back to that same float32 — so parse them as f32
(as f64 the text can be ~3e-8 relative off the exact value); other values are rounded to 9
significant digits.

JSON LAYOUT (shared by every file)
----------------------------------
Top level: {"produced_by": {...}, "about": "...", "cases": [...]}
  produced_by: {"script": "scripts/reference/make_reference.py", "python", "jax", "jaxlib",
                "numpy", "optax", "float": "float64"}
A tensor is {"shape": [d0, d1, ...], "data": [flat values, row-major (C order)]}.
Image tensors are NCHW ([batch, channels, height, width]); conv weights are OIHW
([out_channels, in_channels, kernel_h, kernel_w]); dense weights are [out, in] (PyTorch layout).
Gradients named grad_* are d(sum(y * grad_out))/d(·), i.e. the backward pass of the op given the
upstream gradient grad_out (computed with jax.vjp).

optimizers.json
  "params": [{"name", "shape", "decay"}...]: the parameter tensors, stored one after another in
            this order in a flat vector (as ParamStore lays them out); L2 and AdamW decay apply only
            where decay is true.
  each case: "name"; "optimizer": the engine's OptimizerSpec JSON ({"type": "sgd"|"adam"|"adamw"|
            "rmsprop"|"adagrad"|"adadelta", ...}); "l2": coupled L2 λ (PyTorch weight_decay);
            "lr": [learning rate used at each step]; "initial": [flat θ0]; "grads": [[flat g_t] per
            step] (the raw gradient, before L2 is added); "expected": [[flat θ after step t] per
            step]; "optax_checked": whether optax reproduced the same trajectory (to 1e-12);
            "note" (optional).
  The gradients come from jax.grad of a fixed quadratic loss 0.5·|A·θ − y|² at the current θ of
  that case's own trajectory (then rounded to f32), so they differ per case and are recorded.

conv2d.json   each case: "name"; "x" [n,c,h,w]; "w" [o,c,kh,kw]; "b" [o]; "stride": [sh, sw];
              "pads": {"top", "bottom", "left", "right"} — the explicit zero padding used (the
              "same" case is TensorFlow/JAX style: total = k − 1, top/left = floor(total/2),
              bottom/right = the rest); "padding_name": "explicit"|"valid"|"same";
              "y" [n,o,oh,ow] = cross-correlation (no kernel flip, like PyTorch) + b;
              "grad_out" [n,o,oh,ow]; "grad_x", "grad_w", "grad_b" (shapes of x, w, b).
              oh = (h + top + bottom − kh) / sh + 1 (floor), ow likewise.
pool.json     each case: "name"; "kind": "max"|"avg"; "size", "stride" (square windows, no
              padding, output (h − size) / stride + 1, floor: trailing rows/cols that do not fill
              a window are ignored); "x" [n,c,h,w] with all values distinct within the tensor (no
              ties for max); "y"; "grad_out"; "grad_x". avg divides by size². For overlapping
              windows an input that is the max of several windows gets the sum of their grads.
loss.json     softmax + cross-entropy, mean over the batch: loss = mean_i(logsumexp(z_i) − z_i[y_i]).
              each case: "name"; "logits" [n,k]; "labels" [n] (class indices); "loss" (a number);
              "grad_logits" [n,k] = (softmax(z) − onehot(y)) / n.
              The "large" case has logits ±100 (and 0, 50): some losses are ~200, some ~1e-87 —
              compare those with an absolute tolerance.
dense.json    y = x·Wᵀ + b. each case: "name"; "x" [n,in]; "w" [out,in]; "b" [out]; "y" [n,out];
              "grad_out" [n,out]; "grad_x" [n,in]; "grad_w" [out,in]; "grad_b" [out].
batchnorm.json  torch.nn.BatchNorm1d/2d in float64 (eps 1e-5, momentum 0.1), cross-checked with the
              formula in jax.numpy to 1e-12. each case: "name"; "mode": "train"|"eval"; "x"
              [n,c,h,w] or [n,c]; "gamma", "beta" [c]; "running_mean", "running_var" [c] before;
              "shards": [rows of each shard, in order] (training: each shard is normalised by its
              own batch statistics, as the engine's shards are, and the running estimates move once,
              by the whole batch's mean and unbiased variance, as one BatchNorm forward pass over the
              whole batch moves them); "grad_out"; "y"; "grad_x"; "grad_gamma"; "grad_beta";
              "running_mean_after", "running_var_after" [c] (unchanged in evaluation).

Inputs of conv2d/pool/dense are random multiples of 1/32 or 1/8 (exact in f32), so their sums of
products are exact in f32 too: those outputs should match to ~1e-6 relative whatever the
accumulation order.

WHY NOT optax ALONE (optimizers)
--------------------------------
The point is PyTorch's definitions (torch.optim docs) computed by an independent implementation.
Each rule is written out below in jax.numpy, float64, following the PyTorch docs, and then, where
optax has the same definition, the trajectory is recomputed with optax and must agree to 1e-12:
- SGD / momentum / Nesterov: optax.sgd (trace starts at 0 so its first step is v = g, as PyTorch's
  buf = clone(g) with dampening 0; Nesterov g + μ·v) — same definition.
- Adam: optax.adam (eps outside the root, eps_root 0) — same.
- AdamW: optax.adamw gives θ − lr·(adam + wd·θ) = θ·(1 − lr·wd) − lr·adam, PyTorch's
  param.mul_(1 − lr·wd) followed by the Adam step — same (mask excludes biases, see below).
- RMSprop: optax.rmsprop by default puts eps INSIDE the root (1/√(s + ε)); PyTorch uses
  1/(√s + ε). With eps_in_sqrt=False, initial_scale=0, optax matches PyTorch (momentum: b = μb +
  g/(√s+ε), θ −= lr·b), so that variant is the cross-check.
- Adadelta: optax.adadelta (ε inside both roots, as PyTorch) — same.
- Adagrad: optax.adagrad puts ε inside the root (1/√(s + ε)) and Keras does too; PyTorch uses
  1/(√s + ε) and has lr_decay. No optax variant matches, so these cases (and Adadelta's) are
  checked against torch.optim.Adagrad / torch.optim.Adadelta run in float64 instead, with
  weight_decay = λ on the decaying tensors' parameter group.
Coupled L2 is optax.add_decayed_weights(λ, mask) chained before the optimizer (g + λθ).
AdamW's decoupled decay here applies to decay==true tensors only (PyTorch: to all params unless
parameter groups exclude biases; excluding them is the engine's documented choice).
"adamw_l2" (decoupled wd AND coupled L2 together) has no PyTorch equivalent: it checks the engine's
documented convention (L2 on θ before the shrink).
"""

import json
import os
import platform

import numpy as np
import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import jaxlib  # noqa: E402
import optax  # noqa: E402
import torch  # noqa: E402

SCRIPT = "scripts/reference/make_reference.py"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "data", "reference")

PRODUCED_BY = {
    "script": SCRIPT,
    "python": platform.python_version(),
    "jax": jax.__version__,
    "jaxlib": jaxlib.__version__,
    "numpy": np.__version__,
    "optax": optax.__version__,
    "torch": torch.__version__.split("+")[0],
    "float": "float64",
}


# ---------------------------------------------------------------------------------------------
# Number formatting


def f32(x):
    """Round to float32 and return float64 values (exact), as numpy arrays or floats."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def f32s(x):
    return float(np.float32(x))


class Num(float):
    """A float that json writes with a chosen text."""

    def __new__(cls, value, text):
        obj = float.__new__(cls, value)
        obj.text = text
        return obj

    def __repr__(self):
        return self.text


def num(x):
    """Shortest float32 text for values exact in float32 (inputs), else 9 significant digits."""
    x = float(x)
    if x == 0.0:
        return Num(0.0, "0.0")
    # str() of a numpy float32 is the shortest text that parses back to the same float32.
    text = str(np.float32(x)) if float(np.float32(x)) == x else "%.9g" % x
    if "e" not in text and "." not in text:
        text += ".0"
    return Num(float(text), text)


def flat(x):
    return [num(v) for v in np.asarray(x, dtype=np.float64).ravel()]


def tensor(x):
    x = np.asarray(x)
    return {"shape": list(x.shape), "data": flat(x)}


def encode(o, depth):
    pad = "  " * (depth + 1)
    end = "  " * depth
    if isinstance(o, Num):
        return o.text
    if isinstance(o, bool) or o is None:
        return json.dumps(o)
    if isinstance(o, float):
        return num(o).text
    if isinstance(o, (int, str)):
        return json.dumps(o)
    if isinstance(o, dict):
        items = [f"{pad}{json.dumps(k)}: {encode(v, depth + 1)}" for k, v in o.items()]
        return "{\n" + ",\n".join(items) + "\n" + end + "}"
    if isinstance(o, list):
        if all(not isinstance(v, (dict, list)) for v in o):
            return "[" + ", ".join(encode(v, depth + 1) for v in o) + "]"
        return "[\n" + ",\n".join(pad + encode(v, depth + 1) for v in o) + "\n" + end + "]"
    raise TypeError(type(o))


def write(name, about, cases, extra=None):
    os.makedirs(OUT, exist_ok=True)
    doc = {"produced_by": PRODUCED_BY, "about": about, **(extra or {}), "cases": cases}
    text = encode(doc, 0) + "\n"
    json.loads(text)  # must parse
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(path, ROOT)} ({len(text)} bytes, {len(cases)} cases)")


def dyadic(rng, shape, scale=32, limit=2.0):
    """Random multiples of 1/scale in [-limit, limit]: exact in f32, exact sums of products."""
    n = int(limit * scale)
    return rng.integers(-n, n + 1, size=shape).astype(np.float64) / scale


def distinct(rng, shape, scale=8):
    """All-distinct values (a random permutation of a grid with step 1/scale), centred on 0."""
    size = int(np.prod(shape))
    return (rng.permutation(size).astype(np.float64) - size // 2).reshape(shape) / scale


# ---------------------------------------------------------------------------------------------
# (a) Optimizers: PyTorch's rules written out in jax.numpy, float64

PARAMS = [
    {"name": "w1", "shape": [2, 3], "decay": True},
    {"name": "b1", "shape": [2], "decay": False},
    {"name": "w2", "shape": [2], "decay": True},
]
SIZES = [int(np.prod(p["shape"])) for p in PARAMS]
N = sum(SIZES)
MASK = jnp.concatenate([jnp.full(s, 1.0 if p["decay"] else 0.0) for p, s in zip(PARAMS, SIZES)])
STEPS = 5


def split(theta):
    out, o = {}, 0
    for p, s in zip(PARAMS, SIZES):
        out[p["name"]] = theta[o:o + s]
        o += s
    return out


def join(tree):
    return jnp.concatenate([tree[p["name"]] for p in PARAMS])


def init_state(spec):
    z = jnp.zeros(N)
    if spec["type"] == "adagrad":
        return {"t": 0, "a": jnp.full(N, spec["initialAccumulatorValue"]), "b": z}
    return {"t": 0, "a": z, "b": z}


def pytorch_step(spec, l2, lr, theta, g, st):
    """One update, following the torch.optim docs (float64)."""
    kind = spec["type"]
    t = st["t"] + 1
    g = g + l2 * MASK * theta  # coupled L2 (weight_decay), weights only
    if kind == "sgd":
        mu, nesterov = spec["momentum"], spec["nesterov"]
        if mu == 0.0:
            return theta - lr * g, {"t": t, "a": st["a"], "b": st["b"]}
        # first step: b = g (dampening 0); later: b = μb + g
        v = g if t == 1 else mu * st["a"] + g
        d = g + mu * v if nesterov else v
        return theta - lr * d, {"t": t, "a": v, "b": st["b"]}
    if kind in ("adam", "adamw"):
        b1, b2, eps = spec["beta1"], spec["beta2"], spec["eps"]
        if kind == "adamw":
            theta = theta * (1.0 - lr * spec["weight_decay"] * MASK)  # decoupled, weights only
        m = b1 * st["a"] + (1 - b1) * g
        v = b2 * st["b"] + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        return theta - lr * m_hat / (jnp.sqrt(v_hat) + eps), {"t": t, "a": m, "b": v}
    if kind == "rmsprop":
        alpha, eps, mu = spec["alpha"], spec["eps"], spec["momentum"]
        s = alpha * st["a"] + (1 - alpha) * g * g
        avg = jnp.sqrt(s) + eps  # eps outside the root (PyTorch)
        if mu > 0.0:
            b = mu * st["b"] + g / avg
            return theta - lr * b, {"t": t, "a": s, "b": b}
        return theta - lr * g / avg, {"t": t, "a": s, "b": st["b"]}
    if kind == "adagrad":
        clr = lr / (1 + (t - 1) * spec["lrDecay"])
        s = st["a"] + g * g
        return theta - clr * g / (jnp.sqrt(s) + spec["eps"]), {"t": t, "a": s, "b": st["b"]}  # eps outside
    if kind == "adadelta":
        rho, eps = spec["rho"], spec["eps"]
        s = rho * st["a"] + (1 - rho) * g * g
        delta = jnp.sqrt(st["b"] + eps) / jnp.sqrt(s + eps) * g  # eps inside both roots
        acc = rho * st["b"] + (1 - rho) * delta * delta
        return theta - lr * delta, {"t": t, "a": s, "b": acc}
    raise ValueError(kind)


def optax_transform(spec, l2, lrs):
    """The same rule from optax, where optax defines it the same way."""
    lr = (lambda count: jnp.asarray(lrs)[count])
    mask = {p["name"]: p["decay"] for p in PARAMS}
    kind = spec["type"]
    if kind == "sgd":
        opt = optax.sgd(lr, momentum=spec["momentum"] or None, nesterov=spec["nesterov"])
    elif kind == "adam":
        opt = optax.adam(lr, b1=spec["beta1"], b2=spec["beta2"], eps=spec["eps"])
    elif kind == "adamw":
        opt = optax.adamw(lr, b1=spec["beta1"], b2=spec["beta2"], eps=spec["eps"],
                          weight_decay=spec["weight_decay"], mask=mask)
    elif kind == "rmsprop":
        opt = optax.rmsprop(lr, decay=spec["alpha"], eps=spec["eps"], eps_in_sqrt=False,
                            initial_scale=0.0, momentum=spec["momentum"] or None)
    elif kind == "adadelta":
        opt = optax.adadelta(lr, rho=spec["rho"], eps=spec["eps"])
    else:
        return None  # no optax rule with PyTorch's definition
    if l2:
        opt = optax.chain(optax.add_decayed_weights(l2, mask), opt)
    return opt


def torch_trajectory(spec, l2, lrs, theta0, grads):
    """The same steps from torch.optim in float64 (Adagrad, Adadelta), or None for other kinds."""
    kind = spec["type"]
    tensors = [torch.tensor(np.asarray(v), dtype=torch.float64, requires_grad=True)
               for v in split(jnp.asarray(theta0)).values()]
    groups = [{"params": [t], "weight_decay": l2 if p["decay"] else 0.0} for t, p in zip(tensors, PARAMS)]
    if kind == "adagrad":
        opt = torch.optim.Adagrad(groups, lr=spec["lr"], lr_decay=spec["lrDecay"], eps=spec["eps"],
                                  initial_accumulator_value=spec["initialAccumulatorValue"])
    elif kind == "adadelta":
        opt = torch.optim.Adadelta(groups, lr=spec["lr"], rho=spec["rho"], eps=spec["eps"])
    else:
        return None
    out = []
    for lr, g in zip(lrs, grads):
        for group in opt.param_groups:
            group["lr"] = lr
        for t, part in zip(tensors, split(jnp.asarray(g)).values()):
            t.grad = torch.tensor(np.asarray(part), dtype=torch.float64)
        opt.step()
        out.append(np.concatenate([t.detach().numpy() for t in tensors]))
    return out


def optimizer_cases():
    rng = np.random.default_rng(20240611)
    a_mat = jnp.asarray(rng.normal(size=(12, N)) / np.sqrt(N))
    # Initial θ: magnitudes in [0.5, 1.5], random signs. The minimum θ* lies within ±40% of θ0, so
    # no value comes near 0 in 5 steps (the test compares relatively).
    theta0 = f32(rng.uniform(0.5, 1.5, size=N) * rng.choice([-1.0, 1.0], size=N))
    y = a_mat @ jnp.asarray(theta0 * rng.uniform(0.6, 1.4, size=N))

    def loss(theta):
        r = a_mat @ theta - y
        return 0.5 * jnp.dot(r, r)

    grad = jax.grad(loss)

    def spec_sgd(lr, momentum=0.0, nesterov=False):
        return {"type": "sgd", "lr": lr, "momentum": momentum, "nesterov": nesterov}

    def spec_adam(lr, kind="adam", wd=None, eps=1e-8):
        s = {"type": kind, "lr": lr, "beta1": 0.9, "beta2": 0.999, "eps": eps}
        if wd is not None:
            s["weight_decay"] = wd
        return s

    def spec_rms(lr, momentum=0.0, eps=1e-8):
        return {"type": "rmsprop", "lr": lr, "alpha": 0.99, "eps": eps, "momentum": momentum}

    def spec_adagrad(lr, lr_decay=0.0, initial=0.0, eps=1e-10):
        return {"type": "adagrad", "lr": lr, "lrDecay": lr_decay, "initialAccumulatorValue": initial, "eps": eps}

    def spec_adadelta(lr=1.0, rho=0.9, eps=1e-6):
        return {"type": "adadelta", "lr": lr, "rho": rho, "eps": eps}

    varying = [0.01, 0.02, 0.005, 0.01, 0.001]
    plan = [
        ("sgd", spec_sgd(0.05), 0.01, None, None),
        ("sgd_momentum", spec_sgd(0.05, 0.9), 0.01, None, None),
        ("sgd_nesterov", spec_sgd(0.05, 0.9, True), 0.01, None, None),
        ("adam", spec_adam(0.01), 0.01, None, None),
        ("adamw", spec_adam(0.01, "adamw", 0.01), 0.0, None,
         "decoupled weight decay 0.01 on decay==true tensors; no coupled L2 (as PyTorch AdamW)"),
        ("rmsprop", spec_rms(0.001), 0.01, None, "eps outside the root, as PyTorch"),
        ("rmsprop_momentum", spec_rms(0.001, 0.9), 0.01, None, None),
        ("adam_varying_lr", spec_adam(0.01), 0.01, varying,
         "lr changes between steps (as a schedule or a live change does); bias correction uses t"),
        ("adamw_varying_lr", spec_adam(0.01, "adamw", 0.01), 0.0, varying,
         "the decoupled shrink 1 − lr·wd uses each step's lr"),
        # With ε = 1e-8 its placement changes θ by ~1e-8, below the test's tolerance; a large ε
        # makes "ε outside the root" (RMSprop) and "ε after the bias correction" (Adam) visible.
        ("rmsprop_large_eps", spec_rms(0.001, eps=0.01), 0.01, None,
         "eps 0.01 so that its placement (outside the root, PyTorch) matters"),
        ("adam_large_eps", spec_adam(0.01, eps=0.001), 0.01, None,
         "eps 0.001 so that its placement (added to √v̂, after the bias correction) matters"),
        ("adamw_l2", spec_adam(0.01, "adamw", 0.01), 0.01, None,
         "engine convention, no PyTorch equivalent: coupled L2 on θ before the decoupled shrink"),
        ("adagrad", spec_adagrad(0.05), 0.01, None, "PyTorch's defaults: sum starts at 0, eps 1e-10"),
        ("adagrad_decay_initial", spec_adagrad(0.05, lr_decay=0.25, initial=0.1), 0.01, None,
         "lr / (1 + (t − 1)·lr_decay) and a sum that starts at initial_accumulator_value"),
        ("adagrad_large_eps", spec_adagrad(0.05, initial=0.01, eps=0.01), 0.01, varying[:1] * 2 + varying[2:],
         "eps 0.01 so that its placement (outside the root, PyTorch; Keras and optax put it inside) matters; "
         "lr changes between steps"),
        ("adadelta", spec_adadelta(), 0.01, None, "PyTorch's defaults: lr 1, rho 0.9, eps 1e-6"),
        ("adadelta_rho_eps", spec_adadelta(0.5, rho=0.5, eps=1e-3), 0.01, None,
         "rho 0.5 and eps 1e-3 so that both running averages and eps inside both roots show"),
    ]
    cases = []
    for name, spec, l2, lrs, note in plan:
        # Hyperparameters as the engine sees them: float32.
        spec = {k: (f32s(v) if isinstance(v, float) else v) for k, v in spec.items()}
        l2 = f32s(l2)
        lrs = [f32s(v) for v in (lrs or [spec["lr"]] * STEPS)]
        theta, st = jnp.asarray(theta0), init_state(spec)
        grads, expected = [], []
        for k in range(STEPS):
            g = jnp.asarray(f32(grad(theta)))  # the engine receives f32 gradients
            theta, st = pytorch_step(spec, l2, lrs[k], theta, g, st)
            grads.append(np.asarray(g))
            expected.append(np.asarray(theta))
        assert np.min(np.abs(np.array(expected))) > 0.1, name

        # Independent cross-checks with optax and torch.optim on the same gradients.
        opt = optax_transform(spec, l2, lrs)
        if opt is not None:
            params = split(jnp.asarray(theta0))
            state = opt.init(params)
            for k in range(STEPS):
                updates, state = opt.update(split(jnp.asarray(grads[k])), state, params)
                params = optax.apply_updates(params, updates)
                err = float(jnp.max(jnp.abs(join(params) - expected[k])))
                assert err < 1e-12, f"{name}: optax differs by {err} at step {k + 1}"
        by_torch = torch_trajectory(spec, l2, lrs, theta0, grads)
        for k, got in enumerate(by_torch or []):
            err = float(np.max(np.abs(got - expected[k])))
            assert err < 1e-12, f"{name}: torch.optim differs by {err} at step {k + 1}"

        case = {
            "name": name,
            "optimizer": spec,
            "l2": l2,
            "lr": lrs,
            "initial": flat(theta0),
            "grads": [flat(g) for g in grads],
            "expected": [flat(e) for e in expected],
            "optax_checked": opt is not None,
        }
        if by_torch is not None:
            case["torch_checked"] = True
        if note:
            case["note"] = note
        cases.append(case)
    about = ("Five optimizer steps per case, PyTorch's update rules (torch.optim docs) in float64, "
             "cross-checked with optax and, for Adagrad and Adadelta, with torch.optim in float64; params laid out flat in the order of 'params'. "
             "Layout: see the docstring of " + SCRIPT + ".")
    return {"params": PARAMS, "about": about, "cases": cases}


def write_optimizers():
    out = optimizer_cases()
    write("optimizers.json", out["about"], out["cases"], {"params": out["params"]})


# ---------------------------------------------------------------------------------------------
# (b) conv2d forward and backward (NCHW / OIHW, cross-correlation like PyTorch)


def conv_case(rng, name, n, c, h, w, o, kh, kw, stride, pads, padding_name):
    x = dyadic(rng, (n, c, h, w))
    wt = dyadic(rng, (o, c, kh, kw))
    b = dyadic(rng, (o,))
    top, bottom, left, right = pads

    def f(x, wt, b):
        y = jax.lax.conv_general_dilated(
            x, wt, window_strides=(stride, stride), padding=[(top, bottom), (left, right)],
            dimension_numbers=("NCHW", "OIHW", "NCHW"), precision=jax.lax.Precision.HIGHEST)
        return y + b[None, :, None, None]

    y, vjp = jax.vjp(f, jnp.asarray(x), jnp.asarray(wt), jnp.asarray(b))
    oh = (h + top + bottom - kh) // stride + 1
    ow = (w + left + right - kw) // stride + 1
    assert y.shape == (n, o, oh, ow), (name, y.shape)
    if padding_name == "same":
        # Check the explicit pads against JAX's own "SAME" rule.
        want = jax.lax.padtype_to_pads((h, w), (kh, kw), (stride, stride), "SAME")
        assert [tuple(p) for p in want] == [(top, bottom), (left, right)], (name, want)
        y_same = jax.lax.conv_general_dilated(
            jnp.asarray(x), jnp.asarray(wt), (stride, stride), "SAME",
            dimension_numbers=("NCHW", "OIHW", "NCHW"), precision=jax.lax.Precision.HIGHEST)
        assert np.allclose(y_same + b[None, :, None, None], y, rtol=0, atol=1e-12)
    grad_out = dyadic(rng, y.shape)
    gx, gw, gb = vjp(jnp.asarray(grad_out))
    return {
        "name": name,
        "x": tensor(x), "w": tensor(wt), "b": tensor(b),
        "stride": [stride, stride],
        "pads": {"top": top, "bottom": bottom, "left": left, "right": right},
        "padding_name": padding_name,
        "y": tensor(y), "grad_out": tensor(grad_out),
        "grad_x": tensor(gx), "grad_w": tensor(gw), "grad_b": tensor(gb),
    }


def write_conv():
    rng = np.random.default_rng(20240612)
    cases = [
        # (4 + 2·1 − 3)/1 + 1 = 4
        conv_case(rng, "k3_s1_pad1_batch2", 2, 1, 4, 4, 2, 3, 3, 1, (1, 1, 1, 1), "explicit"),
        # (9 + 2·2 − 5)/2 + 1 = 5, (7 + 2·2 − 5)/2 + 1 = 4
        conv_case(rng, "k5_s2_pad2_c2_9x7", 1, 2, 9, 7, 2, 5, 5, 2, (2, 2, 2, 2), "explicit"),
        # kernel 3 high × 2 wide, valid: (5 − 3) + 1 = 3, (4 − 2) + 1 = 3
        conv_case(rng, "k3x2_valid", 1, 2, 5, 4, 2, 3, 2, 1, (0, 0, 0, 0), "valid"),
        # even kernel, "same", stride 1: total pad 3 → top/left 1, bottom/right 2; output 6×5
        conv_case(rng, "k4_same_s1", 1, 2, 6, 5, 2, 4, 4, 1, (1, 2, 1, 2), "same"),
    ]
    write("conv2d.json",
          "conv2d forward and backward (jax.lax.conv_general_dilated, NCHW/OIHW, float64, "
          "grads via jax.vjp). Layout: see the docstring of " + SCRIPT + ".", cases)


# ---------------------------------------------------------------------------------------------
# (c) max and average pooling (jax.lax.reduce_window, VALID = floor)


def pool_case(rng, name, kind, n, c, h, w, size, stride):
    x = distinct(rng, (n, c, h, w))
    window, strides = (1, 1, size, size), (1, 1, stride, stride)

    def f(x):
        if kind == "max":
            return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, window, strides, "VALID")
        return jax.lax.reduce_window(x, 0.0, jax.lax.add, window, strides, "VALID") / (size * size)

    y, vjp = jax.vjp(f, jnp.asarray(x))
    oh, ow = (h - size) // stride + 1, (w - size) // stride + 1
    assert y.shape == (n, c, oh, ow), (name, y.shape)
    grad_out = dyadic(rng, y.shape)
    (gx,) = vjp(jnp.asarray(grad_out))
    return {
        "name": name, "kind": kind, "size": size, "stride": stride,
        "x": tensor(x), "y": tensor(y), "grad_out": tensor(grad_out), "grad_x": tensor(gx),
    }


def write_pool():
    rng = np.random.default_rng(20240613)
    cases = []
    for kind in ("max", "avg"):
        # (5 − 2)/2 + 1 = 2: the last row and column are unused
        cases.append(pool_case(rng, f"{kind}_k2_s2_5x5", kind, 1, 2, 5, 5, 2, 2))
        # (14 − 3)/3 + 1 = 4: rows/cols 12 and 13 are unused
        cases.append(pool_case(rng, f"{kind}_k3_s3_14x14", kind, 1, 1, 14, 14, 3, 3))
        # overlapping: (7 − 3)/2 + 1 = 3
        cases.append(pool_case(rng, f"{kind}_k3_s2_7x7_overlap", kind, 1, 2, 7, 7, 3, 2))
    write("pool.json",
          "max and average pooling forward and backward (jax.lax.reduce_window, VALID, float64, "
          "grads via jax.vjp). Layout: see the docstring of " + SCRIPT + ".", cases)


# ---------------------------------------------------------------------------------------------
# (d) softmax cross-entropy, mean over the batch


def loss_case(name, logits, labels):
    logits = f32(logits)
    labels = np.asarray(labels, dtype=np.int64)

    def f(z):
        lse = jax.scipy.special.logsumexp(z, axis=1)
        picked = jnp.take_along_axis(z, jnp.asarray(labels)[:, None], axis=1)[:, 0]
        return jnp.mean(lse - picked)

    loss, g = jax.value_and_grad(f)(jnp.asarray(logits))
    return {"name": name, "logits": tensor(logits), "labels": [int(v) for v in labels],
            "loss": num(loss), "grad_logits": tensor(g)}


def write_loss():
    rng = np.random.default_rng(20240614)
    cases = [
        loss_case("random", rng.normal(size=(4, 5)) * 2.0, rng.integers(0, 5, size=4)),
        loss_case("large", [[100.0, -100.0, 100.0, -100.0],   # label at −100: loss 200 + ln 2
                            [-100.0, 100.0, -100.0, -100.0],  # label at the max: loss ~ 3e-87
                            [100.0, 100.0, 100.0, 100.0],     # uniform: ln 4
                            [-100.0, 0.0, 100.0, 50.0]],      # loss 50 + ~2e-22
                  [1, 1, 0, 3]),
    ]
    write("loss.json",
          "softmax + cross-entropy mean loss and its gradient w.r.t. the logits (jax, float64). "
          "Layout: see the docstring of " + SCRIPT + ".", cases)


# ---------------------------------------------------------------------------------------------
# (e) dense: y = x·Wᵀ + b, W [out, in]


def dense_case(rng, name, n, n_in, n_out):
    x, w, b = dyadic(rng, (n, n_in)), dyadic(rng, (n_out, n_in)), dyadic(rng, (n_out,))

    def f(x, w, b):
        return jnp.matmul(x, w.T, precision=jax.lax.Precision.HIGHEST) + b

    y, vjp = jax.vjp(f, jnp.asarray(x), jnp.asarray(w), jnp.asarray(b))
    grad_out = dyadic(rng, y.shape)
    gx, gw, gb = vjp(jnp.asarray(grad_out))
    return {"name": name, "x": tensor(x), "w": tensor(w), "b": tensor(b), "y": tensor(y),
            "grad_out": tensor(grad_out), "grad_x": tensor(gx), "grad_w": tensor(gw),
            "grad_b": tensor(gb)}


def write_dense():
    rng = np.random.default_rng(20240615)
    cases = [dense_case(rng, "n3_in4_out2", 3, 4, 2), dense_case(rng, "n2_in5_out3", 2, 5, 3)]
    write("dense.json",
          "dense forward and backward, W [out, in] as PyTorch (jax, float64, grads via jax.vjp). "
          "Layout: see the docstring of " + SCRIPT + ".", cases)


# ---------------------------------------------------------------------------------------------
# (f) batch norm: torch.nn.BatchNorm1d/2d, float64


def batchnorm_case(rng, name, mode, shape, shards, offset=0.0, spread=1.0):
    c = shape[1]
    x = dyadic(rng, shape) * spread + offset
    gamma, beta = dyadic(rng, (c,)), dyadic(rng, (c,))
    running_mean, running_var = dyadic(rng, (c,)), 0.25 + np.abs(dyadic(rng, (c,)))
    grad_out = dyadic(rng, shape)
    assert sum(shards) == shape[0]

    def module():
        m = (torch.nn.BatchNorm2d if len(shape) == 4 else torch.nn.BatchNorm1d)(
            c, eps=1e-5, momentum=0.1, dtype=torch.float64)
        with torch.no_grad():
            m.weight.copy_(torch.tensor(gamma))
            m.bias.copy_(torch.tensor(beta))
            m.running_mean.copy_(torch.tensor(running_mean))
            m.running_var.copy_(torch.tensor(running_var))
        return m.train(mode == "train")

    # Each shard through its own copy of the module (so that the running estimates move only once,
    # below); the parameters' gradients are the sums over the copies.
    xt = torch.tensor(x, requires_grad=True)
    starts = np.cumsum([0] + list(shards))
    used = [module() for _ in shards]
    y = torch.cat([m(xt[a:b]) for m, a, b in zip(used, starts[:-1], starts[1:])])
    (y * torch.tensor(grad_out)).sum().backward()
    grad_gamma = sum(m.weight.grad for m in used)
    grad_beta = sum(m.bias.grad for m in used)
    axes = (0, 2, 3) if len(shape) == 4 else (0,)
    view = (1, c, 1, 1) if len(shape) == 4 else (1, c)

    # The running estimates after one forward pass over the whole batch.
    whole = module()
    with torch.no_grad():
        whole(torch.tensor(x))

    # Cross-check the output with the formula in jax.numpy.
    def formula(x):
        out = []
        for a, b in zip(starts[:-1], starts[1:]):
            part = x[a:b]
            if mode == "train":
                mean, var = part.mean(axis=axes), part.var(axis=axes)
            else:
                mean, var = jnp.asarray(running_mean), jnp.asarray(running_var)
            out.append((part - mean.reshape(view)) / jnp.sqrt(var.reshape(view) + 1e-5) * gamma.reshape(view)
                       + beta.reshape(view))
        return jnp.concatenate(out)

    y_np = y.detach().numpy()
    jy, vjp = jax.vjp(formula, jnp.asarray(x))
    assert np.max(np.abs(np.asarray(jy) - y_np)) < 1e-12, name
    assert np.max(np.abs(np.asarray(vjp(jnp.asarray(grad_out))[0]) - xt.grad.numpy())) < 1e-12, name
    return {"name": name, "mode": mode, "shards": [int(v) for v in shards], "x": tensor(x),
            "gamma": tensor(gamma), "beta": tensor(beta), "running_mean": tensor(running_mean),
            "running_var": tensor(running_var), "grad_out": tensor(grad_out), "y": tensor(y_np),
            "grad_x": tensor(xt.grad.numpy()), "grad_gamma": tensor(grad_gamma.numpy()),
            "grad_beta": tensor(grad_beta.numpy()),
            "running_mean_after": tensor(whole.running_mean.numpy()),
            "running_var_after": tensor(whole.running_var.numpy())}


def write_batchnorm():
    rng = np.random.default_rng(20240616)
    cases = [
        batchnorm_case(rng, "conv_train", "train", (4, 3, 3, 2), [4]),
        batchnorm_case(rng, "dense_train_offset", "train", (5, 4), [5], offset=3.0, spread=2.0),
        batchnorm_case(rng, "conv_train_two_shards", "train", (5, 2, 2, 3), [3, 2]),
        batchnorm_case(rng, "dense_train_three_shards", "train", (9, 3), [3, 3, 3]),
        batchnorm_case(rng, "conv_eval", "eval", (3, 2, 2, 2), [3]),
        batchnorm_case(rng, "dense_eval", "eval", (4, 5), [4]),
    ]
    write("batchnorm.json",
          "batch norm forward, backward and running-estimate update, torch.nn.BatchNorm1d/2d in float64 "
          "(eps 1e-5, momentum 0.1), each shard normalised by its own statistics. "
          "Layout: see the docstring of " + SCRIPT + ".", cases)


if __name__ == "__main__":
    write_optimizers()
    write_conv()
    write_pool()
    write_loss()
    write_dense()
    write_batchnorm()
