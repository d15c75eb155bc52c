/**
 * The review page and the few reads it needs beyond the case routes:
 *  - `/review` and its assets, built by `npm run build` into dist/review (or a folder a test
 *    built); public, since the page is only code and every request it makes needs a key;
 *  - `GET /me`: who the presented key is, so the page can refuse a non-reviewer key up front;
 *  - `GET /categories`: the configured code table, for names in filters;
 *  - `GET /map/sources`: source positions for the local map (reviewers may not read source
 *    configurations, which hold camera credentials, so only id, name, kind and position).
 * The CSP from security-headers.ts already allows exactly what the page does: same-origin script,
 * style and fetch, blob: images and video.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VIOLATION_TYPES } from '../../cases/case-model.js';
import type { CategoryCodes } from '../../cases/category-codes.js';
import type { SourceService } from '../../cases/source-service.js';
import { Nullable } from '../../cases/schema-types.js';
import { actorOf } from '../auth/api-key-service.js';
import { CASE_READERS, ROLES, type Role } from '../auth/roles.js';
import { errorBody } from '../error-handler.js';
import { describeRoute } from '../plugins/openapi-docs.js';
import { AUTHENTICATED_ERRORS, errorResponses } from '../schemas/common-schemas.js';

/** Asset name → content type; the route serves these names and nothing else from the folder. */
const ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'review.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/** Most sources the map shows; a district's cameras are far fewer. */
const MAP_SOURCE_LIMIT = 5000;

const ANY_ROLE: readonly Role[] = ROLES.filter((r) => r !== 'admin');

/** dist/review under the project root, from source (api/routes) or from the build (dist/api/routes). */
export function defaultReviewAssetsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'review');
    dir = dirname(dir);
  }
  return join(process.cwd(), 'dist', 'review');
}

interface Asset {
  body: Buffer;
  etag: string;
}

const MeSchema = Type.Object({
  role: Type.String(),
  name: Nullable(Type.String()),
  prefix: Type.String({ description: 'Public prefix of the key' }),
  actor: Type.String({ description: 'How decisions made with this key appear in the audit trail' }),
});

const CategoriesSchema = Type.Object({
  standard: Type.String(),
  items: Type.Array(
    Type.Object({ code: Type.String(), name: Type.String(), fullCode: Nullable(Type.String()) }),
  ),
  defaults: Type.Record(Type.String(), Type.String(), { description: 'Violation type → default code' }),
});

const MapSourcesSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Nullable(Type.String()),
      kind: Nullable(Type.String()),
      position: Nullable(Type.Object({ lat: Type.Number(), lon: Type.Number() })),
    }),
  ),
});

function position(value: unknown): { lat: number; lon: number } | null {
  if (typeof value !== 'object' || value === null) return null;
  const { lat, lon } = value as Record<string, unknown>;
  return typeof lat === 'number' && typeof lon === 'number' && Number.isFinite(lat) && Number.isFinite(lon)
    ? { lat, lon }
    : null;
}

export interface ReviewRouteOptions {
  codes: CategoryCodes;
  sources: SourceService;
  /** Folder of the built page; dist/review under the project root when omitted. */
  assetsDir?: string | undefined;
}

export const reviewRoutes: FastifyPluginAsyncTypebox<ReviewRouteOptions> = async (app, opts) => {
  const assetsDir = opts.assetsDir ?? defaultReviewAssetsDir();
  // Loaded on first request and kept: the files are small and change only with a new build.
  let assets: Map<string, Asset> | undefined;
  let loading: Promise<Map<string, Asset> | undefined> | undefined;

  async function load(): Promise<Map<string, Asset> | undefined> {
    const loaded = new Map<string, Asset>();
    for (const name of Object.keys(ASSETS)) {
      let body: Buffer;
      try {
        body = await readFile(join(assetsDir, name));
      } catch {
        return undefined;
      }
      loaded.set(name, {
        body,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      });
    }
    return loaded;
  }

  async function asset(name: string): Promise<Asset | undefined> {
    if (!assets) {
      loading ??= load().finally(() => {
        loading = undefined;
      });
      assets = await loading;
    }
    return assets?.get(name);
  }

  const serve =
    (name: string) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const found = await asset(name);
      if (!found) {
        return reply
          .code(503)
          .send(
            errorBody(
              'REVIEW_PAGE_NOT_BUILT',
              `the review page is not built: run \`npm run build\` (it bundles review/ into ${assetsDir})`,
            ),
          );
      }
      // Revalidated on every load, so a new build is picked up at once; unchanged files cost a 304.
      void reply.header('cache-control', 'no-cache').header('etag', found.etag);
      if (request.headers['if-none-match'] === found.etag) return reply.code(304).send();
      return reply.type(ASSETS[name] as string).send(found.body);
    };
  const assetRoute = { config: { auth: 'public' as const }, schema: { hide: true } };

  app.get('/review', assetRoute, serve('index.html'));
  app.get('/review/', assetRoute, serve('index.html'));
  for (const name of Object.keys(ASSETS)) {
    if (name !== 'index.html') app.get(`/review/${name}`, assetRoute, serve(name));
  }

  app.get(
    '/me',
    {
      config: { auth: ANY_ROLE },
      schema: {
        ...describeRoute('operations', 'The role and identity of the presented API key', ANY_ROLE),
        response: { 200: MeSchema, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async (request) => {
      const p = request.principal as NonNullable<typeof request.principal>;
      return { role: p.role, name: p.name, prefix: p.prefix, actor: actorOf(p) };
    },
  );

  app.get(
    '/categories',
    {
      config: { auth: CASE_READERS },
      schema: {
        ...describeRoute('cases', 'The category code table in force', CASE_READERS),
        response: { 200: CategoriesSchema, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async () => ({
      standard: opts.codes.standard,
      items: opts.codes.codes().flatMap((code) => {
        const c = opts.codes.lookup(code);
        return c ? [c] : [];
      }),
      defaults: Object.fromEntries(VIOLATION_TYPES.map((type) => [type, opts.codes.forType(type).code])),
    }),
  );

  app.get(
    '/map/sources',
    {
      config: { auth: CASE_READERS },
      schema: {
        ...describeRoute('sources', 'Source positions for the review map (no configuration)', CASE_READERS),
        response: { 200: MapSourcesSchema, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async () => {
      const items = [];
      let cursor: string | undefined;
      do {
        const page = await opts.sources.list({ cursor, limit: 500 });
        for (const s of page.items) {
          const c = s.config;
          items.push({
            id: s.id,
            name: typeof c.name === 'string' ? c.name : null,
            kind: typeof c.kind === 'string' ? c.kind : null,
            position: position(c.position),
          });
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor && items.length < MAP_SOURCE_LIMIT);
      return { items };
    },
  );
};
