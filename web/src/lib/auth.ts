// The token lives in sessionStorage only (gone when the tab closes) and is sent in the
// Authorization header, never in a URL the server sees. `npm start` prints an address
// with `#token=…`: a fragment, which browsers never send; it is read once and removed.
const KEY = 'chatlayer-analytics.token';

export function getToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setToken(token: string): void {
  sessionStorage.setItem(KEY, token.trim());
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}

/** Moves a `#token=id:secret` fragment into sessionStorage and out of the address bar. */
export function adoptFragmentToken(): void {
  const hash = new URLSearchParams(location.hash.slice(1));
  const token = hash.get('token');
  if (!token) return;
  setToken(token);
  history.replaceState(history.state, '', `${location.pathname}${location.search}`);
}
