/** Builds the services the API serves from one open database. */
import { CaseMetrics } from '../cases/case-metrics.js';
import { CaseService } from '../cases/case-service.js';
import type { CategoryCodes } from '../cases/category-codes.js';
import { validateWithPipeline } from '../cases/pipeline-source-validator.js';
import { SourceService, type SourceValidator } from '../cases/source-service.js';
import type { Database } from '../repositories/database-repository.js';
import { ApiKeyService } from './auth/api-key-service.js';

export interface AppServices {
  db: Database;
  cases: CaseService;
  sources: SourceService;
  keys: ApiKeyService;
  metrics: CaseMetrics;
}

export function createServices(
  db: Database,
  opts: { codes: CategoryCodes; validateSource?: SourceValidator | undefined },
): AppServices {
  return {
    db,
    cases: new CaseService(db, opts.codes),
    sources: new SourceService(db, opts.validateSource ?? validateWithPipeline),
    keys: new ApiKeyService(db),
    metrics: new CaseMetrics(db),
  };
}
