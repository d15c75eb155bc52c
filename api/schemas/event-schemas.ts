/** Schemas of the live case stream. */
import { Type } from '@sinclair/typebox';

export const StreamHeadersSchema = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({
      pattern: '^[0-9]{1,15}$',
      description: 'The `id` of the last event received; the stream first replays what changed since',
    }),
  ),
});

export const EVENT_STREAM_CONTENT_TYPE = 'text/event-stream';

export const EventStreamResponseSchema = {
  description:
    'Server-sent events. `event: case` with data `{"kind":"created"|"updated","case":{…as GET /cases/:id}}` ' +
    'and `id` the change number; `event: reset` when changes were missed and the client should reload; ' +
    'a comment line every 15 s keeps proxies from closing the connection.',
  content: { [EVENT_STREAM_CONTENT_TYPE]: { schema: Type.String() } },
};
