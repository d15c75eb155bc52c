#!/usr/bin/python3
"""Trains Gridwatch's soil segmenter (background, bare_soil, covered_soil, vegetation) on
synthetic scenes, on CPU, and exports ONNX logits [B, 4, H/2, W/2] for the `segmentation`
decoder (which upsamples any head resolution back to the frame).

    /usr/bin/python3 models/training/train_segmenter.py --data /tmp/gw-seg-train \
        --val-data /tmp/gw-seg-val --epochs 60 --max-minutes 40 --out models/soil-segmenter

Design: input 384x224 (W x H), letterboxed with pad 0. The three soil classes differ mostly
in texture (bare soil grain vs the regular mesh of green dust netting vs grass blades), and
netting and grass share a colour, so
  * the encoder keeps a stride-4 feature map (fine mesh texture) and reaches stride 32 with
    depthwise 5x5 kernels (wide receptive field: a whole patch, its edges and surroundings);
  * an LR-ASPP-style global gate feeds scene context back into the stride-32 features;
  * a light FPN decoder (64 channels, additive skips at strides 16, 8 and 4) predicts at 1/4
    and the graph bilinearly upsamples the logits to 1/2 for smoother region borders.
Loss: class-weighted cross-entropy (weights from the training pixel frequencies) + soft Dice.
Hue jitter stays small because colour is a real cue here (green netting vs brown soil).
"""
from __future__ import annotations

import argparse
import collections
import copy
import math
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

import gw_common as C
from train_detector import DWSep, InvertedResidual, ch, conv_bn

CLASSES = C.SEGMENTATION_CLASSES
NC = len(CLASSES)
IN_W, IN_H = 384, 224
PAD_VALUE = 0
IGNORE = C.IGNORE_INDEX

# ---------------------------------------------------------------------------------------------
# Model


class SoilSegmenter(nn.Module):
    SPEC = [
        [("dw", 24, 2, 1, 3), ("ir", 24, 1, 2, 3)],                       # stride 4
        [("ir", 40, 2, 2, 3), ("ir", 40, 1, 3, 5)],                       # stride 8
        [("ir", 80, 2, 3, 5), ("ir", 80, 1, 3, 5), ("ir", 80, 1, 3, 5)],  # stride 16
        [("ir", 128, 2, 3, 5), ("ir", 128, 1, 3, 5)],                     # stride 32
    ]

    def __init__(self, nc: int = NC, width: float = 1.0, dec: int = 64, out_stride: int = 2):
        super().__init__()
        c = ch(16, width)
        self.stem = conv_bn(3, c, 3, 2)
        self.stages = nn.ModuleList()
        chans = []
        for stage in self.SPEC:
            blocks = []
            for kind, out, s, e, k in stage:
                out = ch(out, width)
                blocks.append(DWSep(c, out, k, s) if kind == "dw" else InvertedResidual(c, out, s, e, k))
                c = out
            self.stages.append(nn.Sequential(*blocks))
            chans.append(c)
        self.ctx = conv_bn(chans[3], dec, 1)
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(chans[3], dec, 1), nn.Sigmoid())
        self.lat = nn.ModuleList(conv_bn(ci, dec, 1) for ci in chans[:3])
        self.fuse = nn.ModuleList(DWSep(dec, dec, 3) for _ in range(3))
        self.cls = nn.Conv2d(dec, nc, 1)
        self.out_stride = out_stride

    def features(self, x):
        x = self.stem(x)
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        return feats

    def forward(self, x):
        """Logits at 1/4 of the input."""
        f4, f8, f16, f32 = self.features(x)
        y = self.ctx(f32) * self.gate(f32)
        for lat, fuse, skip in zip(reversed(self.lat), reversed(self.fuse), (f16, f8, f4)):
            y = F.interpolate(y, scale_factor=2.0, mode="bilinear", align_corners=False)
            y = fuse(y + lat(skip))
        return self.cls(y)


class SegExport(nn.Module):
    def __init__(self, model: SoilSegmenter):
        super().__init__()
        self.model = model

    def forward(self, images):
        y = self.model(images)
        if self.model.out_stride == 2:
            y = F.interpolate(y, scale_factor=2.0, mode="bilinear", align_corners=False)
        return y


# ---------------------------------------------------------------------------------------------
# Data


def load_segmentation_set(root: Path, limit: int | None = None):
    """uint8 images [N,3,224,384] letterboxed with pad 0 and uint8 masks [N,224,384] whose
    padding is IGNORE: Gridwatch never reads the model output over the padding."""
    stems = C.list_samples(root)
    if limit:
        stems = stems[:limit]
    remap = C.dataset_class_remap(root, CLASSES)
    lut = torch.full((256,), IGNORE, dtype=torch.uint8)
    for i in range(NC):
        lut[i] = remap[i] if remap is not None and i < len(remap) else i
    images = torch.full((len(stems), 3, IN_H, IN_W), PAD_VALUE, dtype=torch.uint8)
    masks = torch.full((len(stems), IN_H, IN_W), IGNORE, dtype=torch.uint8)
    sizes: dict[str, int] = {}
    t0 = time.time()
    bad = 0
    for i, stem in enumerate(stems):
        img = C.read_rgb(C.image_path(root, stem))
        _, h, w = img.shape
        sizes[f"{w}x{h}"] = sizes.get(f"{w}x{h}", 0) + 1
        rw, rh, px, py = C.letterbox_geometry(w, h, IN_W, IN_H)
        images[i, :, py:py + rh, px:px + rw] = C.resize_like_gridwatch(img, rw, rh)
        mp = root / "masks" / f"{stem}.png"
        m = C.read_class_mask(mp)
        if m.shape != (h, w):
            raise SystemExit(f"{mp}: mask is {tuple(m.shape[::-1])}, image is {w}x{h}")
        bad += int((m >= NC).sum())
        # Pixel-centre nearest sampling, as the decoder maps the output back to the frame.
        m = F.interpolate(m[None, None].float(), size=(rh, rw), mode="nearest-exact")[0, 0].to(torch.uint8)
        masks[i, py:py + rh, px:px + rw] = lut[m.long()]
        if (i + 1) % 1000 == 0:
            C.log(f"  decoded {i + 1}/{len(stems)} images from {root} ({time.time() - t0:.0f}s)")
    if bad:
        C.log(f"warning: {bad} mask pixels in {root} hold values >= {NC}; they are ignored")
    valid = masks[masks != IGNORE]
    counts = torch.bincount(valid.long(), minlength=NC)[:NC]
    info = {"path": str(root), "images": len(stems), "sourceSizes": sizes,
            "pixelShare": {CLASSES[c]: round(float(counts[c]) / max(1, valid.numel()), 4) for c in range(NC)},
            "imagesWithClass": {CLASSES[c]: int((masks == c).flatten(1).any(1).sum()) for c in range(NC)},
            "decodeSeconds": round(time.time() - t0, 1)}
    return images, masks, counts, info


def augment(imgs, masks, gen, a):
    b = imgs.shape[0]
    imgs = C.apply_colour(imgs, C.colour_matrices(b, gen, a.hsv_h, a.hsv_s, a.hsv_v))
    scales, shifts, _ = C.affine_params(b, gen, IN_W, IN_H, (a.scale_min, a.scale_max), a.translate,
                                        a.flip, a.affine_p)
    imgs = C.warp_batch(imgs, scales, shifts, PAD_VALUE / 255)
    masks = C.warp_batch(masks[:, None].float(), scales, shifts, float(IGNORE), mode="nearest")[:, 0]
    return imgs, masks.round().long()


def class_weights(counts: torch.Tensor) -> torch.Tensor:
    """Inverse square-root frequency, scaled so the average pixel weighs 1: rare classes
    (netting is usually a small part of a frame) count more without swamping the common ones."""
    freq = counts.double() / counts.sum().clamp(min=1)
    w = torch.where(freq > 0, freq.clamp(min=1e-4).rsqrt(), torch.zeros_like(freq))
    w = w / (freq * w).sum().clamp(min=1e-12)
    return w.clamp(0.1, 10.0).float()


def seg_loss(logits4, target, weights, dice_weight):
    logits = F.interpolate(logits4, size=target.shape[-2:], mode="bilinear", align_corners=False)
    ce = F.cross_entropy(logits, target, weight=weights, ignore_index=IGNORE)
    if dice_weight <= 0:
        return ce, ce.detach(), torch.zeros(())
    valid = (target != IGNORE)
    prob = logits.softmax(1) * valid[:, None]
    onehot = F.one_hot(target.clamp(max=NC - 1), NC).permute(0, 3, 1, 2) * valid[:, None]
    inter = (prob * onehot).sum((0, 2, 3))
    denom = prob.sum((0, 2, 3)) + onehot.sum((0, 2, 3))
    present = onehot.sum((0, 2, 3)) > 0
    # Only classes in the batch: Dice of an absent class is 0/0 noise.
    dice = 1 - ((2 * inter + 1) / (denom + 1))[present].mean() if present.any() else ce * 0
    return ce + dice_weight * dice, ce.detach(), dice.detach()


@torch.no_grad()
def evaluate(model, images, masks, batch: int = 32) -> dict:
    """Confusion over valid pixels, with the exported head's resolution mapped back to the
    input by nearest sampling, as Gridwatch's decoder does."""
    exporter = SegExport(model).eval()
    conf = torch.zeros(NC, NC, dtype=torch.long)
    for s in range(0, images.shape[0], batch):
        x = images[s:s + batch].float().div_(255).contiguous(memory_format=torch.channels_last)
        pred = exporter(x).argmax(1, keepdim=True).float()
        pred = F.interpolate(pred, size=(IN_H, IN_W), mode="nearest")[:, 0].long()
        t = masks[s:s + batch].long()
        v = t != IGNORE
        conf += torch.bincount(t[v] * NC + pred[v], minlength=NC * NC).reshape(NC, NC)
    tp = conf.diag().double()
    gt, pr = conf.sum(1).double(), conf.sum(0).double()
    iou = tp / (gt + pr - tp).clamp(min=1)
    present = gt > 0
    return {
        "mIoU": round(float(iou[present].mean()), 4) if present.any() else None,
        "pixelAccuracy": round(float(tp.sum() / conf.sum().clamp(min=1)), 4),
        "perClass": {CLASSES[c]: {"iou": round(float(iou[c]), 4) if present[c] else None,
                                  "recall": round(float(tp[c] / gt[c]), 4) if present[c] else None,
                                  "precision": round(float(tp[c] / pr[c]), 4) if pr[c] > 0 else None,
                                  "pixels": int(gt[c])} for c in range(NC)},
        "confusion": {"rowsTruth_colsPred": conf.tolist()},
    }


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--val-data", type=Path)
    ap.add_argument("--val-fraction", type=float, default=0.05)
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--out", type=Path, default=Path("models/soil-segmenter"))
    ap.add_argument("--max-minutes", type=float, default=None)
    ap.add_argument("--resume", type=Path)
    ap.add_argument("--work-dir", type=Path, default=None)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--weight-decay", type=float, default=0.02)
    ap.add_argument("--dice-weight", type=float, default=0.5)
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--decoder", type=int, default=64, help="decoder channels")
    ap.add_argument("--out-stride", type=int, choices=(2, 4), default=2, help="exported logits at 1/2 or 1/4 of input")
    ap.add_argument("--threads", type=int, default=2)
    # A CPU budget gives thousands of steps, not the 100k+ that 0.9998 is meant for: a shorter
    # average still smooths the last epochs without lagging behind the improving weights.
    ap.add_argument("--ema-decay", type=float, default=0.999)
    ap.add_argument("--ema-tau", type=float, default=500.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--val-every", type=int, default=5)
    ap.add_argument("--opset", type=int, default=12)
    ap.add_argument("--model-version", default="0.1.0")
    ap.add_argument("--hsv-h", type=float, default=0.01)
    ap.add_argument("--hsv-s", type=float, default=0.3)
    ap.add_argument("--hsv-v", type=float, default=0.3)
    ap.add_argument("--scale-min", type=float, default=0.7)
    ap.add_argument("--scale-max", type=float, default=1.5)
    ap.add_argument("--translate", type=float, default=0.1)
    ap.add_argument("--flip", type=float, default=0.5)
    ap.add_argument("--affine-p", type=float, default=0.8)
    return ap.parse_args()


def main() -> None:
    a = parse_args()
    clock = C.Stopwatch()
    C.setup_torch(a.threads, a.seed)
    budget = a.max_minutes * 60 if a.max_minutes else None
    work = a.work_dir or C.default_work_dir("soil-segmenter")
    work.mkdir(parents=True, exist_ok=True)

    C.log(f"loading {a.data}")
    images, masks, counts, train_info = load_segmentation_set(a.data, a.limit)
    if a.val_data:
        val_images, val_masks, _, val_info = load_segmentation_set(a.val_data)
    else:
        n_val = max(1, int(images.shape[0] * a.val_fraction))
        val_images, val_masks = images[-n_val:], masks[-n_val:]
        images, masks = images[:-n_val], masks[:-n_val]
        val_info = {"path": f"last {n_val} images of {a.data}", "images": n_val}
    n = images.shape[0]
    weights = class_weights(counts)
    C.log(f"train {n} images, pixel share {train_info['pixelShare']}, class weights "
          f"{[round(float(w), 2) for w in weights]}; val {val_images.shape[0]} ({clock.elapsed():.0f}s)")

    model = SoilSegmenter(NC, a.width, a.decoder, a.out_stride).to(memory_format=torch.channels_last)
    params = C.count_params(model)
    macs = C.count_macs(SegExport(model), torch.zeros(1, 3, IN_H, IN_W))
    C.log(f"model: {params / 1e6:.3f} M params, {macs / 1e9:.3f} GMACs at {IN_W}x{IN_H}")

    bs = min(a.batch, n)
    spe = n // bs
    opt = torch.optim.AdamW(C.param_groups(model, a.weight_decay), lr=a.lr, foreach=True)
    sched = C.BudgetSchedule(a.lr, a.epochs * spe, warmup_steps=min(300, 2 * spe), budget_s=budget)
    ema = C.ModelEMA(model, decay=a.ema_decay, tau=a.ema_tau)
    start_epoch, step, history, prior_seconds = 0, 0, [], 0.0
    if a.resume:
        ck = torch.load(a.resume, map_location="cpu")
        model.load_state_dict(ck["model"])
        ema.ema.load_state_dict(ck["ema"])
        ema.updates = ck["ema_updates"]
        opt.load_state_dict(ck["opt"])
        start_epoch, step, history = ck["epoch"], ck["step"], ck.get("history", [])
        prior_seconds = ck.get("train_seconds", 0.0)
        C.log(f"resumed from {a.resume}: epoch {start_epoch}, step {step}")
    gen = torch.Generator().manual_seed(a.seed * 1000 + start_epoch)

    reserve = 20 + 0.01 * val_images.shape[0] * 3
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
            if (budget is not None and clock.elapsed() > budget - reserve) or step >= sched.planned:
                stopped, stop_reason = True, "time budget"
                break
            t_step = time.time()
            idx = perm[it * bs:(it + 1) * bs]
            x, y = augment(images[idx].float().div_(255), masks[idx], gen, a)
            x = x.contiguous(memory_format=torch.channels_last)
            for g in opt.param_groups:
                g["lr"] = sched.lr(step)
            loss, lce, ldice = seg_loss(model(x), y, weights, a.dice_weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            opt.step()
            ema.update(model)
            step += 1
            steps_run += 1
            seen += x.shape[0]
            sums += torch.tensor([float(loss), float(lce), float(ldice)])
            dt = time.time() - t_step
            train_s += dt
            recent.append(dt)
            # Recent steps only: on a shared box the speed drifts, and a mean over the whole run
            # would keep planning for a slowdown that is over (or ignore one that started).
            if budget is not None and (steps_run == 10 or steps_run % 25 == 0):
                sched.replan(step, sum(recent) / len(recent), budget - clock.elapsed() - reserve)
            if (it + 1) % max(1, spe // 4) == 0 and it + 1 < spe:
                C.log(f"  epoch {epoch + 1} {it + 1}/{spe} loss {sums[0] / (it + 1):.3f} "
                      f"({seen / (time.time() - t_epoch):.1f} img/s, lr {sched.lr(step):.2e})")
        ep_s = time.time() - t_epoch
        if seen == 0:
            break
        k = max(1, it + (0 if stopped else 1))
        rec = {"epoch": epoch + 1, "loss": round(float(sums[0]) / k, 4), "ce": round(float(sums[1]) / k, 4),
               "dice": round(float(sums[2]) / k, 4), "imgPerSec": round(seen / ep_s, 2), "seconds": round(ep_s, 1),
               "lr": sched.lr(step), "partial": stopped}
        epoch += 1
        planned_epochs = math.ceil(sched.planned / spe)
        remaining = (sched.planned - step) * (sum(recent) / max(1, len(recent)))
        do_val = not stopped and a.val_every > 0 and epoch % a.val_every == 0 and epoch < planned_epochs
        if do_val:
            tv = time.time()
            rec["valMIoU"] = evaluate(ema.ema, val_images, val_masks)["mIoU"]
            reserve = 20 + 1.5 * (time.time() - tv)
        history.append(rec)
        C.log(f"epoch {epoch}/{planned_epochs} loss {rec['loss']:.3f} (ce {rec['ce']:.3f} dice {rec['dice']:.3f}) "
              f"{rec['imgPerSec']:.1f} img/s {ep_s:.0f}s" + (f" val mIoU {rec['valMIoU']:.3f}" if do_val else "") +
              f" | elapsed {C.fmt_duration(clock.elapsed())} ETA {C.fmt_duration(remaining + reserve)}")
        torch.save({"model": model.state_dict(), "ema": ema.ema.state_dict(), "ema_updates": ema.updates,
                    "opt": opt.state_dict(), "epoch": epoch, "step": step, "history": history,
                    "train_seconds": prior_seconds + train_s, "args": vars(a)}, work / "last.pt")
        if stopped:
            break

    final = ema.ema.eval()
    tv = time.time()
    val = evaluate(final, val_images, val_masks)
    val_s = time.time() - tv
    C.log(f"val mIoU {val['mIoU']} pixel acc {val['pixelAccuracy']}: " +
          ", ".join(f"{k} {v['iou']}" for k, v in val["perClass"].items()))

    a.out.mkdir(parents=True, exist_ok=True)
    onnx_path = a.out / "soil-segmenter.onnx"
    exporter = SegExport(copy.deepcopy(final).to(memory_format=torch.contiguous_format)).eval()
    example = val_images[:1].float().div(255)
    C.export_onnx(exporter, example, onnx_path, "images", "logits", a.opset, dynamic_batch=True)
    ref = C.save_reference_io(exporter, example, work)
    size = onnx_path.stat().st_size
    C.log(f"exported {onnx_path} ({size / 1e6:.2f} MB), output {ref['outputShape']}")

    manifest = {
        "name": "soil-segmenter",
        "version": a.model_version,
        "task": "segment",
        "weights": "soil-segmenter.onnx",
        "input": {"name": "images", "width": IN_W, "height": IN_H, "channelOrder": "rgb", "resize": "letterbox",
                  "letterboxAnchor": "center", "padValue": PAD_VALUE, "scale": 1 / 255,
                  "mean": [0, 0, 0], "std": [1, 1, 1]},
        "output": {"decoder": "segmentation", "outputName": "logits"},
        "classes": CLASSES,
        "labelMap": {c: {"canonical": c, "minScore": 0.5} for c in CLASSES},
        "notes": ("Trained on synthetic scenes only (Gridwatch's scene generator, street-camera and drone views), "
                  f"from scratch on CPU by models/training/train_segmenter.py. Logits at 1/{a.out_stride} of the "
                  f"input. Val mIoU {val['mIoU']} on synthetic data; real footage will score lower."),
    }
    C.write_json(a.out / "manifest.json", manifest)
    report = {
        "model": "soil-segmenter",
        "version": a.model_version,
        "command": C.argv_string(),
        "data": {"train": train_info | {"imagesUsed": n}, "val": val_info},
        "input": {"width": IN_W, "height": IN_H, "letterbox": "center", "padValue": PAD_VALUE},
        "architecture": {
            "summary": "inverted-residual encoder to stride 32 (depthwise 3x3/5x5), LR-ASPP-style global gate, "
                       "FPN decoder with skips at strides 16/8/4, logits upsampled in-graph",
            "params": params, "gmacs": round(macs / 1e9, 4), "outputStride": a.out_stride,
            "outputShape": ref["outputShape"], "decoderChannels": a.decoder, "width": a.width,
            "loss": f"class-weighted cross-entropy + {a.dice_weight} x soft Dice",
            "classWeights": {CLASSES[c]: round(float(weights[c]), 3) for c in range(NC)},
        },
        "training": {
            "epochsRequested": a.epochs, "epochsRun": epoch - start_epoch, "epochsTotal": epoch, "steps": step,
            "batch": bs, "optimizer": f"AdamW lr {a.lr} wd {a.weight_decay}, cosine, EMA",
            "stopReason": stop_reason, "maxMinutes": a.max_minutes,
            "trainSeconds": round(train_s, 1), "wallSeconds": round(clock.elapsed(), 1),
            "imagesPerSecond": round(steps_run * bs / train_s, 2) if train_s else None,
            "history": history, "seed": a.seed,
        },
        "hardware": C.hardware_info(),
        "onnx": {"path": str(onnx_path), "bytes": size, "opset": a.opset, "output": "logits",
                 "outputShape": ref["outputShape"], "dynamicBatch": True},
        "validation": val | {"seconds": round(val_s, 1)},
    }
    C.write_json(a.out / "training-report.json", report)
    C.prettier_format([a.out / "manifest.json", a.out / "training-report.json"])
    C.log(f"wrote {a.out / 'manifest.json'} and training-report.json in {C.fmt_duration(clock.elapsed())}")


if __name__ == "__main__":
    main()
