import { useState } from 'preact/hooks';

/** Asks for a token (`id:secret`); the app checks it with GET /v1/token. */
export function SignIn({ error, onSubmit }: { error: string | null; onSubmit: (token: string) => void }) {
  const [token, setToken] = useState('');
  return (
    <main class="sign-in" id="main">
      <h1>Chatlayer Analytics</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) onSubmit(token.trim());
        }}
      >
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          placeholder="tok_…:secret"
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          aria-describedby="token-help"
          aria-invalid={error ? 'true' : undefined}
        />
        <p id="token-help" class="muted">
          A token of your team with the <code>read</code> scope, written <code>id:secret</code>. Create one with{' '}
          <code>npx chatlayer-analytics token create --team TEAM --scopes read</code>. It is kept in this tab only.
        </p>
        {error ? (
          <p class="state state-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}
