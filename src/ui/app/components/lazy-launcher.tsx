import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

type Launcher = typeof import('../launcher.js');

let loaded: Launcher | undefined;

/** Renders `children` with the launcher chunk once it has loaded (at once after the first time). */
export function LazyLauncher({ children }: { children(launcher: Launcher): ComponentChildren }) {
  const [launcher, setLauncher] = useState(loaded);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    if (launcher) return;
    import('../launcher.js').then(
      (m) => {
        loaded = m;
        setLauncher(m);
      },
      (err: Error) => setError(err.message),
    );
  }, []);
  if (launcher) return <>{children(launcher)}</>;
  return (
    <main class="page">
      <p class={error ? 'error' : 'note'}>
        {error ? `Could not load this page: ${error}. Reload to try again.` : 'Loading…'}
      </p>
    </main>
  );
}
