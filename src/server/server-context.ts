import type { Job } from '../index.js';
import type { AuditTrail } from './audit.js';
import type { AuthOptions } from './auth.js';
import { createEventFeed, type EventFeed } from './event-feed.js';
import type { JobRegistry } from './job-registry.js';
import { createReplayPump, type ReplayPump } from './replay-pump.js';

/** Limits of the event stream. */
export interface StreamLimits {
  /** Bytes a live socket may have queued before it falls back to reading the log in pages (default 1 MiB). */
  maxSocketBuffer: number;
  /** Event sockets open at once, in all (default 256). */
  maxSockets: number;
  /** Event sockets open at once with one token (without a token: in all; default 64). */
  maxSocketsPerToken: number;
  /** Interval of the sockets' pings; a socket that has not answered one by the next is closed (default 30 s). */
  heartbeatMs: number;
}

/** The open event sockets, counted in all and per token, against the limits. */
export interface SocketSlots {
  /** Takes a slot for `key`, or returns why not (the reason of the close). */
  take(key: string): string | undefined;
  release(key: string): void;
  readonly open: number;
}

/** What the routes of one server share. */
export interface ServerContext {
  readonly jobs: JobRegistry;
  readonly auth: AuthOptions;
  readonly limits: StreamLimits;
  readonly audit: AuditTrail;
  readonly pump: ReplayPump;
  readonly sockets: SocketSlots;
  /** The event feed of a job, made on first use. */
  feedOf(job: Job): EventFeed;
  /** Closes every feed (the server is closing). */
  closeFeeds(): void;
}

function socketSlots(limits: StreamLimits): SocketSlots {
  const byKey = new Map<string, number>();
  let open = 0;
  return {
    take(key) {
      const mine = byKey.get(key) ?? 0;
      if (open >= limits.maxSockets) {
        return `RNR_ERR_TOO_MANY_SOCKETS: ${open} event sockets open on this server (maxSockets); retry later`;
      }
      if (mine >= limits.maxSocketsPerToken) {
        return `RNR_ERR_TOO_MANY_SOCKETS: ${mine} event sockets open with this token (maxSocketsPerToken)`;
      }
      byKey.set(key, mine + 1);
      open++;
      return undefined;
    },
    release(key) {
      const mine = byKey.get(key) ?? 0;
      if (mine <= 1) byKey.delete(key);
      else byKey.set(key, mine - 1);
      open = Math.max(0, open - 1);
    },
    get open() {
      return open;
    },
  };
}

/** Makes the shared state of a server; feeds of removed jobs are closed. */
export function createServerContext(
  jobs: JobRegistry,
  auth: AuthOptions,
  limits: StreamLimits,
  audit: AuditTrail,
): ServerContext {
  const feeds = new Map<string, EventFeed>();
  const pump = createReplayPump();
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
    audit,
    pump,
    sockets: socketSlots(limits),
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
      pump.clear();
      for (const feed of feeds.values()) feed.close();
      feeds.clear();
      audit.close();
    },
  };
}
