// Search Bundles with paging links, and OperationOutcome for refusals.
import type { Bundle, BundleLink, OperationOutcome, Resource } from '@medplum/fhirtypes';

export interface Page<T> {
  items: T[];
  total: number;
}

export interface PageRequest {
  count: number;
  page: number;
}

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 100;

/** One page of an in-memory list. */
export function pageOf<T>(all: T[], p: PageRequest): Page<T> {
  return { items: all.slice((p.page - 1) * p.count, p.page * p.count), total: all.length };
}

/**
 * A `searchset` Bundle. `self`, `next` and `previous` repeat the search's own parameters with
 * `_page` and `_count`, as absolute URLs under `base` (the server's public address).
 */
export function searchBundle(base: string, type: string, params: URLSearchParams, p: PageRequest, page: Page<Resource>): Bundle {
  const url = (n: number) => {
    const q = new URLSearchParams(params);
    q.delete('_page');
    q.delete('_count');
    q.set('_count', String(p.count));
    q.set('_page', String(n));
    return `${base}/${type}?${q.toString()}`;
  };
  const link: BundleLink[] = [{ relation: 'self', url: url(p.page) }];
  if (p.page * p.count < page.total) link.push({ relation: 'next', url: url(p.page + 1) });
  if (p.page > 1) link.push({ relation: 'previous', url: url(Math.min(p.page - 1, Math.max(1, Math.ceil(page.total / p.count)))) });
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: page.total,
    link,
    entry: page.items.map((resource) => ({ fullUrl: `${base}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } })),
  };
}

const ISSUE_CODE: Record<number, 'invalid' | 'security' | 'login' | 'forbidden' | 'not-found' | 'conflict' | 'too-long' | 'throttled' | 'transient' | 'exception' | 'not-supported'> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  405: 'not-supported',
  409: 'conflict',
  413: 'too-long',
  415: 'not-supported',
  429: 'throttled',
  503: 'transient',
};

export function operationOutcome(status: number, message: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: ISSUE_CODE[status] ?? 'exception', diagnostics: message, details: { text: message } }],
  };
}
