/**
 * Who may use the dashboard. Pure checks on the request's headers, applied to every request before routing.
 * - A token, when configured, is required on every request: Authorization: Bearer, `?token=` (the address the
 *   operator opens), or the cookie that address sets (HttpOnly, SameSite=Strict), so the page's script, its fetches
 *   and its EventSource carry it without the script ever holding it. Compared in constant time.
 * - Commands (POST) must be JSON and, when the browser names an Origin, from the dashboard's own origin: a page on
 *   another site can make the operator's browser send a "simple" cross-site POST to 127.0.0.1, but not one with
 *   Content-Type application/json (that needs a CORS preflight we never grant).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export type Refusal = { readonly status: 401 | 403 | 415; readonly message: string };

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export const TOKEN_COOKIE = 'ts_dashboard_token';

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}

export function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  const inUrl = url.searchParams.get('token');
  if (inUrl !== null) return inUrl;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, value] = part.trim().split('=');
    if (name === TOKEN_COOKIE && value !== undefined) return decodeURIComponent(value);
  }
  return undefined;
}

export function checkAccess(req: IncomingMessage, url: URL, token: string | undefined): Refusal | undefined {
  if (token !== undefined) {
    const given = tokenOf(req, url);
    // Hashing first makes both sides the same length, so timingSafeEqual never throws and leaks no length.
    if (given === undefined || !timingSafeEqual(digest(given), digest(token)))
      return { status: 401, message: 'token required: open the address with ?token=<DASHBOARD_TOKEN>' };
  }
  if (req.method === 'POST') {
    if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
      return { status: 415, message: 'commands are JSON (Content-Type: application/json)' };
    const origin = req.headers.origin;
    // A browser sends its page's origin with a command; an opaque one ('null', a sandboxed or file page) or another
    // site's is refused. No Origin at all: not a browser (curl, a script), which the token already governs.
    if (origin !== undefined && originHost(origin) !== req.headers.host)
      return { status: 403, message: 'commands only from the dashboard page itself' };
  }
  return undefined;
}

/** The host of an Origin header; undefined for 'null' and anything unreadable. */
function originHost(origin: string): string | undefined {
  return URL.canParse(origin) ? new URL(origin).host : undefined;
}
