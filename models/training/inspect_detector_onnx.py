#!/usr/bin/python3
"""Checks what the exported detector says about one dataset image, using onnxruntime-node's
own output (there is no onnxruntime for this Python), against the image's labels.

    /usr/bin/python3 models/training/inspect_detector_onnx.py prepare --data DIR --index 3 --dir /tmp/gw-inspect
    node models/training/check-onnx.mjs models/street-detector/street-detector.onnx \
        --ref /tmp/gw-inspect --runs 1 --dump /tmp/gw-inspect/ort-output.bin
    /usr/bin/python3 models/training/inspect_detector_onnx.py show --data DIR --index 3 --dir /tmp/gw-inspect

`show` decodes output0 as Gridwatch's yolov8 decoder does (best class per point, threshold,
class-aware NMS), prints detections next to the labels with their IoU and writes an overlay PNG.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch
from torchvision.ops import batched_nms, box_iou

import gw_common as C
from train_detector import CLASSES, IN_H, IN_W, load_detection_set

COLOURS = [(255, 60, 60), (60, 255, 60), (60, 120, 255), (255, 255, 0), (255, 0, 255), (0, 255, 255)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=("prepare", "show"))
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--index", type=int, default=0)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/gw-inspect"))
    ap.add_argument("--score", type=float, default=0.3)
    a = ap.parse_args()
    a.dir.mkdir(parents=True, exist_ok=True)
    images, labels, _ = load_detection_set(a.data, a.index + 1)
    img, lab = images[a.index], labels[a.index]
    if a.cmd == "prepare":
        x = img[None].float().div(255)
        x.numpy().astype("<f4").tofile(a.dir / "reference-input.bin")
        C.write_json(a.dir / "reference.json", {"inputShape": list(x.shape), "outputShape": None})
        # check-onnx.mjs compares against reference-output.bin when present; there is none here.
        (a.dir / "reference-output.bin").unlink(missing_ok=True)
        print(f"wrote {a.dir / 'reference-input.bin'}")
        return
    raw = torch.from_numpy(__import__("numpy").fromfile(a.dir / "ort-output.bin", dtype="<f4"))
    out = raw.reshape(1, 4 + len(CLASSES), -1)[0]
    cx, cy, w, h = out[:4]
    boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)
    scores, cls = out[4:].max(0)
    keep = scores >= a.score
    boxes, scores, cls = boxes[keep], scores[keep], cls[keep]
    k = batched_nms(boxes, scores, cls, 0.5)[:100]
    boxes, scores, cls = boxes[k], scores[k], cls[k]
    gt = lab[:, 1:]
    ious = box_iou(boxes, gt) if gt.numel() and boxes.numel() else torch.zeros(boxes.shape[0], max(1, gt.shape[0]))
    print(f"output {list(raw.shape)} -> {boxes.shape[0]} detections >= {a.score}; {gt.shape[0]} labels")
    for i in range(boxes.shape[0]):
        j = int(ious[i].argmax()) if gt.numel() else -1
        match = f"best label #{j} {CLASSES[int(lab[j, 0])]} IoU {float(ious[i, j]):.2f}" if j >= 0 else "no labels"
        print(f"  {CLASSES[int(cls[i])]:13s} {float(scores[i]):.2f} "
              f"[{', '.join(f'{v:.0f}' for v in boxes[i].tolist())}]  {match}")
    for j in range(gt.shape[0]):
        best = float(ious[:, j].max()) if boxes.numel() else 0.0
        print(f"  label #{j} {CLASSES[int(lab[j, 0])]:13s} [{', '.join(f'{v:.0f}' for v in gt[j].tolist())}] "
              f"best IoU {best:.2f}")
    from PIL import Image, ImageDraw

    im = Image.fromarray(img.permute(1, 2, 0).numpy())
    d = ImageDraw.Draw(im)
    for c, *b in lab.tolist():
        d.rectangle(b, outline=(255, 255, 255))
    for b, s, c in zip(boxes.tolist(), scores.tolist(), cls.tolist()):
        d.rectangle(b, outline=COLOURS[c])
        d.text((b[0] + 1, b[1] + 1), f"{CLASSES[c][:4]} {s:.2f}", fill=COLOURS[c])
    im = im.resize((IN_W * 2, IN_H * 2), Image.NEAREST)
    im.save(a.dir / "overlay.png")
    print(f"wrote {a.dir / 'overlay.png'} (white: labels, colour: detections)")


if __name__ == "__main__":
    main()
