import { useEffect, useState } from 'preact/hooks';

// The address is the dashboard's state: page = path, controls = query string. Pages
// change it with navigate(); the back button replays it (popstate).
type Listener = () => void;
const listeners = new Set<Listener>();

function notify(): void {
  for (const l of listeners) l();
}
window.addEventListener('popstate', notify);

export interface Location {
  path: string;
  params: URLSearchParams;
}

function current(): Location {
  return { path: location.pathname, params: new URLSearchParams(location.search) };
}

/** Goes to `path` with these query parameters (undefined/empty ones dropped). */
export function navigate(path: string, params: Record<string, string | undefined>, replace = false): void {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') qs.set(k, v);
  const text = qs.toString();
  const url = `${path}${text ? `?${text}` : ''}`;
  if (url === `${location.pathname}${location.search}`) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  notify();
}

/** Changes some query parameters of the current page (a control), keeping the others. */
export function setParams(changes: Record<string, string | undefined>, replace = false): void {
  const params = Object.fromEntries(new URLSearchParams(location.search));
  navigate(location.pathname, { ...params, ...changes }, replace);
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const l = () => setLoc(current());
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
  return loc;
}
