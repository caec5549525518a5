// The exportctl web console: one page, screens chosen by the URL fragment (#/check, …). Every
// screen uses the documented /v1 routes with the signed-in key. Everything shown from the
// server, lists or orders is rendered as text (Preact text nodes), never as HTML.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Api, ApiError, Me, Role, roleAllows, storedKey, storeKey } from './api';
import { CheckScreen } from './check';
import { AllocationsScreen } from './allocations';
import { BatchScreen } from './batch';
import { ScreeningScreen } from './screening';
import { AuditScreen } from './audit';
import { LicensesScreen } from './licenses';
import { SimulateScreen } from './simulate';

interface Session {
  api: Api;
  me: Me;
}

interface Screen {
  id: string;
  title: string;
  role: Role;
  view: (s: Session) => preact.JSX.Element;
}

const SCREENS: Screen[] = [
  { id: 'check', title: 'Check an order', role: 'analyst', view: (s) => <CheckScreen api={s.api} role={s.me.role} /> },
  { id: 'batch', title: 'Batch', role: 'analyst', view: (s) => <BatchScreen api={s.api} /> },
  { id: 'screening', title: 'Screening', role: 'analyst', view: (s) => <ScreeningScreen api={s.api} role={s.me.role} /> },
  { id: 'allocations', title: 'Allocations', role: 'viewer', view: (s) => <AllocationsScreen api={s.api} /> },
  { id: 'licenses', title: 'Licenses', role: 'viewer', view: (s) => <LicensesScreen api={s.api} /> },
  { id: 'simulate', title: 'Simulate', role: 'analyst', view: (s) => <SimulateScreen api={s.api} /> },
  { id: 'audit', title: 'Audit', role: 'viewer', view: (s) => <AuditScreen api={s.api} /> },
  { id: 'world', title: 'World by date', role: 'viewer', view: (s) => <World api={s.api} /> },
];

// The map's code and shapes are half the bundle: loaded when the screen is first opened.
function World({ api }: { api: Api }) {
  const [view, setView] = useState<{ Screen: (p: { api: Api }) => preact.JSX.Element } | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    import('./world').then((m) => setView({ Screen: m.WorldScreen })).catch((e) => setError(`The map could not be loaded: ${e}`));
  }, []);
  if (error) return <p role="alert" class="error">{error}</p>;
  return view ? <view.Screen api={api} /> : <p>Loading the map…</p>;
}

function screenFromHash(role: Role): Screen | undefined {
  const id = location.hash.replace(/^#\/?/, '');
  const allowed = SCREENS.filter((s) => roleAllows(role, s.role));
  return allowed.find((s) => s.id === id) ?? allowed[0];
}

function SignIn({ onSignedIn, error }: { onSignedIn: (s: Session) => void; error: string }) {
  const [key, setKey] = useState('');
  const [message, setMessage] = useState(error);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setMessage('');
    const api = new Api(key.trim());
    try {
      const me = await api.get<Me>('/v1/me');
      storeKey(key.trim());
      onSignedIn({ api, me });
    } catch (err) {
      setMessage(err instanceof ApiError ? err.describe() : 'The server cannot be reached');
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <h1>exportctl</h1>
      <p>Sign in with an API key (from <code>exportctl keys create --role analyst</code>). The key stays in this tab.</p>
      <form onSubmit={submit}>
        <label for="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autocomplete="off" spellcheck={false} required
          value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        <button type="submit" disabled={busy || !key.trim()}>Sign in</button>
      </form>
      {message && <p role="alert" class="error">{message}</p>}
    </main>
  );
}

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(storedKey() !== null);
  const [signInError, setSignInError] = useState('');
  const [, setHash] = useState(location.hash);

  useEffect(() => {
    const onHash = () => setHash(location.hash);
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    const key = storedKey();
    if (!key) return;
    const api = new Api(key);
    api.get<Me>('/v1/me')
      .then((me) => setSession({ api, me }))
      .catch(() => {
        storeKey(null);
        setSignInError('The stored key was refused; sign in again');
      })
      .finally(() => setRestoring(false));
  }, []);

  if (restoring) return <main id="main"><p>Signing in…</p></main>;
  if (!session) return <SignIn onSignedIn={setSession} error={signInError} />;
  const screen = screenFromHash(session.me.role);
  const signOut = () => {
    storeKey(null);
    setSession(null);
  };
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">exportctl</span>
        <nav aria-label="Screens">
          <ul>
            {SCREENS.filter((s) => roleAllows(session.me.role, s.role)).map((s) => (
              <li key={s.id}>
                <a href={'#/' + s.id} aria-current={s === screen ? 'page' : undefined}>{s.title}</a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          Key <code>{session.me.key_id}</code> · <span data-testid="role">{session.me.role}</span>
          {session.me.label ? ` · ${session.me.label}` : ''}
        </span>
        <button type="button" class="secondary" onClick={signOut}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>
        {screen ? screen.view(session) : <p>This key's role ({session.me.role}) has no screens.</p>}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
