import { useEffect, useState } from 'preact/hooks';

/** A page of the view, from the location's path. */
export type Route =
  | { page: 'jobs' }
  | { page: 'inbox' }
  | { page: 'job'; jobId: string; taskId?: string; tab?: string }
  | { page: 'runs'; search: string }
  | { page: 'workflows' }
  | { page: 'workflow'; name: string }
  | { page: 'cluster' }
  | { page: 'missing'; path: string };

/**
 * Parses `/`, `/inbox`, `/jobs/:job` (and `?task=…&tab=…`), `/runs` (with its filters),
 * `/workflows`, `/workflows/:workflow` and `/cluster` into a route.
 */
export function parseRoute(path: string, search: string): Route {
  if (path === '/' || path === '' || path === '/jobs' || path === '/index.html') return { page: 'jobs' };
  if (path === '/inbox') return { page: 'inbox' };
  if (path === '/runs' || path === '/runs/') return { page: 'runs', search };
  if (path === '/workflows' || path === '/workflows/') return { page: 'workflows' };
  if (path === '/cluster' || path === '/cluster/') return { page: 'cluster' };
  const w = /^\/workflows\/([^/]+)\/?$/.exec(path);
  if (w) return { page: 'workflow', name: decode(w[1]!) };
  const m = /^\/jobs\/([^/]+)\/?$/.exec(path);
  if (m) {
    const q = new URLSearchParams(search);
    return {
      page: 'job',
      jobId: decode(m[1]!),
      taskId: q.get('task') ?? undefined,
      tab: q.get('tab') ?? undefined,
    };
  }
  return { page: 'missing', path };
}

/** A path segment decoded; a malformed one (`%ZZ`) as it is, so it shows as not found. */
function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The path of a job's page, optionally with a task selected. */
export function jobHref(jobId: string, taskId?: string, tab?: string): string {
  const q = new URLSearchParams();
  if (taskId) q.set('task', taskId);
  if (tab) q.set('tab', tab);
  const qs = q.toString();
  return `/jobs/${encodeURIComponent(jobId)}${qs ? `?${qs}` : ''}`;
}

/** Goes to `href` without reloading the page; `replace` keeps history short for selection changes. */
export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  dispatchEvent(new PopStateEvent('popstate'));
}

/** The current route, updated on navigation. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname, location.search));
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(location.pathname, location.search));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  return route;
}

/** Click handler for in-app links: plain clicks navigate in place, modified clicks open as usual. */
export function onLinkClick(e: MouseEvent): void {
  const a = (e.currentTarget as HTMLAnchorElement | null) ?? undefined;
  if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(a.getAttribute('href') ?? '/');
}
