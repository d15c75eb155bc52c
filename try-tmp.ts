import { readFile } from 'node:fs/promises';
import { Detector } from './detector/detector.js';
import { decodeImage } from './repositories/media-repository.js';
const models = [['yolox-nano-coco','yolox_nano'],['nanodet-m-coco','nanodet_m_416'],['fastestdet-coco','fastestdet']];
for (const img of ['highway_cars','street_crowd','dog_bicycle_car']) {
  const raw = await decodeImage(await readFile(`/work/shared/media/${img}.jpg`));
  for (const [m, w] of models) {
    const d = await Detector.load./models/catalogue/${m}.json`, { weights: `/work/shared/models/${w}.onnx`, intraOpThreads: 2 });
    const dets = await d.detect(raw, { includeUnmapped: true });
    console.log(img, m, dets.length, dets.slice(0, 5).map(x => `${x.label}:${x.score.toFixed(2)}[${x.box.map(v=>v.toFixed(0)).join(',')}]`).join(' '));
  }
}
