import { readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { MediaError, errorMessage } from '../../common/errors.js';
import { Detector } from '../../detector/detector.js';
import { boxesSvg } from '../../evidence/annotation-svg.js';
import { configureMedia, decodeImage, overlaySvg } from '../../repositories/media-repository.js';
import { positiveOption, UsageError, type Command } from '../command.js';

const usage = `gridwatch detect <image> --model <manifest.json> [options]

Runs an ONNX detector on one image and prints its detections in image pixels.

Options:
  --model <file>       model manifest (JSON)                        (required)
  --weights <file>     ONNX weights, overriding the manifest's path
  --json               print {"detections": [{label, canonical, score, box}]}
  --annotate <file>    write the image with boxes drawn (.png or .jpg)
  --all-classes        also report model classes with no Gridwatch label
  --tile               split large images into overlapping tiles
  --threads <n>        ONNX intra-op threads (default: GRIDWATCH_ORT_THREADS or all cores)`;

export const detectCommand: Command = {
  name: 'detect',
  summary: 'run a detector on an image',
  usage,
  async run(args, { config, io }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        weights: { type: 'string' },
        json: { type: 'boolean', default: false },
        annotate: { type: 'string' },
        'all-classes': { type: 'boolean', default: false },
        tile: { type: 'boolean', default: false },
        threads: { type: 'string' },
      },
    });
    const imagePath = positionals[0];
    if (!imagePath || positionals.length > 1) throw new UsageError('give exactly one image');
    if (!values.model) throw new UsageError('--model is required');
    const threads = positiveOption('threads', values.threads, true) ?? config.ortThreads;
    if (values.annotate && !/^\.(png|jpe?g)$/i.test(extname(values.annotate))) {
      throw new UsageError('--annotate must name a .png or .jpg file');
    }

    configureMedia({ concurrency: config.sharpConcurrency });
    let bytes: Buffer;
    try {
      bytes = await readFile(imagePath);
    } catch (err) {
      throw new MediaError(`cannot read image ${imagePath}: ${errorMessage(err)}`);
    }
    const image = await decodeImage(bytes, imagePath);
    const detector = await Detector.load(values.model, { weights: values.weights, intraOpThreads: threads });
    try {
      const opts = { includeUnmapped: values['all-classes'] };
      const detections = values.tile
        ? await detector.detectTiled(image, {}, opts)
        : await detector.detect(image, opts);
      const rounded = detections.map((d) => ({
        label: d.label,
        canonical: d.canonical,
        score: Math.round(d.score * 1000) / 1000,
        box: d.box.map((v) => Math.round(v * 10) / 10),
      }));
      if (values.json) {
        io.out(JSON.stringify({ detections: rounded }));
      } else {
        io.out(
          `${detections.length} detections in ${imagePath} (${image.width}x${image.height}, ${detector.manifest.name})`,
        );
        for (const d of rounded) {
          io.out(
            `  ${(d.canonical ?? '-').padEnd(13)} ${d.label.padEnd(14)} ${d.score.toFixed(3)}  [${d.box.join(', ')}]`,
          );
        }
      }
      if (values.annotate) {
        const svg = boxesSvg(
          image.width,
          image.height,
          detections.map((d) => ({ box: d.box, text: `${d.canonical ?? d.label} ${d.score.toFixed(2)}` })),
        );
        const format = /\.png$/i.test(values.annotate) ? 'png' : 'jpeg';
        await writeFile(values.annotate, await overlaySvg(image, svg, format));
        if (!values.json) io.out(`annotated image written to ${values.annotate}`);
      }
    } finally {
      await detector.close();
    }
    return 0;
  },
};
