"""Shared pieces of Gridwatch's CPU training scripts (detector and segmenter).

Everything here is written for a small CPU box: data are decoded once into uint8 tensors
at model-input size, and augmentation runs on whole batches in the training process, so the
two cores are never split between loader workers and the optimiser.
"""
from __future__ import annotations

import argparse
import collections
import copy
import json
import math
import os
import platform
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.io import ImageReadMode, read_image

DETECTION_CLASSES = ["vehicle", "person", "vendor_stall", "waste_bin", "bin_overflow", "garbage_pile"]
SEGMENTATION_CLASSES = ["background", "bare_soil", "covered_soil", "vegetation"]
IGNORE_INDEX = 255

# ---------------------------------------------------------------------------------------------
# Process setup


def setup_torch(threads: int, seed: int) -> None:
    torch.set_num_threads(threads)
    # Inter-op parallelism only adds contention when intra-op already uses every core.
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set once in this process
    seed_everything(seed)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def hardware_info() -> dict:
    return {
        "cpu": cpu_model(),
        "logicalCpus": os.cpu_count(),
        "torchThreads": torch.get_num_threads(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "python": platform.python_version(),
        "gpu": None,
    }


def fmt_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2) + "\n")
    tmp.replace(path)


REPO_ROOT = Path(__file__).resolve().parents[2]


def prettier_format(paths: list[Path]) -> None:
    """The repo's `npm test` runs `prettier --check .`, and json.dumps lays arrays out one
    element per line where prettier joins them; formatting here keeps a fresh model's
    manifest from failing the check. Skipped quietly where the repo's prettier is missing."""
    import subprocess

    exe = REPO_ROOT / "node_modules" / ".bin" / "prettier"
    if not exe.exists():
        return
    try:
        cfg = REPO_ROOT / ".prettierrc.json"
        # The repo's settings even for files outside it (trial runs into /tmp).
        extra = ["--config", str(cfg)] if cfg.exists() else []
        subprocess.run([str(exe), "--write", "--log-level", "warn", *extra, *map(str, paths)], cwd=REPO_ROOT,
                       check=True, timeout=120)
    except (subprocess.SubprocessError, OSError) as e:
        log(f"warning: prettier could not format {[str(p) for p in paths]}: {e}")


# ---------------------------------------------------------------------------------------------
# Letterbox, mirroring detector/input-transform.ts so training sees exactly what Gridwatch feeds


def js_round(x: float) -> int:
    # Math.round rounds halves up; Python's round() rounds them to even.
    return int(math.floor(x + 0.5))


def letterbox_geometry(img_w: int, img_h: int, in_w: int, in_h: int) -> tuple[int, int, int, int]:
    """(resized_w, resized_h, pad_x, pad_y) for a centred letterbox, as computeInputTransform."""
    r = min(in_w / img_w, in_h / img_h)
    rw = max(1, min(in_w, js_round(img_w * r)))
    rh = max(1, min(in_h, js_round(img_h * r)))
    return rw, rh, (in_w - rw) // 2, (in_h - rh) // 2


def resize_like_gridwatch(img: torch.Tensor, rw: int, rh: int) -> torch.Tensor:
    """uint8 [3,h,w] -> uint8 [3,rh,rw]. Gridwatch resamples bilinearly (pixel-centre aligned)
    and averages two taps per axis once it shrinks 2x or more; antialiasing approximates the
    latter so strongly reduced frames carry the same blur as at inference."""
    _, h, w = img.shape
    if (h, w) == (rh, rw):
        return img
    antialias = (w / rw) >= 2 or (h / rh) >= 2
    out = F.interpolate(img[None].float(), size=(rh, rw), mode="bilinear", align_corners=False,
                        antialias=antialias)
    return out[0].round_().clamp_(0, 255).to(torch.uint8)


def letterbox_into(images: torch.Tensor, i: int, root: Path, stem: str,
                   sizes: dict[str, int]) -> tuple[int, int, int, int, int, int]:
    """Decodes dataset image `stem` into images[i] (uint8 [N,3,H,W], pre-filled with the pad
    value) letterboxed as Gridwatch does, and counts its source size in `sizes`. Returns
    (w, h, resized_w, resized_h, pad_x, pad_y) for placing its labels."""
    img = read_rgb(image_path(root, stem))
    _, h, w = img.shape
    sizes[f"{w}x{h}"] = sizes.get(f"{w}x{h}", 0) + 1
    rw, rh, px, py = letterbox_geometry(w, h, images.shape[3], images.shape[2])
    images[i, :, py:py + rh, px:px + rw] = resize_like_gridwatch(img, rw, rh)
    return w, h, rw, rh, px, py


def read_rgb(path: Path) -> torch.Tensor:
    return read_image(str(path), mode=ImageReadMode.RGB)


def read_class_mask(path: Path) -> torch.Tensor:
    """Grey PNG of class indices -> uint8 [h,w]. Read unchanged: a GRAY conversion of a
    palette or RGB file would turn indices into luminance."""
    m = read_image(str(path), mode=ImageReadMode.UNCHANGED)
    if m.shape[0] == 3 and not (torch.equal(m[0], m[1]) and torch.equal(m[0], m[2])):
        raise ValueError(f"{path}: mask is colour, expected one grey channel of class indices")
    return m[0]


# ---------------------------------------------------------------------------------------------
# Dataset directories written by `gridwatch synth dataset`


def list_samples(root: Path) -> list[str]:
    img_dir = root / "images"
    if not img_dir.is_dir():
        raise SystemExit(f"{root}: no images/ folder (expected a `gridwatch synth dataset` output)")
    stems = sorted(p.stem for p in img_dir.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    if not stems:
        raise SystemExit(f"{img_dir}: no images")
    return stems


def image_path(root: Path, stem: str) -> Path:
    for ext in (".jpg", ".jpeg", ".png"):
        p = root / "images" / (stem + ext)
        if p.exists():
            return p
    raise FileNotFoundError(f"{root}/images/{stem}.*")


def _string_lists(obj, depth: int = 0):
    if depth > 3:
        return
    if isinstance(obj, list) and obj and all(isinstance(v, str) for v in obj):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _string_lists(v, depth + 1)
    elif isinstance(obj, list):
        for v in obj:
            yield from _string_lists(v, depth + 1)


def dataset_class_remap(root: Path, expected: list[str]) -> list[int] | None:
    """Index map from the dataset's class order to ours, or None when it already matches (or
    dataset.json names no classes). The file's layout is the generator's business, so any list
    of names made only of our classes is taken as the order; a reordered list must not
    silently train the wrong labels."""
    meta = read_dataset_meta(root)
    for names in _string_lists(meta):
        if len(set(names) & set(expected)) < 2:
            continue
        unknown = [n for n in names if n not in expected]
        if unknown:
            raise SystemExit(f"{root}/dataset.json: classes {unknown} are not Gridwatch's {expected}")
        return None if names == expected[: len(names)] else [expected.index(n) for n in names]
    return None


def read_dataset_meta(root: Path) -> dict:
    p = root / "dataset.json"
    try:
        return json.loads(p.read_text()) if p.exists() else {}
    except json.JSONDecodeError:
        return {}


# ---------------------------------------------------------------------------------------------
# Batch augmentation


def colour_matrices(b: int, gen: torch.Generator, hue: float, sat: float, val: float) -> torch.Tensor:
    """Per-image 3x3 RGB transforms: hue rotation about the grey axis, saturation blend towards
    grey and value gain. A linear map costs one batched matmul instead of an HSV round trip."""
    h = (torch.rand(b, generator=gen) * 2 - 1) * hue * 2 * math.pi
    s = 1 + (torch.rand(b, generator=gen) * 2 - 1) * sat
    v = 1 + (torch.rand(b, generator=gen) * 2 - 1) * val
    cos, sin = torch.cos(h), torch.sin(h)
    eye = torch.eye(3).expand(b, 3, 3)
    grey = torch.full((3, 3), 1 / 3).expand(b, 3, 3)
    # Rodrigues rotation about the unit vector (1,1,1)/sqrt(3).
    k = torch.tensor([[0.0, -1, 1], [1, 0, -1], [-1, 1, 0]]) / math.sqrt(3)
    rot = cos[:, None, None] * eye + sin[:, None, None] * k + (1 - cos)[:, None, None] * grey
    sat_m = s[:, None, None] * eye + (1 - s)[:, None, None] * grey
    return v[:, None, None] * (sat_m @ rot)


def apply_colour(x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    b, c, h, w = x.shape
    return torch.bmm(m, x.reshape(b, c, h * w)).reshape(b, c, h, w).clamp_(0, 1)


def affine_params(b: int, gen: torch.Generator, w: int, h: int, scale: tuple[float, float],
                  translate: float, flip_p: float, p: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per image: (sx, sy) signed scales and (tx, ty) shifts in pixels, mapping an input point
    p to centre + s*(p - centre) + t. Scale is log-uniform; the shift lets a zoomed-in view
    reach any part of the frame plus a margin."""
    lo, hi = math.log(scale[0]), math.log(scale[1])
    s = torch.exp(lo + torch.rand(b, generator=gen) * (hi - lo))
    active = torch.rand(b, generator=gen) < p
    s = torch.where(active, s, torch.ones_like(s))
    reach_x = ((s - 1).clamp(min=0) / 2 + translate) * w
    reach_y = ((s - 1).clamp(min=0) / 2 + translate) * h
    tx = (torch.rand(b, generator=gen) * 2 - 1) * reach_x * active
    ty = (torch.rand(b, generator=gen) * 2 - 1) * reach_y * active
    flip = torch.rand(b, generator=gen) < flip_p
    sx = torch.where(flip, -s, s)
    return torch.stack([sx, s], 1), torch.stack([tx, ty], 1), flip


def warp_batch(x: torch.Tensor, scales: torch.Tensor, shifts: torch.Tensor, fill: float,
               mode: str = "bilinear") -> torch.Tensor:
    """Applies the per-image affine maps of affine_params to [B,C,H,W]; uncovered area = fill."""
    b, _, h, w = x.shape
    dev = x.device
    # Inverse map: for each output pixel centre, where it came from in the input.
    xs = torch.arange(w, device=dev, dtype=torch.float32) + 0.5
    ys = torch.arange(h, device=dev, dtype=torch.float32) + 0.5
    cx, cy = w / 2, h / 2
    src_x = (xs[None, :] - cx - shifts[:, 0:1]) / scales[:, 0:1] + cx  # [B,W]
    src_y = (ys[None, :] - cy - shifts[:, 1:2]) / scales[:, 1:2] + cy  # [B,H]
    gx = (src_x * (2 / w) - 1)[:, None, :].expand(b, h, w)
    gy = (src_y * (2 / h) - 1)[:, :, None].expand(b, h, w)
    grid = torch.stack([gx, gy], -1)
    if fill == 0:
        return F.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)
    # grid_sample only pads with zeros; shifting the data makes the pad come out as `fill`.
    return F.grid_sample(x - fill, grid, mode=mode, padding_mode="zeros", align_corners=False) + fill


# ---------------------------------------------------------------------------------------------
# Training helpers


class ModelEMA:
    """Exponential moving average of weights (as in YOLOX). The ramp lets short CPU runs, with
    only a few hundred updates, still end with an average of the late weights."""

    def __init__(self, model: nn.Module, decay: float = 0.9998, tau: float = 2000.0, updates: int = 0):
        self.ema = copy.deepcopy(model).eval()
        for p in self.ema.parameters():
            p.requires_grad_(False)
        self.decay, self.tau, self.updates = decay, tau, updates

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.updates += 1
        d = self.decay * (1 - math.exp(-self.updates / self.tau))
        msd = model.state_dict()
        for k, v in self.ema.state_dict().items():
            if v.dtype.is_floating_point:
                v.mul_(d).add_(msd[k].detach(), alpha=1 - d)
            else:
                v.copy_(msd[k])


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    # Decay on norm scales and biases only pulls them towards zero without regularising.
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if p.ndim <= 1 else decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


class BudgetSchedule:
    """Cosine LR with linear warmup whose length is re-planned from measured step times, so a
    wall-clock budget ends with a fully decayed learning rate rather than a cut mid-schedule."""

    def __init__(self, base_lr: float, max_steps: int, warmup_steps: int, budget_s: float | None,
                 min_lr_ratio: float = 0.05):
        self.base_lr = base_lr
        self.max_steps = max_steps
        self.planned = max_steps
        self.warmup = max(1, warmup_steps)
        self.budget_s = budget_s
        self.min_ratio = min_lr_ratio

    def lr(self, step: int) -> float:
        if step < self.warmup:
            return self.base_lr * (0.1 + 0.9 * step / self.warmup)
        span = max(1, self.planned - self.warmup)
        t = min(1.0, (step - self.warmup) / span)
        return self.base_lr * (self.min_ratio + (1 - self.min_ratio) * 0.5 * (1 + math.cos(math.pi * t)))

    def replan(self, step: int, sec_per_step: float, remaining_s: float) -> None:
        if self.budget_s is None or sec_per_step <= 0:
            return
        fit = step + int(max(0.0, remaining_s) / sec_per_step)
        self.planned = max(step, min(self.max_steps, fit))
        self.warmup = min(self.warmup, max(1, self.planned // 10))


def init_from_fused_onnx(model: nn.Module, path: Path, batches) -> int:
    """Loads an exported model back into `model` for further training. The export folded each
    BatchNorm into its convolution, so the convolutions get the folded weights and each BatchNorm
    gets statistics measured on `batches` (training images) with gamma/beta chosen to cancel
    them: in eval mode the network then computes exactly the exported function, and in training
    mode batch statistics are close to those, so training resumes without a jolt. Convolutions
    are paired with ONNX Conv nodes in execution order, which torch's exporter preserves.
    Returns the number of convolutions loaded."""
    import onnx  # Debian's python3-onnx; only this developer path needs it
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    inits = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}
    # The exporter stores equal tensors once and reaches the copies through Identity nodes.
    for node in graph.node:
        if node.op_type == "Identity" and node.input[0] in inits:
            inits[node.output[0]] = inits[node.input[0]]
        elif node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            inits[node.output[0]] = torch.from_numpy(numpy_helper.to_array(node.attribute[0].t).copy())
    onnx_convs = [(inits[n.input[1]], inits[n.input[2]] if len(n.input) > 2 else None)
                  for n in graph.node if n.op_type == "Conv"]

    order: list[nn.Conv2d] = []
    hooks = [m.register_forward_hook(lambda mod, _i, _o: order.append(mod))
             for m in model.modules() if isinstance(m, nn.Conv2d)]
    batches = list(batches)
    model.eval()
    with torch.no_grad():
        model(batches[0][:1])
    for h in hooks:
        h.remove()
    if len(order) != len(onnx_convs):
        raise SystemExit(f"--init-onnx: {path} has {len(onnx_convs)} convolutions, the model {len(order)}; "
                         "was it exported from this architecture and width?")
    following_bn: dict[nn.Conv2d, nn.BatchNorm2d] = {}
    for m in model.modules():
        if isinstance(m, nn.Sequential):
            kids = list(m.children())
            for a, b in zip(kids, kids[1:]):
                if isinstance(a, nn.Conv2d) and isinstance(b, nn.BatchNorm2d):
                    following_bn[a] = b

    with torch.no_grad():
        for conv, (w, b) in zip(order, onnx_convs):
            if tuple(conv.weight.shape) != tuple(w.shape):
                raise SystemExit(f"--init-onnx: weight shape {tuple(w.shape)} where the model has {tuple(conv.weight.shape)}")
            conv.weight.copy_(w)
            bn = following_bn.get(conv)
            if bn is None:
                if conv.bias is not None and b is not None:
                    conv.bias.copy_(b)
                continue
            # Identity BN plus the folded bias: the network now computes the exported function.
            bn.running_mean.zero_()
            bn.running_var.fill_(1 - bn.eps)
            bn.weight.fill_(1.0)
            bn.bias.copy_(b if b is not None else torch.zeros_like(bn.bias))

        # Measure each convolution's output statistics over the sample batches.
        sums: dict[nn.Conv2d, list[torch.Tensor]] = {c: [0, 0, 0] for c in following_bn}

        def record(mod, _i, out):
            o = out.double()
            acc = sums[mod]
            acc[0] = acc[0] + o.sum((0, 2, 3))
            acc[1] = acc[1] + (o * o).sum((0, 2, 3))
            acc[2] = acc[2] + o.numel() / o.shape[1]

        hooks = [c.register_forward_hook(record) for c in following_bn]
        for x in batches:
            model(x)
        for h in hooks:
            h.remove()
        for conv, bn in following_bn.items():
            s1, s2, cnt = sums[conv]
            mean = (s1 / cnt).float()
            var = (s2 / cnt).float() - mean * mean
            var = var.clamp_min(1e-5)
            folded_bias = bn.bias.clone()
            bn.running_mean.copy_(mean)
            bn.running_var.copy_(var)
            # (Wx - mean) / sqrt(var + eps) * gamma + beta == Wx + folded_bias
            bn.weight.copy_(torch.sqrt(var + bn.eps))
            bn.bias.copy_(mean + folded_bias)
    model.train()
    return len(order)


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def count_macs(model: nn.Module, x: torch.Tensor) -> int:
    """Multiply-accumulates of conv and linear layers for one forward pass (the rest is noise)."""
    total = [0]

    def conv_hook(m: nn.Conv2d, _inp, out):
        k = m.kernel_size[0] * m.kernel_size[1]
        total[0] += out.numel() * (m.in_channels // m.groups) * k

    def lin_hook(m: nn.Linear, _inp, out):
        total[0] += out.numel() * m.in_features

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(lin_hook))
    was_training = model.training
    model.eval()
    model(x)
    model.train(was_training)
    for h in hooks:
        h.remove()
    return total[0] // x.shape[0]


def export_onnx(module: nn.Module, example: torch.Tensor, path: Path, input_name: str,
                output_name: str, opset: int, dynamic_batch: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    module.eval()
    axes = {input_name: {0: "batch"}, output_name: {0: "batch"}} if dynamic_batch else None
    with torch.no_grad():
        torch.onnx.export(
            module, example, str(path), input_names=[input_name], output_names=[output_name],
            opset_version=opset, do_constant_folding=True, dynamic_axes=axes,
        )


def save_reference_io(module: nn.Module, example: torch.Tensor, folder: Path) -> dict:
    """Raw float32 input/output of the exported module, so check-onnx.mjs can confirm that
    onnxruntime computes what PyTorch does."""
    folder.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        out = module.eval()(example)
    example.contiguous().numpy().astype("<f4").tofile(folder / "reference-input.bin")
    out.contiguous().numpy().astype("<f4").tofile(folder / "reference-output.bin")
    info = {"inputShape": list(example.shape), "outputShape": list(out.shape)}
    write_json(folder / "reference.json", info)
    return info


class Stopwatch:
    def __init__(self):
        self.t0 = time.time()

    def elapsed(self) -> float:
        return time.time() - self.t0


def default_work_dir(name: str) -> Path:
    return Path(os.environ.get("GW_TRAIN_WORK", "/tmp/gw-train")) / name


def argv_string() -> str:
    return " ".join([Path(sys.executable).as_posix()] + sys.argv)


# ---------------------------------------------------------------------------------------------
# What both training scripts do around their model: command line, loading, the epoch loop with
# its budget and checkpoints, export and the output files. The model, its data layout, loss and
# metrics stay in each script.


def base_arg_parser(doc: str, name: str, batch: int, weight_decay: float) -> argparse.ArgumentParser:
    """Data, output, budget and optimiser options; a script adds its model's options after these,
    then add_run_args and add_augment_args, so every --help lists them in the same order."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="dataset dir from `gridwatch synth dataset`")
    ap.add_argument("--val-data", type=Path, help="validation dataset; default: hold out --val-fraction of --data")
    ap.add_argument("--val-fraction", type=float, default=0.05)
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--out", type=Path, default=Path(f"models/{name}"))
    ap.add_argument("--max-minutes", type=float, default=None, help="wall-clock budget; stops, evaluates and exports in time")
    ap.add_argument("--resume", type=Path, help="checkpoint (last.pt) to continue from")
    ap.add_argument("--init-onnx", type=Path, help="start from the weights of an earlier export of this architecture "
                    "(BatchNorm folded in; checkpoints of past runs are often gone, the committed ONNX file is not)")
    ap.add_argument("--work-dir", type=Path, default=None, help=f"checkpoints and reference tensors (default /tmp/gw-train/{name})")
    ap.add_argument("--batch", type=int, default=batch)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--weight-decay", type=float, default=weight_decay)
    return ap


def add_run_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--threads", type=int, default=2)
    # A CPU budget gives thousands of steps, not the 100k+ that 0.9998 is meant for: a shorter
    # average still smooths the last epochs without lagging behind the improving weights.
    ap.add_argument("--ema-decay", type=float, default=0.999)
    ap.add_argument("--ema-tau", type=float, default=500.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=None, help="use only the first N training images (debugging)")
    ap.add_argument("--val-every", type=int, default=5, help="epochs between validations (0: only at the end)")
    ap.add_argument("--opset", type=int, default=12)
    ap.add_argument("--model-version", default="0.1.0")


def add_augment_args(ap: argparse.ArgumentParser, hsv: tuple[float, float, float],
                     scale: tuple[float, float]) -> None:
    ap.add_argument("--hsv-h", type=float, default=hsv[0], help="hue shift, fraction of the colour wheel")
    ap.add_argument("--hsv-s", type=float, default=hsv[1])
    ap.add_argument("--hsv-v", type=float, default=hsv[2])
    ap.add_argument("--scale-min", type=float, default=scale[0])
    ap.add_argument("--scale-max", type=float, default=scale[1])
    ap.add_argument("--translate", type=float, default=0.1)
    ap.add_argument("--flip", type=float, default=0.5)
    ap.add_argument("--affine-p", type=float, default=0.8, help="share of images that get scale/shift")


def start_run(a, name: str) -> tuple[Stopwatch, float | None, Path]:
    """Starts the run's clock (the budget counts from here), sets up torch, and returns the clock,
    the budget in seconds (None without --max-minutes) and the work folder, created."""
    clock = Stopwatch()
    setup_torch(a.threads, a.seed)
    budget = a.max_minutes * 60 if a.max_minutes else None
    work = a.work_dir or default_work_dir(name)
    work.mkdir(parents=True, exist_ok=True)
    return clock, budget, work


def load_train_val(load, a) -> tuple[tuple, tuple, dict]:
    """`load(root, limit)` returns (images, targets, ..., info). Returns the training tuple as
    loaded (less the hold-out), (val images, val targets) and the validation set's info; without
    --val-data the last --val-fraction of --data is held out."""
    log(f"loading {a.data}")
    train = load(a.data, a.limit)
    if a.val_data:
        val = load(a.val_data)
        return train, val[:2], val[-1]
    images, targets = train[0], train[1]
    n_val = max(1, int(images.shape[0] * a.val_fraction))
    train = (images[:-n_val], targets[:-n_val], *train[2:])
    return train, (images[-n_val:], targets[-n_val:]), {"path": f"last {n_val} images of {a.data}", "images": n_val}


class TrainResult:
    def __init__(self, ema: ModelEMA, batch: int, start_epoch: int, epoch: int, step: int, steps_run: int,
                 train_s: float, stop_reason: str, history: list[dict]):
        self.ema, self.batch = ema, batch
        self.start_epoch, self.epoch, self.step, self.steps_run = start_epoch, epoch, step, steps_run
        self.train_s, self.stop_reason, self.history = train_s, stop_reason, history

    def report(self, a, clock: Stopwatch, images_seen: bool = False) -> dict:
        """The training-report.json "training" section."""
        r = {
            "epochsRequested": a.epochs, "epochsRun": self.epoch - self.start_epoch, "epochsTotal": self.epoch,
            "steps": self.step, "batch": self.batch, "optimizer": f"AdamW lr {a.lr} wd {a.weight_decay}, cosine, EMA",
            "stopReason": self.stop_reason, "maxMinutes": a.max_minutes,
            "trainSeconds": round(self.train_s, 1), "wallSeconds": round(clock.elapsed(), 1),
            "imagesPerSecond": round(self.steps_run * self.batch / self.train_s, 2) if self.train_s else None,
        }
        if images_seen:
            r["imagesSeen"] = int(sum(h["imgPerSec"] * h["seconds"] for h in self.history))
        r["history"] = self.history
        r["seed"] = a.seed
        return r


def train(a, model: nn.Module, n: int, *, budget: float | None, clock: Stopwatch, work: Path, batch_loss,
          loss_names: tuple[str, str], validate, val_metric: tuple[str, str], reserve: float,
          checkpoint_args: dict) -> TrainResult:
    """AdamW, the budget-planned cosine schedule and an EMA over epochs of `n` training images,
    resumable from the work/last.pt written after every epoch. It stops early enough to leave
    `reserve` seconds (re-measured at each validation) for the final evaluation and export.

    batch_loss(indices, gen) -> (batch size, loss, part 1, part 2) augments and runs one batch;
    the parts are logged and recorded under loss_names. validate(ema_model) -> the metric recorded
    as val_metric = (history key, log label)."""
    bs = min(a.batch, n)
    spe = n // bs
    opt = torch.optim.AdamW(param_groups(model, a.weight_decay), lr=a.lr, foreach=True)
    sched = BudgetSchedule(a.lr, a.epochs * spe, warmup_steps=min(300, 2 * spe), budget_s=budget)
    ema = ModelEMA(model, decay=a.ema_decay, tau=a.ema_tau)
    start_epoch, step, history, prior_seconds = 0, 0, [], 0.0
    if a.resume:
        ck = torch.load(a.resume, map_location="cpu")
        model.load_state_dict(ck["model"])
        ema.ema.load_state_dict(ck["ema"])
        ema.updates = ck["ema_updates"]
        opt.load_state_dict(ck["opt"])
        start_epoch, step, history = ck["epoch"], ck["step"], ck.get("history", [])
        prior_seconds = ck.get("train_seconds", 0.0)
        log(f"resumed from {a.resume}: epoch {start_epoch}, step {step}")
    gen = torch.Generator().manual_seed(a.seed * 1000 + start_epoch)

    name1, name2 = loss_names
    val_key, val_label = val_metric
    train_s, steps_run, epoch = 0.0, 0, start_epoch
    stop_reason = "epochs done"
    recent: collections.deque = collections.deque(maxlen=50)
    while epoch < a.epochs:
        if step >= sched.planned:
            stop_reason = "time budget (planned steps done)"
            break
        model.train()
        perm = torch.randperm(n, generator=gen)
        t_epoch = time.time()
        sums = torch.zeros(3)
        seen, stopped, it = 0, False, 0
        for it in range(spe):
            if budget is not None and clock.elapsed() > budget - reserve:
                stopped, stop_reason = True, "time budget"
                break
            if step >= sched.planned:
                stopped, stop_reason = True, "time budget (planned steps done)"
                break
            t_step = time.time()
            for g in opt.param_groups:
                g["lr"] = sched.lr(step)
            size, loss, part1, part2 = batch_loss(perm[it * bs:(it + 1) * bs], gen)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            opt.step()
            ema.update(model)
            step += 1
            steps_run += 1
            seen += size
            sums += torch.tensor([float(loss), float(part1), float(part2)])
            dt = time.time() - t_step
            train_s += dt
            recent.append(dt)
            # Recent steps only: on a shared box the speed drifts, and a mean over the whole run
            # would keep planning for a slowdown that is over (or ignore one that started).
            if budget is not None and (steps_run == 10 or steps_run % 25 == 0):
                sched.replan(step, sum(recent) / len(recent), budget - clock.elapsed() - reserve)
            if (it + 1) % max(1, spe // 4) == 0 and it + 1 < spe:
                log(f"  epoch {epoch + 1} {it + 1}/{spe} loss {sums[0] / (it + 1):.3f} "
                    f"({seen / (time.time() - t_epoch):.1f} img/s, lr {sched.lr(step):.2e})")
        ep_s = time.time() - t_epoch
        if seen == 0:
            break
        k = max(1, it + (0 if stopped else 1))
        rec = {"epoch": epoch + 1, "loss": round(float(sums[0]) / k, 4), name1: round(float(sums[1]) / k, 4),
               name2: round(float(sums[2]) / k, 4), "imgPerSec": round(seen / ep_s, 2), "seconds": round(ep_s, 1),
               "lr": sched.lr(step), "partial": stopped}
        epoch += 1
        planned_epochs = math.ceil(sched.planned / spe)
        remaining = (sched.planned - step) * (sum(recent) / max(1, len(recent)))
        do_val = not stopped and a.val_every > 0 and epoch % a.val_every == 0 and epoch < planned_epochs
        if do_val:
            tv = time.time()
            rec[val_key] = validate(ema.ema)
            reserve = 20 + 1.5 * (time.time() - tv)
        history.append(rec)
        log(f"epoch {epoch}/{planned_epochs} loss {rec['loss']:.3f} ({name1} {rec[name1]:.3f} {name2} {rec[name2]:.3f}) "
            f"{rec['imgPerSec']:.1f} img/s {ep_s:.0f}s" + (f" val {val_label} {rec[val_key]:.3f}" if do_val else "") +
            f" | elapsed {fmt_duration(clock.elapsed())} ETA {fmt_duration(remaining + reserve)}")
        torch.save({"model": model.state_dict(), "ema": ema.ema.state_dict(), "ema_updates": ema.updates,
                    "opt": opt.state_dict(), "epoch": epoch, "step": step, "history": history,
                    "train_seconds": prior_seconds + train_s, "args": checkpoint_args}, work / "last.pt")
        if stopped:
            break
    return TrainResult(ema, bs, start_epoch, epoch, step, steps_run, train_s, stop_reason, history)


def export_model(wrapper, final: nn.Module, val_images: torch.Tensor, path: Path, output_name: str, opset: int,
                 work: Path) -> dict:
    """ONNX of wrapper(a contiguous-format copy of final) on a validation image, plus the reference
    tensors check-onnx.mjs compares against. Returns the training report's `onnx` section."""
    path.parent.mkdir(parents=True, exist_ok=True)
    exporter = wrapper(copy.deepcopy(final).to(memory_format=torch.contiguous_format)).eval()
    example = val_images[:1].float().div(255)
    export_onnx(exporter, example, path, "images", output_name, opset, dynamic_batch=True)
    ref = save_reference_io(exporter, example, work)
    size = path.stat().st_size
    log(f"exported {path} ({size / 1e6:.2f} MB), output {ref['outputShape']}")
    return {"path": str(path), "bytes": size, "opset": opset, "output": output_name,
            "outputShape": ref["outputShape"], "dynamicBatch": True}


def base_manifest(name: str, version: str, task: str, decoder: str, output_name: str, classes: list[str],
                  in_w: int, in_h: int, pad_value: int) -> dict:
    """manifest.json up to the class list; the weights are `<name>.onnx` beside it, fed RGB 0..1
    through a centred letterbox, as the training tensors were made."""
    return {
        "name": name,
        "version": version,
        "task": task,
        "weights": f"{name}.onnx",
        "input": {"name": "images", "width": in_w, "height": in_h, "channelOrder": "rgb", "resize": "letterbox",
                  "letterboxAnchor": "center", "padValue": pad_value, "scale": 1 / 255,
                  "mean": [0, 0, 0], "std": [1, 1, 1]},
        "output": {"decoder": decoder, "outputName": output_name},
        "classes": classes,
    }


def training_report(a, name: str, clock: Stopwatch, run: TrainResult, *, data: dict, input_size: tuple[int, int],
                    pad_value: int, architecture: dict, onnx: dict, validation: dict,
                    images_seen: bool = False) -> dict:
    """training-report.json; a script may append sections of its own."""
    return {
        "model": name,
        "version": a.model_version,
        "command": argv_string(),
        "data": data,
        "input": {"width": input_size[0], "height": input_size[1], "letterbox": "center", "padValue": pad_value},
        "architecture": architecture,
        "training": run.report(a, clock, images_seen),
        "hardware": hardware_info(),
        "onnx": onnx,
        "validation": validation,
    }


def write_model_files(out: Path, manifest: dict, report: dict, clock: Stopwatch) -> None:
    write_json(out / "manifest.json", manifest)
    write_json(out / "training-report.json", report)
    prettier_format([out / "manifest.json", out / "training-report.json"])
    log(f"wrote {out / 'manifest.json'} and training-report.json in {fmt_duration(clock.elapsed())}")
