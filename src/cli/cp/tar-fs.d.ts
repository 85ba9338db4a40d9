/** The part of tar-fs (which ships no types) that `cp` uses. */
declare module 'tar-fs' {
  import type { Readable, Writable } from 'node:stream';

  export interface Header {
    name: string;
    type: string;
    mode?: number;
    linkname?: string | null;
  }
  export interface PackOptions {
    entries?: string[];
    map?: (header: Header) => Header;
    umask?: number;
  }
  export interface ExtractOptions {
    map?: (header: Header) => Header;
    ignore?: (name: string, header?: Header) => boolean;
    umask?: number;
    chown?: boolean;
  }
  export function pack(cwd: string, options?: PackOptions): Readable;
  export function extract(cwd: string, options?: ExtractOptions): Writable;
}
