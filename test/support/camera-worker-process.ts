/**
 * A camera worker as its own process, for the takeover test: opens the database (one schema),
 * loads a real ONNX detector, and hosts CameraService until SIGTERM (clean stop) or SIGKILL.
 * (It hosts the service directly, not through `gridwatch worker`, which also needs Redis.)
 * It reports on stdout, one JSON object per line: {"kind":"ready"}, lease changes, stored batches.
 *
 *   node --import tsx test/support/camera-worker-process.ts '<json CameraWorkerArgs>'
 */
import { CaseService } from '../../cases/case-service.js';
import { loadCategoryCodes } from '../../cases/category-codes.js';
import { errorMessage } from '../../common/errors.js';
import { EvidenceService } from '../../evidence/evidence-service.js';
import { PipelineModels } from '../../pipeline/load-pipeline-models.js';
import { openDatabase } from '../../repositories/database-repository.js';
import { LocalFolderStorage } from '../../storage/local-folder-storage.js';
import { CameraService, type CameraServiceOptions } from '../../workers/camera-service.js';

export interface CameraWorkerArgs {
  databaseUrl: string;
  schema: string;
  owner: string;
  manifest: string;
  weights: string;
  /** Evidence files go here (shared by the workers, as a mounted folder or a bucket would be). */
  evidenceDir: string;
  service: Omit<CameraServiceOptions, 'owner'>;
}

const say = (o: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ ...o, at: new Date().toISOString() })}\n`);
};

const args = JSON.parse(process.argv[2] ?? '{}') as CameraWorkerArgs;
const db = await openDatabase({ url: args.databaseUrl, schema: args.schema });
const logger = {
  debug: () => {},
  info: (m: string) => process.stderr.write(`[${args.owner}] ${m}\n`),
  warn: (m: string) => process.stderr.write(`[${args.owner}] warning: ${m}\n`),
};
// The loader the worker runtime uses, loaded up front as `gridwatch worker` does.
const models = new PipelineModels(
  { detector: args.manifest, detectorWeights: args.weights, threads: 1 },
  logger,
);
await models.detector();
const cases = new CaseService(db, await loadCategoryCodes({}));
const evidence = new EvidenceService(db, new LocalFolderStorage(args.evidenceDir));
const service = new CameraService(
  {
    db,
    cases,
    evidence,
    models,
    logger,
    onLease: (e) =>
      say({
        kind: e.kind,
        sourceId: e.lease.sourceId,
        token: e.lease.token,
        ...(e.kind === 'released' ? { why: e.why } : {}),
      }),
    onBatch: (b) => say({ kind: 'batch', ...b }),
  },
  { ...args.service, owner: args.owner },
);

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    try {
      await service.stop();
      await models.close();
      await db.close();
      say({ kind: 'stopped' });
      process.exit(0);
    } catch (err) {
      process.stderr.write(`stop failed: ${errorMessage(err)}\n`);
      process.exit(1);
    }
  })();
});

say({ kind: 'ready', owner: args.owner });
await service.start();
