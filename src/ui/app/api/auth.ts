/**
 * Who the browser is to the server: the bearer token (kept in sessionStorage, never in the URL),
 * the operator name sent as `X-Rnr-Actor`, and whether the token may act or only read.
 */

const TOKEN_KEY = 'rnr.token';
const ACTOR_KEY = 'rnr.actor';

/** What the view knows about its access. */
export interface AuthState {
  token: string;
  actor: string;
  /** The server answered 401: the view asks for a token. */
  needToken: boolean;
  /** undefined until known; false for a viewer token (writes answer 403). */
  canWrite: boolean | undefined;
}

const listeners = new Set<() => void>();

let state: AuthState = {
  token: read(sessionStorage, TOKEN_KEY),
  actor: read(localStorage, ACTOR_KEY) || 'web',
  needToken: false,
  canWrite: undefined,
};

function read(storage: Storage, key: string): string {
  try {
    return storage.getItem(key) ?? '';
  } catch {
    return '';
  }
}

/** The current access state. */
export function auth(): AuthState {
  return state;
}

/** Merges `patch` into the access state and tells the subscribers. */
export function updateAuth(patch: Partial<AuthState>): void {
  state = { ...state, ...patch };
  if (patch.token !== undefined) {
    try {
      if (patch.token) sessionStorage.setItem(TOKEN_KEY, patch.token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // Storage may be disabled; the token then lives for this page only.
    }
  }
  if (patch.actor !== undefined) {
    try {
      localStorage.setItem(ACTOR_KEY, patch.actor);
    } catch {
      // As above.
    }
  }
  for (const listener of listeners) listener();
}

/** Calls `listener` on every change; returns the unsubscribe function. */
export function onAuthChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The headers every API call carries. */
export function authHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  if (state.actor) headers['x-rnr-actor'] = state.actor;
  return headers;
}
