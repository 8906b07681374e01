export interface Resource {
  contentType: string;
  body: Uint8Array;
  /** Suggested file name for downloads (Content-Disposition). */
  filename?: string;
}

/** Answers `res/<segment>/...`; `path` is what follows the segment, already decoded. */
export type ResourceResolver = (path: string[], query: URLSearchParams, workspace: string) => Promise<Resource | null>;
