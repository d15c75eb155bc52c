"""Shared pieces of Gridwatch's CPU training scripts (detector and segmenter).

Everything here is written for a small CPU box: data are decoded once into uint8 tensors
at model-input size, and augmentation runs on whole batches in the training process, so the
two cores are never split between loader workers and the optimiser.
"""
from __future__ import annotations

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
        import copy

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
