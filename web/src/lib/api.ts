import { clearToken, getToken } from './auth.ts';

/** The error envelope of every failed request (CONTRACT §3), with the HTTP status. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | undefined | readonly string[]>;

export function queryString(query: Query): string {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '') continue;
    if (Array.isArray(value)) for (const v of value) qs.append(key, String(v));
    else qs.set(key, String(value));
  }
  const text = qs.toString();
  return text ? `?${text}` : '';
}

async function failure(res: Response): Promise<ApiFailure> {
  let code = 2;
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { code?: number; message?: string };
    if (typeof body.code === 'number') code = body.code;
    if (typeof body.message === 'string') message = body.message;
  } catch {
    // Not the envelope (a proxy's page): keep the status line.
  }
  // A token revoked while signed in: forget it so the sign-in page shows again.
  if (res.status === 401) clearToken();
  return new ApiFailure(res.status, code, message);
}

async function send(method: string, path: string, query: Query, body: unknown, accept: string, signal?: AbortSignal) {
  const token = getToken();
  const headers: Record<string, string> = { accept };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${path}${queryString(query)}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (!res.ok) throw await failure(res);
  return res;
}

/** The dashboard's only way to the server: the public API, with the signed-in token. */
export const api = {
  async get<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
    return (await (await send('GET', path, query, undefined, 'application/json', signal)).json()) as T;
  },
  async post<T>(path: string, body: unknown, query: Query = {}, signal?: AbortSignal): Promise<T> {
    return (await (await send('POST', path, query, body, 'application/json', signal)).json()) as T;
  },
  async del(path: string): Promise<void> {
    await send('DELETE', path, {}, undefined, 'application/json');
  },
  /** The same operation answered as CSV (`Accept: text/csv`). */
  async csv(method: 'GET' | 'POST', path: string, query: Query = {}, body?: unknown): Promise<string> {
    return (await send(method, path, query, body, 'text/csv')).text();
  },
};

/** What to tell the user for a failed request, by status (empty-, error-state copy). */
export function adviceFor(err: unknown): { title: string; advice: string } {
  if (err instanceof ApiFailure) {
    if (err.status === 401) return { title: 'Not signed in', advice: 'Sign in again with a valid token.' };
    if (err.status === 403)
      return {
        title: 'This token may not read analytics',
        advice: 'Ask an admin for a token with the "read" scope (token create --scopes read).',
      };
    if (err.status === 404)
      return { title: 'Not found', advice: `${err.message}. Pick one of your team's bots in the bot menu.` };
    if (err.status === 400) return { title: 'The request was refused', advice: err.message };
    if (err.status === 429) return { title: 'Too many requests', advice: 'Wait a few seconds, then retry.' };
    return { title: `The server answered ${err.status}`, advice: err.message };
  }
  return { title: 'The server could not be reached', advice: 'Check that it is running, then retry.' };
}
