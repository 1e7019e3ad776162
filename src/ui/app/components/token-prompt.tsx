import { useEffect, useRef, useState } from 'preact/hooks';
import { auth, updateAuth } from '../api/auth.js';

/**
 * Asks for the server's token after a 401. The token is kept in sessionStorage (this tab only,
 * gone when it closes), never in the URL.
 */
export function TokenPrompt({ onSubmit }: { onSubmit(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [token, setToken] = useState('');
  const [actor, setActor] = useState(auth().actor);
  const hadToken = auth().token !== '';
  useEffect(() => {
    if (ref.current && !ref.current.open) ref.current.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      class="confirm token-prompt"
      aria-labelledby="token-title"
      onCancel={(e) => e.preventDefault()}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (!token.trim()) return;
          updateAuth({
            token: token.trim(),
            actor: actor.trim() || 'web',
            needToken: false,
            canWrite: undefined,
          });
          onSubmit();
        }}
      >
        <h2 id="token-title">Sign in to rnr</h2>
        <p>
          {hadToken ? 'The server did not accept the token. ' : 'This server needs a token. '}
          Use the operator token to act, or the viewer token to watch. It is kept for this tab only.
        </p>
        <label class="field">
          <span>Token</span>
          <input
            type="password"
            name="token"
            autoComplete="current-password"
            autoFocus
            value={token}
            onInput={(e) => setToken((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <label class="field">
          <span>Your name (recorded as the actor of your actions)</span>
          <input
            type="text"
            name="actor"
            autoComplete="username"
            value={actor}
            onInput={(e) => setActor((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <div class="actions">
          <button type="submit" class="primary">
            Sign in
          </button>
        </div>
      </form>
    </dialog>
  );
}
