import type { TaskEventJson } from '../../../wire/json.js';
import { auth } from './auth.js';
import { apiBase, getEvents } from './http.js';

/** How the stream is doing: live over a WebSocket, polling over HTTP, or trying to reconnect. */
export type StreamStatus = 'connecting' | 'live' | 'polling' | 'offline';

/** What the owner of a stream hears. */
export interface StreamHandlers {
  /** A batch of events in seq order, at most once per animation frame. */
  onEvents(events: TaskEventJson[]): void;
  onStatus(status: StreamStatus): void;
  /** The stream came back after a drop (the server may have restarted). */
  onReconnect?(): void;
}

const MAX_BACKOFF_MS = 5000;
/** Consecutive WebSocket failures after which the stream falls back to HTTP polling for a while. */
const WS_FAILURES_BEFORE_POLLING = 3;

/**
 * A job's live event stream: a WebSocket on `/jobs/:job/events?since=N` that reconnects by itself
 * (backoff up to 5 s) and resumes from the last seq it saw, dropping duplicates; when the socket
 * keeps failing (a proxy that does not upgrade, an auth scheme the browser cannot speak), it polls
 * the same log over HTTP. Events are delivered in batches on animation frames, so 1,000 events/s
 * cost one redraw per frame.
 */
export class EventStream {
  private socket: WebSocket | undefined;
  private queue: TaskEventJson[] = [];
  private scheduled = false;
  private closed = false;
  private failures = 0;
  private everOpen = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly jobId: string,
    private since: number,
    private readonly handlers: StreamHandlers,
  ) {}

  /** The seq of the last event received. */
  get lastSeq(): number {
    return this.since;
  }

  /** Opens the stream. */
  start(): void {
    this.connect();
  }

  /** Closes the stream for good. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.socket?.close();
    this.socket = undefined;
  }

  private connect(): void {
    if (this.closed) return;
    this.handlers.onStatus('connecting');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const token = auth().token;
    // Browsers cannot set headers on a WebSocket: the server takes the token from the upgrade's
    // query (never the page's URL, which stays shareable).
    const query = `since=${this.since}${token ? `&access_token=${encodeURIComponent(token)}` : ''}`;
    const socket = new WebSocket(
      `${scheme}://${location.host}${apiBase}/jobs/${encodeURIComponent(this.jobId)}/events?${query}`,
    );
    this.socket = socket;
    socket.onopen = () => {
      if (this.everOpen || this.failures > 0) this.handlers.onReconnect?.();
      this.everOpen = true;
      this.failures = 0;
      this.handlers.onStatus('live');
    };
    socket.onmessage = (msg) => this.receive(msg.data);
    socket.onclose = () => {
      if (this.socket !== socket || this.closed) return;
      this.socket = undefined;
      this.failures++;
      this.handlers.onStatus('offline');
      if (this.failures >= WS_FAILURES_BEFORE_POLLING) this.poll(20);
      else this.retryLater(() => this.connect());
    };
  }

  private retryLater(fn: () => void): void {
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.failures, 5));
    this.timer = setTimeout(fn, delay);
  }

  /** Polls the log over HTTP `rounds` times, then tries the socket again. */
  private poll(rounds: number): void {
    if (this.closed) return;
    if (rounds === 0) {
      this.failures = 0;
      this.connect();
      return;
    }
    getEvents(this.jobId, this.since).then(
      (events) => {
        this.handlers.onStatus('polling');
        for (const ev of events) this.enqueue(ev);
        this.timer = setTimeout(() => this.poll(rounds - 1), 1000);
      },
      () => {
        this.handlers.onStatus('offline');
        this.retryLater(() => this.poll(rounds));
      },
    );
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    const frames = Array.isArray(frame) ? frame : [frame];
    for (const f of frames) {
      if (f && typeof f === 'object' && typeof f.seq === 'number' && typeof f.taskId === 'string') {
        this.enqueue(f as TaskEventJson);
      }
    }
  }

  private enqueue(ev: TaskEventJson): void {
    if (ev.seq <= this.since) return;
    this.since = ev.seq;
    this.queue.push(ev);
    if (this.scheduled) return;
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      const batch = this.queue;
      this.queue = [];
      if (!this.closed && batch.length > 0) this.handlers.onEvents(batch);
    };
    // A hidden tab gets no animation frames; it still keeps up, just less often.
    if (document.hidden) setTimeout(flush, 250);
    else requestAnimationFrame(flush);
  }
}
