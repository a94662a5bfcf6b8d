/* Talking to the API: JSON in and out, the session cookie, the CSRF header on every
 * state-changing request, and one readable message per failure. */
import * as T from '../i18n.js';
import * as QL from '../common.js';
import { session } from './state.js';

export class ApiError extends Error {
  constructor(status, body, headers) {
    super('HTTP ' + status);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

let onSessionEnded = () => {};

/** `fn` runs when a request answers 401 while signed in (the session expired or was ended). */
export function whenSessionEnds(fn) {
  onSessionEnded = fn;
}

/** Sends a request; resolves the parsed body, rejects an ApiError (status 0: the network failed). */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET') {
    if (session.csrf) headers['X-CSRF-Token'] = session.csrf;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, null, null);
  }
  const data = QL.parseJson(await response.text());
  if (!response.ok) {
    const error = new ApiError(response.status, data, response.headers);
    if (response.status === 401 && session.user && !/\/auth\/(login|session)$/.test(path)) onSessionEnded();
    throw error;
  }
  return data;
}

/** `/api/v1/cases/{ref}` followed by `rest`. */
export function casePath(ref, rest) {
  return '/api/v1/cases/' + encodeURIComponent(ref) + (rest || '');
}

/** A readable message for a failed request. */
export function failure(err) {
  const status = err && err.status;
  if (status === 0) return T.t('admin.err.network');
  if (status === 401) return T.t('admin.err.session');
  if (status === 403) return T.t('admin.err.forbidden');
  if (status === 404) return T.t('admin.err.notfound');
  if (status === 409) return T.t('admin.err.conflict');
  const errors = QL.problemErrors(err && err.body);
  if (errors.length) return errors.map((e) => QL.errorText(e) || e.message).join(T.lang() === 'en' ? '; ' : '；');
  return T.t('err.server', { status });
}

/**
 * A file of a case: `inline` (an image shown on the page or in the lightbox) is not audited,
 * as it is part of the audited case view; without it the server sends a download and audits it.
 */
export function evidenceUrl(ref, evidence, inline) {
  return casePath(ref, '/evidence/' + evidence.id + (inline ? '?inline=1' : ''));
}
