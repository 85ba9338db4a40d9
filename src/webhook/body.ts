/**
 * Reads a JSON request body with a size limit: the lean replacement of express.json() on the admission
 * path (no type-is, iconv or string_decoder; one Buffer.concat, no decode and no parse: the review does
 * both, on the main thread or in a worker). Mistakes of the client become UsageError with the HTTP status that fits
 * (400, 413, 415).
 */
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { UsageError } from '../errors.js';

/** `application/json`, optionally with `charset=utf-8`; anything else is a 415. */
export function checkJsonContentType(req: IncomingMessage): void {
  const header = req.headers['content-type'] ?? '';
  const [mediaType = '', ...parameters] = header.split(';');
  const charset = parameters
    .map((parameter) => parameter.trim().toLowerCase())
    .find((parameter) => parameter.startsWith('charset='))
    ?.slice('charset='.length)
    .replaceAll('"', '');
  if (mediaType.trim().toLowerCase() !== 'application/json') {
    throw new UsageError(
      `Content-Type ${header === '' ? '(none)' : `"${header.slice(0, 100)}"`} is not supported: send application/json`,
      { status: 415 },
    );
  }
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UsageError(`charset ${charset.slice(0, 40)} is not supported: send UTF-8 JSON`, { status: 415 });
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    throw new UsageError(`Content-Encoding ${encoding.slice(0, 40)} is not supported: send the body uncompressed`, {
      status: 415,
    });
  }
}

function tooLarge(limit: number): UsageError {
  return new UsageError(
    `the request body is larger than the limit of ${limit} bytes; raise --body-limit (DEBUGDEAD_BODY_LIMIT) if pods this large are expected`,
    { status: 413 },
  );
}

/**
 * The whole body, as bytes. Over the limit (declared, or found while reading) nothing more is kept, the
 * rest is read and dropped, and it rejects with 413 once the body has ended: the client, still sending,
 * then reads the answer instead of a reset, whatever the size, even on a connection it asked to close (the
 * server's request timeout bounds how long a body may take).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    let over = Number.isFinite(declared) && declared > limit;
    const chunks: Buffer[] = [];
    let length = 0;

    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      if (over) return;
      length += chunk.length;
      if (length > limit) {
        over = true;
        chunks.length = 0;
      } else chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      if (over) reject(tooLarge(limit));
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new UsageError('the request body could not be read', { cause: error }));
    };
    const onAborted = (): void => {
      cleanup();
      reject(new UsageError('the client went away before sending the whole body'));
    };
    /** Closed before 'end': the connection was cut (newer Node versions may not emit 'aborted'). */
    const onClose = (): void => {
      if (!req.complete) onAborted();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
    req.on('close', onClose);
  });
}

/** Express middleware: checks the media type, then sets `req.body` to the body's bytes, or passes the UsageError on. */
export function jsonBody(limit: number): RequestHandler {
  return (req, _res, next) => {
    try {
      checkJsonContentType(req);
    } catch (error) {
      next(error);
      return;
    }
    readBody(req, limit).then((body) => {
      req.body = body;
      next();
    }, next);
  };
}
