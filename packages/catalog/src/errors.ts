import { SnowtrailError } from '@snowtrail/protocol';

/** Error codes of @snowtrail/catalog; documented in docs/errors/catalog.md. */
export const CATALOG_ERRORS = {
  manifest: 'SNOWTRAIL_ERR_CATALOG_MANIFEST',
  query: 'SNOWTRAIL_ERR_CATALOG_QUERY',
} as const;

/** Any error raised by the catalog package; branch on `code`. */
export class CatalogError extends SnowtrailError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, { cause: options?.cause });
    this.name = 'CatalogError';
  }
}
