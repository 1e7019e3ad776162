import { useEffect } from 'preact/hooks';
import { updateAuth } from './api/auth.js';
import { probeWriteAccess } from './api/http.js';
import { InboxPage } from './components/inbox-page.js';
import { JobPage } from './components/job-page.js';
import { JobsPage } from './components/jobs-page.js';
import { LazyLauncher } from './components/lazy-launcher.js';
import { TokenPrompt } from './components/token-prompt.js';
import { useAuth, useJobs } from './hooks.js';
import { formatCount } from './model/format.js';
import { inboxRuns } from './model/runs.js';
import { onLinkClick, type Route, useRoute } from './router.js';

/** The web view: a header (jobs, runs, workflows, cluster, inbox with its count, access), the current page, the token prompt. */
export function App() {
  const route = useRoute();
  const access = useAuth();
  const { list } = useJobs();
  const waiting = inboxRuns(list ?? []).reduce(
    (n, j) => n + (j.counts?.ACTION_PENDING ?? 0) + (j.counts?.FAILED ?? 0),
    0,
  );
  const loaded = list !== undefined;

  useEffect(() => {
    const page = pageTitle(route);
    document.title = `${waiting > 0 ? `(${waiting}) ` : ''}${page} · rnr`;
  }, [waiting, route]);

  useEffect(() => {
    if (!loaded || access.canWrite !== undefined) return;
    // Without a token the server has no auth (it answered): everyone may act. With one, ask.
    if (access.token) void probeWriteAccess();
    else updateAuth({ canWrite: true });
  }, [loaded, access.canWrite, access.token]);

  return (
    <>
      <a class="skip-link" href="#content">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/" onClick={onLinkClick}>
          rnr
        </a>
        <nav aria-label="Main">
          <a href="/" onClick={onLinkClick} aria-current={route.page === 'jobs' ? 'page' : undefined}>
            Jobs
          </a>
          <a href="/runs" onClick={onLinkClick} aria-current={route.page === 'runs' ? 'page' : undefined}>
            Runs
          </a>
          <a
            href="/workflows"
            onClick={onLinkClick}
            aria-current={route.page === 'workflows' || route.page === 'workflow' ? 'page' : undefined}
          >
            Workflows
          </a>
          <a
            href="/cluster"
            onClick={onLinkClick}
            aria-current={route.page === 'cluster' ? 'page' : undefined}
          >
            Cluster
          </a>
          <a href="/inbox" onClick={onLinkClick} aria-current={route.page === 'inbox' ? 'page' : undefined}>
            Inbox{' '}
            <span class={`inbox-count${waiting > 0 ? ' hot' : ''}`}>
              {formatCount(waiting)}
              <span class="sr-only"> waiting</span>
            </span>
          </a>
        </nav>
        <span class="spacer" />
        <AccessBadge canWrite={access.canWrite} actor={access.actor} />
        {access.token ? (
          <button
            type="button"
            class="link-button"
            onClick={() => {
              updateAuth({ token: '', canWrite: undefined });
              location.reload();
            }}
          >
            Sign out
          </button>
        ) : null}
      </header>
      <div id="content">
        <Page route={route} />
      </div>
      {access.needToken ? <TokenPrompt onSubmit={() => location.reload()} /> : null}
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'jobs':
      return <JobsPage />;
    case 'inbox':
      return <InboxPage />;
    case 'job':
      return <JobPage key={route.jobId} jobId={route.jobId} taskId={route.taskId} tab={route.tab} />;
    case 'runs':
      return <LazyLauncher>{(m) => <m.RunsPage search={route.search} />}</LazyLauncher>;
    case 'workflows':
      return <LazyLauncher>{(m) => <m.WorkflowsPage />}</LazyLauncher>;
    case 'cluster':
      return <LazyLauncher>{(m) => <m.ClusterPage />}</LazyLauncher>;
    case 'workflow':
      return <LazyLauncher>{(m) => <m.WorkflowPage key={route.name} name={route.name} />}</LazyLauncher>;
    default:
      return (
        <main class="page">
          <h1>Not found</h1>
          <p>
            Nothing at <code>{route.path}</code>.{' '}
            <a href="/" onClick={onLinkClick}>
              All jobs
            </a>
          </p>
        </main>
      );
  }
}

/** The page's name in the document title. */
function pageTitle(route: Route): string {
  switch (route.page) {
    case 'job':
      return route.jobId;
    case 'inbox':
      return 'Inbox';
    case 'runs':
      return 'Runs';
    case 'workflows':
      return 'Workflows';
    case 'workflow':
      return route.name;
    case 'cluster':
      return 'Cluster';
    default:
      return 'Jobs';
  }
}

function AccessBadge({ canWrite, actor }: { canWrite: boolean | undefined; actor: string }) {
  if (canWrite === false) {
    return (
      <span class="access read-only" data-access="viewer" title="This token may view but not act">
        read-only (viewer token)
      </span>
    );
  }
  return (
    <button
      type="button"
      class="access link-button"
      data-access={canWrite ? 'operator' : 'unknown'}
      title="Your actions are recorded under this name (X-Rnr-Actor). Click to change it."
      onClick={() => {
        const name = prompt('Record my actions as:', actor)?.trim();
        if (name) updateAuth({ actor: name });
      }}
    >
      acting as <strong>{actor}</strong>
    </button>
  );
}
