import { describe, expect, it } from 'vitest';
import type { EvidenceService } from '../evidence/evidence-service.js';
import type { FrameProvider } from '../evidence/frame-provider.js';
import type { PipelineEvent } from '../pipeline/pipeline-types.js';
import { CameraEvidenceRecorder } from './camera-evidence.js';

function frame(shade: number): { data: Uint8Array; width: number; height: number } {
  return { data: new Uint8Array(32 * 16 * 3).fill(shade), width: 32, height: 16 };
}

const event = { violation: { id: 'v1' } } as unknown as PipelineEvent;
const source = { id: 'cam-1', name: 'Test camera' };

function collectingLogger(): { warnings: string[]; debug(): void; info(): void; warn(m: string): void } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (m: string) => warnings.push(m) };
}

describe('CameraEvidenceRecorder', () => {
  it('renders a case from the frames it buffered, found by engine pts', async () => {
    const seen: number[] = [];
    let provider: FrameProvider | undefined;
    const evidence: Pick<EvidenceService, 'renderForViolation'> = {
      async renderForViolation(caseId, violation, src, frames) {
        expect(caseId).toBe('case-1');
        expect(violation.id).toBe('v1');
        expect(src.id).toBe('cam-1');
        provider = frames;
        const f = await frames.frameAt(20);
        seen.push(f.ptsS, f.image.width, f.image.data[0]!);
        return { items: [], created: ['annotated'], skipped: [] };
      },
    };
    const logger = collectingLogger();
    const rec = new CameraEvidenceRecorder(evidence, source, logger);
    await rec.record(frame(10), 10, 1_000);
    await rec.record(frame(200), 20, 11_000);
    await rec.record(frame(90), 30, 21_000);
    expect(rec.buffered.frames).toBe(3);

    const result = await rec.renderFor('case-1', event);
    expect(result?.created).toEqual(['annotated']);
    expect(seen[0]).toBe(20);
    expect(seen[1]).toBe(32);
    expect(Math.abs(seen[2]! - 200)).toBeLessThan(8); // JPEG round trip
    // A frame the buffer never had is an error the evidence service turns into a skipped kind.
    await expect(provider!.frameAt(100)).rejects.toThrow(/no buffered frame/);
    expect(logger.warnings).toEqual([]);
  });

  it('drops frames older than it keeps', async () => {
    const evidence = { renderForViolation: async () => ({ items: [], created: [], skipped: [] }) };
    const rec = new CameraEvidenceRecorder(evidence, source, collectingLogger(), { keepS: 30 });
    for (let t = 0; t <= 100; t += 10) await rec.record(frame(t), t, t * 1000);
    expect(rec.buffered.frames).toBe(4); // 70, 80, 90, 100
  });

  it('logs skipped kinds and never throws, so the camera keeps running', async () => {
    const logger = collectingLogger();
    const skipping = new CameraEvidenceRecorder(
      {
        renderForViolation: async () => ({
          items: [],
          created: [],
          skipped: [{ kind: 'start_frame' as const, reason: 'aged out' }],
        }),
      },
      source,
      logger,
    );
    expect(await skipping.renderFor('case-2', event)).not.toBeNull();
    const failing = new CameraEvidenceRecorder(
      {
        renderForViolation: () => Promise.reject(new Error('storage is down')),
      },
      source,
      logger,
    );
    expect(await failing.renderFor('case-3', event)).toBeNull();
    expect(logger.warnings).toEqual([
      'camera cam-1: case case-2 has no start_frame evidence: aged out',
      'camera cam-1: evidence for case case-3 failed: storage is down',
    ]);
  });
});
