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

import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

import gw_common as C
from train_detector import DWSep, build_stages, conv_bn, run_stages

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
        self.stem, self.stages, chans = build_stages(self.SPEC, width)
        self.ctx = conv_bn(chans[3], dec, 1)
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(chans[3], dec, 1), nn.Sigmoid())
        self.lat = nn.ModuleList(conv_bn(ci, dec, 1) for ci in chans[:3])
        self.fuse = nn.ModuleList(DWSep(dec, dec, 3) for _ in range(3))
        self.cls = nn.Conv2d(dec, nc, 1)
        self.out_stride = out_stride

    def features(self, x):
        return run_stages(self.stem, self.stages, x)

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
        w, h, rw, rh, px, py = C.letterbox_into(images, i, root, stem, sizes)
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
    ap = C.base_arg_parser(__doc__, "soil-segmenter", batch=16, weight_decay=0.02)
    ap.add_argument("--dice-weight", type=float, default=0.5)
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--decoder", type=int, default=64, help="decoder channels")
    ap.add_argument("--out-stride", type=int, choices=(2, 4), default=2, help="exported logits at 1/2 or 1/4 of input")
    C.add_run_args(ap)
    C.add_augment_args(ap, hsv=(0.01, 0.3, 0.3), scale=(0.7, 1.5))
    return ap.parse_args()


def main() -> None:
    a = parse_args()
    clock, budget, work = C.start_run(a, "soil-segmenter")

    (images, masks, counts, train_info), (val_images, val_masks), val_info = C.load_train_val(
        load_segmentation_set, a)
    n = images.shape[0]
    weights = class_weights(counts)
    C.log(f"train {n} images, pixel share {train_info['pixelShare']}, class weights "
          f"{[round(float(w), 2) for w in weights]}; val {val_images.shape[0]} ({clock.elapsed():.0f}s)")

    model = SoilSegmenter(NC, a.width, a.decoder, a.out_stride).to(memory_format=torch.channels_last)
    params = C.count_params(model)
    macs = C.count_macs(SegExport(model), torch.zeros(1, 3, IN_H, IN_W))
    C.log(f"model: {params / 1e6:.3f} M params, {macs / 1e9:.3f} GMACs at {IN_W}x{IN_H}")

    def batch_loss(idx, gen):
        x, y = augment(images[idx].float().div_(255), masks[idx], gen, a)
        x = x.contiguous(memory_format=torch.channels_last)
        loss, lce, ldice = seg_loss(model(x), y, weights, a.dice_weight)
        return x.shape[0], loss, lce, ldice

    run = C.train(
        a, model, n, budget=budget, clock=clock, work=work, batch_loss=batch_loss, loss_names=("ce", "dice"),
        validate=lambda m: evaluate(m, val_images, val_masks)["mIoU"], val_metric=("valMIoU", "mIoU"),
        reserve=20 + 0.01 * val_images.shape[0] * 3, checkpoint_args=vars(a),
    )

    final = run.ema.ema.eval()
    tv = time.time()
    val = evaluate(final, val_images, val_masks)
    val_s = time.time() - tv
    C.log(f"val mIoU {val['mIoU']} pixel acc {val['pixelAccuracy']}: " +
          ", ".join(f"{k} {v['iou']}" for k, v in val["perClass"].items()))

    onnx_path = a.out / "soil-segmenter.onnx"
    onnx = C.export_model(SegExport, final, val_images, onnx_path, "logits", a.opset, work)

    manifest = C.base_manifest("soil-segmenter", a.model_version, "segment", "segmentation", "logits", CLASSES,
                               IN_W, IN_H, PAD_VALUE) | {
        "labelMap": {c: {"canonical": c, "minScore": 0.5} for c in CLASSES},
        "notes": ("Trained on synthetic scenes only (Gridwatch's scene generator, street-camera and drone views), "
                  f"from scratch on CPU by models/training/train_segmenter.py. Logits at 1/{a.out_stride} of the "
                  f"input. Val mIoU {val['mIoU']} on synthetic data; real footage will score lower."),
    }
    architecture = {
        "summary": "inverted-residual encoder to stride 32 (depthwise 3x3/5x5), LR-ASPP-style global gate, "
                   "FPN decoder with skips at strides 16/8/4, logits upsampled in-graph",
        "params": params, "gmacs": round(macs / 1e9, 4), "outputStride": a.out_stride,
        "outputShape": onnx["outputShape"], "decoderChannels": a.decoder, "width": a.width,
        "loss": f"class-weighted cross-entropy + {a.dice_weight} x soft Dice",
        "classWeights": {CLASSES[c]: round(float(weights[c]), 3) for c in range(NC)},
    }
    report = C.training_report(
        a, "soil-segmenter", clock, run, data={"train": train_info | {"imagesUsed": n}, "val": val_info},
        input_size=(IN_W, IN_H), pad_value=PAD_VALUE, architecture=architecture, onnx=onnx,
        validation=val | {"seconds": round(val_s, 1)},
    )
    C.write_model_files(a.out, manifest, report, clock)


if __name__ == "__main__":
    main()
