/**
 * The evaluation report as Markdown tables (report.md) beside the JSON (report.json). Pure, so the
 * layout is tested without running anything.
 */
import type { EvalReport, SuiteRun } from './eval-suite.js';
import type { ScenarioSuiteFigures } from './scenario-evaluation.js';

/** A Markdown table; `|` inside cells is escaped so a cell never splits. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const fixed = (v: number | null | undefined, digits: number) =>
  v === null || v === undefined ? '–' : v.toFixed(digits);
const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)} %`;

function suiteTable(f: ScenarioSuiteFigures): string {
  const rows = f.perType.map((t) => [
    t.type,
    String(t.scenarios),
    String(t.expected),
    String(t.truePositives),
    String(t.falsePositives),
    String(t.falseNegatives),
    fixed(t.precision, 2),
    fixed(t.recall, 2),
    fixed(t.meanTimeToDetectS, 0),
    fixed(t.maxTimeToDetectS, 0),
    fixed(t.limitS, 0),
    String(t.late),
  ]);
  rows.push([
    '**all**',
    String(f.scenarios),
    String(f.expected),
    String(f.truePositives),
    String(f.falsePositives),
    String(f.falseNegatives),
    fixed(f.precision, 2),
    fixed(f.recall, 2),
    '',
    '',
    '',
    String(f.perType.reduce((n, t) => n + t.late, 0)),
  ]);
  const table = markdownTable(
    [
      'violation type',
      'scenarios',
      'expected',
      'TP',
      'FP',
      'FN',
      'precision',
      'recall',
      'mean TTD s',
      'max TTD s',
      'TTD limit s',
      'late',
    ],
    rows,
  );
  const p = f.dronePositionErrorM;
  const a = f.droneAreaError;
  const drone =
    p.n || a.n
      ? `Drone soil patches: position error mean ${fixed(p.mean, 2)} m, max ${fixed(p.max, 2)} m (${p.n} matched); ` +
        `area error mean ${pct(a.mean)}, max ${pct(a.max)} (${a.n} matched).`
      : 'Drone soil patches: none matched, so no position or area error.';
  return `${table}\n\n${drone}`;
}

function runTitle(r: SuiteRun): string {
  const seg = r.segmenter ? `, ${r.segmenter.name} ${r.segmenter.version}` : '';
  return `${r.detector.name} ${r.detector.version}${seg}; ${r.seconds} s`;
}

function perScenarioTable(report: EvalReport): string {
  const oracle = new Map((report.oracle?.figures.perScenario ?? []).map((s) => [s.name, s]));
  const header = ['scenario', 'expected', 'bundled: found / missed / false', 'bundled: opened'];
  if (report.oracle) header.push('oracle: found / missed / false');
  const rows = report.bundled.figures.perScenario.map((s) => {
    const row = [
      s.name,
      String(s.expected),
      `${s.matched} / ${s.misses} / ${s.falsePositives}${s.late ? ` (${s.late} late)` : ''}`,
      s.opened.join(', ') || '–',
    ];
    if (report.oracle) {
      const o = oracle.get(s.name);
      row.push(
        o ? `${o.matched} / ${o.misses} / ${o.falsePositives}${o.late ? ` (${o.late} late)` : ''}` : '–',
      );
    }
    return row;
  });
  return markdownTable(header, rows);
}

function realMediaSection(report: EvalReport): string {
  const r = report.realMedia;
  if (!r) return 'Not run.';
  if (r.skipped) return `**Skipped**: ${r.skipped}.`;
  const rows = r.checks.map((c) => [
    c.detector,
    c.media,
    c.check,
    c.unit === 'share of frames' ? pct(c.measured) : String(c.measured),
    c.minimum === null ? '–' : c.unit === 'share of frames' ? `≥ ${pct(c.minimum)}` : `≥ ${c.minimum}`,
    c.pass === null ? 'measured' : c.pass ? 'pass' : '**FAIL**',
    c.detail ?? '',
  ]);
  return [
    `${r.passed} of ${r.passed + r.failed} checks pass, ${r.checks.length - r.passed - r.failed} measured without a bar ` +
      `(${r.seconds} s; media and models read from ${r.sharedDir}).`,
    '',
    markdownTable(['detector', 'media', 'check', 'measured', 'minimum', 'result', 'detail'], rows),
    '',
    'COCO detectors are trained on ground-level photos and do poorly on top-down views ' +
      '(../shared/models/README.md): the top-down parking-lot video is measured, not passed or failed; ' +
      'it is where a drone-trained model is needed.',
  ].join('\n');
}

function modelsSection(report: EvalReport): string {
  const m = report.models;
  if (!m) return 'Not run.';
  const parts: string[] = [];
  if (m.detector) {
    const d = m.detector;
    parts.push(
      `**${d.name} ${d.version}**: mAP50 ${d.map50.toFixed(3)} on ${m.scenes} scenes (seed ${m.seed}), ` +
        `${d.msPerFrame.toFixed(1)} ms/frame.`,
      '',
      markdownTable(
        ['class', 'AP50', 'objects', 'predictions', 'best F1', 'at score'],
        d.perClass.map((c) => [
          c.label,
          c.ap.toFixed(3),
          String(c.groundTruth),
          String(c.predictions),
          c.bestF1.f1.toFixed(3),
          c.bestF1.score.toFixed(2),
        ]),
      ),
    );
  }
  if (m.segmenter) {
    const s = m.segmenter;
    parts.push(
      '',
      `**${s.name} ${s.version}**: pixel accuracy ${s.pixelAccuracy.toFixed(3)} on ${m.scenes} scenes, ` +
        `${s.msPerFrame.toFixed(1)} ms/frame.`,
      '',
      markdownTable(
        ['class', 'IoU'],
        Object.entries(s.iou).map(([label, v]) => [label, v.toFixed(3)]),
      ),
    );
  }
  return parts.join('\n');
}

export function renderMarkdownReport(report: EvalReport): string {
  const seed = report.seed === null ? 'the fixed catalogue seeds' : `appearance seed ${report.seed}`;
  const out = [
    '# Gridwatch evaluation',
    '',
    `Generated ${report.generatedAt} in ${report.seconds} s. ${report.scenarios.length} scenarios at ` +
      `${report.width} px wide, ${seed}. TTD: time to detect, from the start of the condition to the ` +
      'case opening; the limit is the rule threshold plus two sampling intervals. A drone patch counts ' +
      'from the first frame that shows it whole, so one reported from partial views can have a negative TTD.',
    '',
    `## Scenario suite, bundled models (${runTitle(report.bundled)})`,
    '',
    'The bundled models are undertrained placeholders (see their model cards): low figures here are ' +
      'expected. ' +
      (report.oracle
        ? 'The oracle run below shows how much of the gap is the models rather than the rules.'
        : 'Run with `--oracle` to see what the rules do with perfect detections.'),
    '',
    suiteTable(report.bundled.figures),
    '',
  ];
  if (report.oracle) {
    out.push(
      `## Scenario suite, oracle stages (${report.oracle.seconds} s)`,
      '',
      'Detections and soil regions read from the rendered truth: what the rules, tracker and video ' +
        'plumbing do with perfect models.',
      '',
      suiteTable(report.oracle.figures),
      '',
    );
  }
  out.push(
    '## Per scenario',
    '',
    perScenarioTable(report),
    '',
    '## Real media, reference COCO detectors',
    '',
    realMediaSection(report),
    '',
    '## Bundled models on held-out synthetic scenes (`gridwatch eval model`)',
    '',
    modelsSection(report),
    '',
  );
  return out.join('\n');
}
