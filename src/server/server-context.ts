import type { RunHost, RunStream } from '../runs/index.js';
import type { AuditTrail } from './audit.js';
import type { AuthOptions } from './auth.js';
import { createEventFeed, type EventFeed } from './event-feed.js';
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
  /** The runs this server serves (a process's run host, or a host over the jobs it was given). */
  readonly runs: RunHost;
  readonly auth: AuthOptions;
  readonly limits: StreamLimits;
  readonly audit: AuditTrail;
  readonly pump: ReplayPump;
  readonly sockets: SocketSlots;
  /** The event feed of a run, made on first use. */
  feedOf(stream: RunStream): EventFeed;
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

/**
 * Makes the shared state of a server. The feed of a plain job the server stops serving is closed
 * (its sockets are told the job left); a run's feed outlives its stay in memory (a run that ends is
 * unloaded, and may be loaded again when an operator acts on it).
 */
export function createServerContext(
  runs: RunHost,
  auth: AuthOptions,
  limits: StreamLimits,
  audit: AuditTrail,
  closeFeedsOfUnloaded: boolean,
): ServerContext {
  const feeds = new Map<string, EventFeed>();
  const pump = createReplayPump();
  const unwatch = runs.watchLive({
    added: () => {},
    removed: (job) => {
      if (!closeFeedsOfUnloaded) return;
      feeds.get(job.id)?.close();
      feeds.delete(job.id);
    },
  });
  return {
    runs,
    auth,
    limits,
    audit,
    pump,
    sockets: socketSlots(limits),
    feedOf(stream) {
      let feed = feeds.get(stream.id);
      if (!feed) {
        feed = createEventFeed(stream);
        feeds.set(stream.id, feed);
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
