import type { Job } from '../index.js';
import type { AuthOptions } from './auth.js';
import { createEventFeed, type EventFeed } from './event-feed.js';
import type { JobRegistry } from './job-registry.js';

/** Limits of the event stream. */
export interface StreamLimits {
  /** Bytes a socket may have queued before it is closed as too slow (default 4 MiB). */
  maxSocketBuffer: number;
  /** Live events a socket may hold while it is still replaying its backlog (default 50,000). */
  maxPendingEvents: number;
}

/** What the routes of one server share. */
export interface ServerContext {
  readonly jobs: JobRegistry;
  readonly auth: AuthOptions;
  readonly limits: StreamLimits;
  /** The event feed of a job, made on first use. */
  feedOf(job: Job): EventFeed;
  /** Closes every feed (the server is closing). */
  closeFeeds(): void;
}

/** Makes the shared state of a server; feeds of removed jobs are closed. */
export function createServerContext(
  jobs: JobRegistry,
  auth: AuthOptions,
  limits: StreamLimits,
): ServerContext {
  const feeds = new Map<string, EventFeed>();
  const unwatch = jobs.watch({
    added: () => {},
    removed: (job) => {
      feeds.get(job.id)?.close();
      feeds.delete(job.id);
    },
  });
  return {
    jobs,
    auth,
    limits,
    feedOf(job) {
      let feed = feeds.get(job.id);
      if (!feed) {
        feed = createEventFeed(job);
        feeds.set(job.id, feed);
      }
      return feed;
    },
    closeFeeds() {
      unwatch();
      for (const feed of feeds.values()) feed.close();
      feeds.clear();
    },
  };
}
