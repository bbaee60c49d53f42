import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Controls } from './controls.ts';
import type { TokenInfo } from './types.ts';

/** Who is signed in (GET /v1/token) and the team's bots (GET /v1/teams/{team}/bots). */
export interface Session {
  token: TokenInfo;
  /** The team's bots; null when the token may not list them (no `read` scope). */
  bots: string[] | null;
  botsError: unknown;
  signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}

/** Everything a page needs: the session and the global controls, with the bot resolved. */
export interface PageProps {
  controls: Controls & { bot: string };
  session: Session;
  /** Page-specific address parameters (after, path, tab…). */
  params: URLSearchParams;
}
