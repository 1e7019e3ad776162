import type { StreamStatus } from '../api/event-stream.js';

const looks: Record<StreamStatus, { text: string; cls: string; title: string }> = {
  live: { text: '● live', cls: 'conn-live', title: 'Receiving events over a WebSocket' },
  polling: {
    text: '◌ polling',
    cls: 'conn-polling',
    title: 'The WebSocket failed; polling the event log every second',
  },
  connecting: { text: '◌ connecting…', cls: 'conn-connecting', title: 'Opening the event stream' },
  offline: {
    text: '✗ reconnecting…',
    cls: 'conn-offline',
    title: 'The server is unreachable; retrying with backoff',
  },
};

/** Whether the page is live, with symbol and words (not colour alone). */
export function ConnectionBadge({ status }: { status: StreamStatus }) {
  const look = looks[status];
  return (
    <span class={`conn ${look.cls}`} title={look.title} role="status" data-status={status}>
      {look.text}
    </span>
  );
}
