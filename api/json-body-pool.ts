/**
 * Response bodies assembled from pieces of JSON text (cases the database rendered) in buffers
 * that are used again once the socket has taken them.
 *
 * Why: a page of 50 cases is about 70 KB of text. Joined into one string it is a large-object
 * allocation for V8 (over 128 KB as UTF-16), and written as a string Node encodes it into a fresh
 * buffer for the socket; both are new memory every request. Where page faults are dear (this
 * project's VMs: ~13 µs a page) the two cost 1.2 ms a page, more than everything else the API
 * does for it (bench:api). A reused buffer is already faulted in, and encoding straight into it
 * costs 35 µs.
 */
import type { ServerResponse } from 'node:http';

/** Big enough for a page of 200 cases; a larger body gets a buffer of its own. */
const SLAB_BYTES = 512 * 1024;

export class JsonBodyPool {
  private readonly free: Buffer[] = [];
  private readonly issued = new WeakSet<Buffer>();

  /** `maxFree`: slabs kept for reuse; with more bodies in flight at once, the extra ones are dropped. */
  constructor(private readonly maxFree = 16) {}

  /**
   * `pieces` joined by `separator` between `head` and `tail`, as UTF-8. The buffer belongs to the
   * pool again after {@link releaseAfter}'s response has finished.
   */
  assemble(head: string, pieces: readonly string[], separator: string, tail: string): Buffer {
    let bytes = Buffer.byteLength(head) + Buffer.byteLength(tail);
    const sepBytes = Buffer.byteLength(separator);
    for (const piece of pieces) bytes += Buffer.byteLength(piece);
    bytes += Math.max(0, pieces.length - 1) * sepBytes;
    const target = bytes <= SLAB_BYTES ? (this.free.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES)) : undefined;
    const out = target ?? Buffer.allocUnsafe(bytes);
    let at = out.write(head, 0);
    pieces.forEach((piece, i) => {
      if (i > 0) at += out.write(separator, at);
      at += out.write(piece, at);
    });
    at += out.write(tail, at);
    const body = out.subarray(0, at);
    if (target) this.issued.add(body);
    return body;
  }

  /**
   * Takes the body back once `response` has handed all of it to the kernel. A response that ends
   * any other way (the client went away) keeps it: a write still queued may read it, so the
   * garbage collector frees it instead.
   */
  releaseAfter(response: ServerResponse, body: Buffer): void {
    // Taken off the issued list now, so a second call for the same body cannot free it twice.
    if (!this.issued.delete(body)) return;
    response.once('finish', () => {
      if (this.free.length < this.maxFree) {
        this.free.push(Buffer.from(body.buffer, body.byteOffset, SLAB_BYTES));
      }
    });
  }
}
