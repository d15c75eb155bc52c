/** Drone flights: upload a video (and its telemetry), then follow its analysis. */
import multipart, { type Multipart } from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Value } from '@sinclair/typebox/value';
import type { Readable } from 'node:stream';
import { errorMessage, GridwatchError, InvalidInputError } from '../../common/errors.js';
import { PayloadTooLargeError, UnsupportedMediaError } from '../../flights/flight-errors.js';
import type { FlightService } from '../../flights/flight-service.js';
import type { Role } from '../auth/roles.js';
import { assertStorable } from '../input-guard.js';
import { describeRoute } from '../plugins/openapi-docs.js';
import { AUTHENTICATED_ERRORS, errorResponses } from '../schemas/common-schemas.js';
import {
  FlightFieldsSchema,
  FlightIdParamsSchema,
  FlightPageSchema,
  FlightSchema,
  FlightUploadDocSchema,
  ListFlightsQuerySchema,
  type FlightFields,
} from '../schemas/flight-schemas.js';

const FLIGHT_UPLOADERS: readonly Role[] = ['uploader'];
const FLIGHT_READERS: readonly Role[] = ['uploader', 'reviewer'];
const TEXT_FIELDS = new Set(['sourceId', 'metadata']);
const MAX_METADATA_CHARS = 16 * 1024;

function parseFields(raw: Record<string, unknown>): FlightFields {
  const fields: Record<string, unknown> = {};
  if (raw.sourceId !== undefined) fields.sourceId = raw.sourceId;
  if (raw.metadata !== undefined) {
    let metadata = raw.metadata;
    if (typeof metadata === 'string') {
      if (metadata.length > MAX_METADATA_CHARS) {
        throw new InvalidInputError(`metadata has at most ${MAX_METADATA_CHARS} characters`);
      }
      try {
        metadata = JSON.parse(metadata);
      } catch {
        throw new InvalidInputError('metadata must be a JSON object');
      }
    }
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new InvalidInputError('metadata must be a JSON object');
    }
    if (JSON.stringify(metadata).length > MAX_METADATA_CHARS) {
      throw new InvalidInputError(`metadata has at most ${MAX_METADATA_CHARS} characters`);
    }
    assertStorable(metadata, 'metadata');
    fields.metadata = metadata;
  }
  if (!Value.Check(FlightFieldsSchema, fields)) {
    const first = Value.Errors(FlightFieldsSchema, fields).First();
    throw new InvalidInputError(`invalid upload field${first ? ` ${first.path}: ${first.message}` : ''}`);
  }
  return fields;
}

/** A parser error as a 4xx: its own status when it has one, else 400 naming what was wrong. */
function asClientError(err: unknown): unknown {
  if (err instanceof GridwatchError) return err;
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return err;
  return new InvalidInputError(`the multipart body is malformed: ${errorMessage(err).slice(0, 200)}`);
}

export const flightRoutes: FastifyPluginAsyncTypebox<{ flights: FlightService }> = async (
  app,
  { flights },
) => {
  // Busboy cuts a file one byte past the video limit, so the upload guard sees it and answers 413.
  await app.register(multipart, {
    limits: {
      fileSize: flights.maxVideoBytes + 1,
      files: 2,
      fields: 4,
      parts: 6,
      fieldSize: MAX_METADATA_CHARS,
      fieldNameSize: 100,
      headerPairs: 20,
    },
  });
  const maxRequestBytes = flights.maxVideoBytes + flights.maxSrtBytes + 1024 * 1024;

  app.post(
    '/flights',
    {
      config: { auth: FLIGHT_UPLOADERS },
      // The body is a stream read part by part below; the schema is there to document it.
      validatorCompiler: () => () => true,
      schema: {
        ...describeRoute(
          'flights',
          'Upload a drone flight video (multipart: video, optional srt, sourceId, metadata); 415 unless it is MP4/MOV/Matroska',
          FLIGHT_UPLOADERS,
        ),
        consumes: ['multipart/form-data'],
        body: FlightUploadDocSchema,
        response: { 201: FlightSchema, ...errorResponses(...AUTHENTICATED_ERRORS, 413, 415, 503) },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new UnsupportedMediaError('send multipart/form-data with the video in a part named video');
      }
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxRequestBytes) {
        reply.header('connection', 'close');
        throw new PayloadTooLargeError(`an upload has at most ${flights.maxVideoBytes} bytes of video`);
      }
      const upload = flights.beginUpload();
      const raw: Record<string, unknown> = {};
      // Errors raised while parsing the request are the client's malformed body, not our fault.
      const fromClient = new WeakSet<object>();
      const blame = (err: unknown): void => {
        // A failing disk write is ours, even when it reaches us through the part's stream.
        if (typeof err === 'object' && err !== null && !('syscall' in err)) fromClient.add(err);
      };
      const take = async (part: Multipart): Promise<void> => {
        if (part.type === 'file') {
          const file = part.file as Readable & { truncated?: boolean };
          // The parser fails a part by destroying its stream, possibly before we got the part.
          file.on('error', blame);
          if (file.errored) blame(file.errored);
          try {
            if (part.fieldname === 'video') await upload.addVideo(file, part.filename);
            else if (part.fieldname === 'srt') await upload.addSrt(file);
            else throw new InvalidInputError(`unexpected file part '${part.fieldname.slice(0, 100)}'`);
          } finally {
            if (file.errored) blame(file.errored);
          }
          if (file.truncated) {
            throw new PayloadTooLargeError(`a flight video has at most ${flights.maxVideoBytes} bytes`);
          }
          return;
        }
        if (!TEXT_FIELDS.has(part.fieldname)) {
          throw new InvalidInputError(`unexpected field '${part.fieldname.slice(0, 100)}'`);
        }
        if (part.valueTruncated) throw new InvalidInputError(`${part.fieldname} is too long`);
        if (raw[part.fieldname] !== undefined) throw new InvalidInputError(`${part.fieldname} sent twice`);
        raw[part.fieldname] = part.value;
      };
      // True while waiting on the part iterator, whose errors are the parser's.
      let parsing = true;
      try {
        for await (const part of request.parts()) {
          parsing = false;
          await take(part);
          parsing = true;
        }
        parsing = false;
        const flight = await upload.commit(parseFields(raw));
        return reply.code(201).header('location', `/flights/${flight.id}`).send(flight);
      } catch (err) {
        await upload.abort();
        // Whatever the client is still sending is not wanted: close rather than read it all.
        reply.header('connection', 'close');
        if (parsing) blame(err);
        throw fromClient.has(err as object) ? asClientError(err) : err;
      }
    },
  );

  app.get(
    '/flights',
    {
      config: { auth: FLIGHT_READERS },
      schema: {
        ...describeRoute('flights', 'List flights, newest first', FLIGHT_READERS),
        querystring: ListFlightsQuerySchema,
        response: { 200: FlightPageSchema, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async (request) => {
      const { status, source, ...page } = request.query;
      return flights.list({ statuses: status, sourceId: source }, page);
    },
  );

  app.get(
    '/flights/:id',
    {
      config: { auth: FLIGHT_READERS },
      schema: {
        ...describeRoute('flights', "A flight's status and progress", FLIGHT_READERS),
        params: FlightIdParamsSchema,
        response: { 200: FlightSchema, ...errorResponses(...AUTHENTICATED_ERRORS, 404) },
      },
    },
    async (request) => flights.get(request.params.id),
  );
};
