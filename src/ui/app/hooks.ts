import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { JobSummaryJson } from '../../wire/json.js';
import { auth, onAuthChange } from './api/auth.js';
import { listJobs } from './api/http.js';
import { acquireSession, type JobSession, releaseSession } from './model/job-session.js';

/** How often the job list is refreshed. */
const JOBS_POLL_MS = 2000;

/** The shared job list: one poller however many views read it. */
const jobs = {
  list: undefined as JobSummaryJson[] | undefined,
  error: undefined as string | undefined,
  listeners: new Set<() => void>(),
  timer: undefined as ReturnType<typeof setTimeout> | undefined,
};

/** Fetches the job list now (after an action, say) and tells every reader. */
export async function refreshJobs(): Promise<void> {
  clearTimeout(jobs.timer);
  try {
    jobs.list = await listJobs();
    jobs.error = undefined;
  } catch (err) {
    jobs.error = (err as Error).message;
  }
  for (const listener of jobs.listeners) listener();
  // Two refreshes may overlap (an action's and the poll's): keep one timer, not one each.
  clearTimeout(jobs.timer);
  if (jobs.listeners.size > 0) jobs.timer = setTimeout(() => void refreshJobs(), JOBS_POLL_MS);
}

/** The job summaries, polled every 2 s while some view shows them. */
export function useJobs(): { list: JobSummaryJson[] | undefined; error: string | undefined } {
  const bump = useRedraw();
  useEffect(() => {
    jobs.listeners.add(bump);
    if (jobs.listeners.size === 1) void refreshJobs();
    return () => {
      jobs.listeners.delete(bump);
      if (jobs.listeners.size === 0) clearTimeout(jobs.timer);
    };
  }, []);
  return { list: jobs.list, error: jobs.error };
}

/** The live session of a job (callers are keyed by job id), re-rendering on every batch of changes. */
export function useSession(jobId: string): JobSession {
  const [session] = useState(() => acquireSession(jobId));
  const bump = useRedraw();
  useEffect(() => {
    const unsubscribe = session.subscribe(bump);
    return () => {
      unsubscribe();
      releaseSession(session);
    };
  }, [session]);
  return session;
}

/** Live sessions of several jobs (the inbox), acquired and released as the list changes. */
export function useSessions(jobIds: readonly string[]): JobSession[] {
  const [held] = useState(() => new Map<string, { session: JobSession; off: () => void }>());
  const bump = useRedraw();
  const key = jobIds.join('\n');
  useEffect(() => {
    const wanted = new Set(jobIds);
    for (const [id, h] of held) {
      if (wanted.has(id)) continue;
      h.off();
      releaseSession(h.session);
      held.delete(id);
    }
    for (const id of wanted) {
      if (held.has(id)) continue;
      const session = acquireSession(id);
      held.set(id, { session, off: session.subscribe(bump) });
    }
    bump();
  }, [key]);
  useEffect(
    () => () => {
      for (const h of held.values()) {
        h.off();
        releaseSession(h.session);
      }
      held.clear();
    },
    [],
  );
  return [...held.values()].map((h) => h.session);
}

/** The current time, refreshed every `ms` (for elapsed times). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** The access state, re-rendering on change. */
export function useAuth() {
  const bump = useRedraw();
  useEffect(() => onAuthChange(bump), []);
  return auth();
}

/** A function that re-renders the calling component. */
function useRedraw(): () => void {
  const [, setCount] = useState(0);
  return useCallback(() => setCount((n) => n + 1), []);
}

/** `value`, but refreshed at most every `ms` while `enabled` (so filters don't recompute per frame). */
export function useThrottled(value: number, ms: number, enabled: boolean): number {
  const [stamp, setStamp] = useState(value);
  const latest = useRef(value);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  latest.current = value;
  useEffect(() => {
    if (!enabled || timer.current !== undefined || stamp === value) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      setStamp(latest.current);
    }, ms);
  }, [value, enabled]);
  useEffect(() => () => clearTimeout(timer.current), []);
  return stamp;
}

/** What {@link usePoll} holds: the last answer, the last error, and a way to ask again now. */
export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  refresh(): void;
}

/**
 * Calls `load` now and every `ms` after each answer while the component shows, starting over
 * (and forgetting the old answer) when `key` changes; `ms` 0 loads once per key.
 */
export function usePoll<T>(load: () => Promise<T>, key: string, ms: number): Polled<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: string }>({ key });
  const [ask, setAsk] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const once = async () => {
      try {
        const data = await loadRef.current();
        if (live) setState({ key, data });
      } catch (err) {
        if (live)
          setState((s) => ({ key, data: s.key === key ? s.data : undefined, error: (err as Error).message }));
      }
      if (live && ms > 0) timer = setTimeout(() => void once(), ms);
    };
    void once();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, ms, ask]);
  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    refresh: useCallback(() => setAsk((n) => n + 1), []),
  };
}
