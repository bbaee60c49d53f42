import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ControlsBar } from './components/controls-bar.tsx';
import { Empty, ErrorState, Loading } from './components/states.tsx';
import { ApiFailure, api } from './lib/api.ts';
import { adoptFragmentToken, clearToken, getToken, setToken } from './lib/auth.ts';
import { controlParams, parseControls } from './lib/controls.ts';
import { navigate, setParams, useLocation } from './lib/location.ts';
import { type PageProps, type Session, SessionContext } from './lib/session.ts';
import type { TokenInfo } from './lib/types.ts';
import { SignIn } from './pages/sign-in.tsx';

type PageModule = { default: ComponentType<PageProps> };

// Each page is its own chunk: the overview does not ship the Sankey or the funnel builder.
const PAGES: { path: string; label: string; load: () => Promise<PageModule> }[] = [
  { path: '/overview', label: 'Overview', load: () => import('./pages/overview.tsx') },
  { path: '/intents', label: 'Intents', load: () => import('./pages/intents.tsx') },
  { path: '/flows', label: 'Flows', load: () => import('./pages/flows.tsx') },
  { path: '/events', label: 'Events', load: () => import('./pages/events.tsx') },
  { path: '/usage', label: 'Team usage', load: () => import('./pages/usage.tsx') },
  { path: '/webhooks', label: 'Webhooks', load: () => import('./pages/webhooks.tsx') },
];

function pageOf(path: string) {
  return PAGES.find((p) => p.path === path) ?? PAGES[0];
}

// Start fetching the first page's chunk now, beside the sign-in requests, not after them.
void pageOf(location.pathname)?.load();

function usePage(path: string): ComponentType<PageProps> | null {
  const [loaded, setLoaded] = useState<{ path: string; page: ComponentType<PageProps> } | null>(null);
  const entry = pageOf(path);
  useEffect(() => {
    let live = true;
    entry?.load().then((m) => live && setLoaded({ path: entry.path, page: m.default }));
    return () => {
      live = false;
    };
  }, [entry]);
  return loaded && loaded.path === entry?.path ? loaded.page : null;
}

type SessionState =
  | { state: 'signed-out'; error: string | null }
  | { state: 'checking' }
  | { state: 'signed-in'; session: Session }
  | { state: 'unreachable'; error: unknown };

function useSessionState(): [SessionState, (token: string) => void] {
  const [state, setState] = useState<SessionState>(() => {
    adoptFragmentToken();
    return getToken() ? { state: 'checking' } : { state: 'signed-out', error: null };
  });
  const signOut = () => {
    clearToken();
    setState({ state: 'signed-out', error: null });
  };
  const check = async () => {
    try {
      const token = await api.get<TokenInfo>('/v1/token');
      let bots: string[] | null = null;
      let botsError: unknown = null;
      try {
        const r = await api.get<{ bots: { bot_id: string }[] }>(`/v1/teams/${encodeURIComponent(token.team_id)}/bots`);
        bots = r.bots.map((b) => b.bot_id);
      } catch (e) {
        botsError = e;
      }
      setState({ state: 'signed-in', session: { token, bots, botsError, signOut } });
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 401) {
        clearToken();
        setState({ state: 'signed-out', error: `That token was refused: ${e.message}.` });
      } else setState({ state: 'unreachable', error: e });
    }
  };
  useEffect(() => {
    if (state.state === 'checking') void check();
  }, []);
  const signIn = (token: string) => {
    setToken(token);
    setState({ state: 'checking' });
    void check();
  };
  return [state, signIn];
}

function Shell({ session }: { session: Session }) {
  const loc = useLocation();
  const controls = parseControls(loc.params);
  const entry = pageOf(loc.path);
  const Page = usePage(loc.path);
  const bots = session.bots;
  // No bot chosen (or `/`): the team's first bot, without a history entry.
  useEffect(() => {
    if (!controls.bot && bots && bots.length > 0) setParams({ bot: bots[0] }, true);
  }, [controls.bot, bots]);
  const keep = controlParams(controls);
  let body = null;
  if (!bots) body = <ErrorState error={session.botsError} />;
  else if (bots.length === 0)
    body = (
      <Empty title="This team has no bots yet">
        Send a bot's first events (POST /v1/ingest) or claim one with <code>npx chatlayer-analytics bot create</code>.
        It then appears here.
      </Empty>
    );
  else if (!controls.bot || !Page) body = <Loading what="the page" />;
  else body = <Page controls={{ ...controls, bot: controls.bot }} session={session} params={loc.params} />;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <strong class="brand">Chatlayer Analytics</strong>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <a
              key={p.path}
              href={p.path}
              aria-current={p.path === entry?.path ? 'page' : undefined}
              onClick={(e) => {
                if (e.ctrlKey || e.metaKey || e.shiftKey) return;
                e.preventDefault();
                navigate(p.path, keep);
              }}
            >
              {p.label}
            </a>
          ))}
        </nav>
        <span class="who">
          team <strong data-team>{session.token.team_id}</strong>
          <button type="button" onClick={session.signOut}>
            Sign out
          </button>
        </span>
      </header>
      <ControlsBar controls={controls} bots={bots} />
      <main id="main" data-page={entry?.path.slice(1)}>
        <h1 class="page-title">{entry?.label}</h1>
        {body}
      </main>
    </>
  );
}

export function App() {
  const [state, signIn] = useSessionState();
  if (state.state === 'signed-out') return <SignIn error={state.error} onSubmit={signIn} />;
  if (state.state === 'checking')
    return (
      <main id="main">
        <Loading what="your team" />
      </main>
    );
  if (state.state === 'unreachable')
    return (
      <main id="main">
        <ErrorState error={state.error} onRetry={() => location.reload()} />
      </main>
    );
  return (
    <SessionContext.Provider value={state.session}>
      <Shell session={state.session} />
    </SessionContext.Provider>
  );
}
