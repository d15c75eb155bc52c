#!/usr/bin/python3
"""Tiny stand-in for `gridwatch synth dataset`, in the same on-disk format, so the training
scripts can be exercised end to end before (or without) the real generator.

    /usr/bin/python3 models/training/make_smoke_dataset.py --out /tmp/gw-smoke-train --n 600 --seed 1

The scenes are crude on purpose (flat shapes on noisy ground); they only need to be learnable
and to exercise letterboxing (two frame sizes), every class and every mask label.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

DET = ["vehicle", "person", "vendor_stall", "waste_bin", "bin_overflow", "garbage_pile"]
SEG = ["background", "bare_soil", "covered_soil", "vegetation"]


def texture(rng: np.random.Generator, kind: int, h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    noise = rng.normal(0, 1, (h, w))
    if kind == 1:  # bare soil: brown, blotchy
        base = np.array([120, 88, 60]) + rng.integers(-15, 15, 3)
        blot = np.kron(rng.normal(0, 1, (h // 8 + 1, w // 8 + 1)), np.ones((8, 8)))[:h, :w]
        img = base + (noise * 10 + blot * 14)[..., None]
    elif kind == 2:  # dust netting: green with a fine regular mesh, the cue against grass
        base = np.array([40, 110, 70]) + rng.integers(-10, 10, 3)
        p = int(rng.integers(3, 5))
        mesh = ((xx % p == 0) | (yy % p == 0)).astype(float)
        img = base + (mesh * 35 + noise * 5)[..., None]
    elif kind == 3:  # grass: yellow-green, vertical blade streaks
        base = np.array([70, 130, 45]) + rng.integers(-12, 12, 3)
        streak = np.repeat(rng.normal(0, 1, (h // 3 + 1, w)), 3, axis=0)[:h]
        img = base + (streak * 18 + noise * 8)[..., None]
    else:  # road / pavement
        g = int(rng.integers(90, 150))
        img = np.array([g, g, g + 5]) + (noise * 7)[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


def scene(rng: np.random.Generator, w: int, h: int, drone: bool):
    img = texture(rng, 0, h, w)
    mask = np.zeros((h, w), np.uint8)
    for _ in range(int(rng.integers(1, 4))):
        kind = int(rng.integers(1, 4))
        rw, rh = int(rng.integers(w // 6, w // 2)), int(rng.integers(h // 6, h // 2))
        x0, y0 = int(rng.integers(0, w - rw)), int(rng.integers(0, h - rh))
        region = Image.new("L", (w, h), 0)
        d = ImageDraw.Draw(region)
        if rng.random() < 0.5:
            d.ellipse([x0, y0, x0 + rw, y0 + rh], fill=1)
        else:
            d.polygon([(x0 + rng.integers(0, rw // 3), y0), (x0 + rw, y0 + rng.integers(0, rh // 3)),
                       (x0 + rw - rng.integers(0, rw // 3), y0 + rh), (x0, y0 + rh - rng.integers(0, rh // 3))],
                      fill=1)
        sel = np.asarray(region, bool)
        img[sel] = texture(rng, kind, h, w)[sel]
        mask[sel] = kind

    pil = Image.fromarray(img)
    draw = ImageDraw.Draw(pil)
    labels = []
    obj_mask = Image.new("L", (w, h), 0)
    od = ImageDraw.Draw(obj_mask)
    s = 0.6 if drone else 1.0
    for _ in range(int(rng.integers(2, 9))):
        c = int(rng.integers(0, 6))
        if c == 0:
            bw, bh = (rng.integers(30, 60), rng.integers(50, 90)) if drone else (rng.integers(60, 130), rng.integers(35, 70))
        elif c == 1:
            bw, bh = (rng.integers(8, 14), rng.integers(8, 14)) if drone else (rng.integers(10, 20), rng.integers(28, 60))
        elif c == 2:
            bw, bh = rng.integers(60, 120) * s, rng.integers(50, 90) * s
        elif c == 3:
            bw, bh = rng.integers(12, 22) * s, rng.integers(18, 30) * s
        elif c == 4:
            bw, bh = rng.integers(18, 30) * s, rng.integers(28, 42) * s
        else:
            bw, bh = rng.integers(30, 80) * s, rng.integers(15, 40) * s
        bw, bh = int(bw), int(bh)
        x0, y0 = int(rng.integers(0, w - bw)), int(rng.integers(0, h - bh))
        x1, y1 = x0 + bw, y0 + bh
        box = [x0, y0, x1, y1]
        if c == 0:
            col = tuple(int(v) for v in rng.integers(30, 230, 3))
            draw.rounded_rectangle(box, radius=6, fill=col, outline=(20, 20, 20), width=2)
            draw.rectangle([x0 + bw * 0.2, y0 + bh * 0.2, x1 - bw * 0.2, y0 + bh * 0.45], fill=(60, 80, 110))
        elif c == 1:
            col = tuple(int(v) for v in rng.integers(20, 240, 3))
            draw.ellipse(box, fill=col)
            head = min(bw, bh) * 0.6
            draw.ellipse([x0 + bw / 2 - head / 2, y0, x0 + bw / 2 + head / 2, y0 + head], fill=(220, 180, 150))
        elif c == 2:
            a, b = tuple(int(v) for v in rng.integers(100, 255, 3)), (240, 240, 240)
            for i, xs in enumerate(range(x0, x1, 8)):
                draw.rectangle([xs, y0, min(xs + 8, x1), y0 + bh * 0.3], fill=a if i % 2 else b)
            draw.rectangle([x0, y0 + bh * 0.3, x1, y1], fill=(130, 90, 50))
        elif c in (3, 4):
            draw.rectangle([x0, y0 + (bh * 0.3 if c == 4 else 0), x1, y1], fill=(30, 70, 40), outline=(10, 10, 10))
            if c == 4:  # rubbish heaped over the rim
                for _ in range(8):
                    rx, ry = rng.integers(x0, x1), rng.integers(y0, y0 + int(bh * 0.45))
                    r = 3 + rng.integers(0, 4)
                    draw.ellipse([rx - r, ry - r, rx + r, ry + r], fill=tuple(int(v) for v in rng.integers(120, 255, 3)))
        else:
            for _ in range(30):
                rx, ry = rng.integers(x0 + 3, x1 - 3), rng.integers(y0 + 3, y1 - 3)
                r = 3 + rng.integers(0, 5)
                draw.ellipse([rx - r, ry - r, rx + r, ry + r], fill=tuple(int(v) for v in rng.integers(60, 255, 3)))
        od.rectangle(box, fill=1)
        labels.append((c, (x0 + x1) / 2 / w, (y0 + y1) / 2 / h, bw / w, bh / h))
    mask[np.asarray(obj_mask, bool)] = 0
    return pil, mask, labels


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    for sub in ("images", "labels", "masks"):
        (a.out / sub).mkdir(parents=True, exist_ok=True)
    counts = [0] * len(DET)
    for i in range(a.n):
        drone = rng.random() < 0.3
        w, h = (512, 512) if drone else (640, 384)
        img, mask, labels = scene(rng, w, h, drone)
        stem = f"{i:06d}"
        img.save(a.out / "images" / f"{stem}.jpg", quality=90)
        Image.fromarray(mask, "L").save(a.out / "masks" / f"{stem}.png")
        with open(a.out / "labels" / f"{stem}.txt", "w") as f:
            for c, cx, cy, bw, bh in labels:
                f.write(f"{c} {cx:.6f} {cy:.6f} {bw:.6f} {bh:.6f}\n")
                counts[c] += 1
    meta = {"classes": DET, "segmentationClasses": SEG, "count": a.n, "seed": a.seed,
            "instances": dict(zip(DET, counts)), "generator": "models/training/make_smoke_dataset.py"}
    (a.out / "dataset.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {a.n} samples to {a.out}")


if __name__ == "__main__":
    main()
