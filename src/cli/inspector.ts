import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { InspectionEvent } from 'xstate';
import { RnrError } from '../errors.js';

/** Where `rnr run --inspect` relays inspection events to, and the observer to give the job. */
export interface RunInspector {
  /** The relay's page: open it in a browser to see Stately's inspector. */
  url: string;
  /** The WebSocket the relay speaks on (the inspector client and browsers connect to it). */
  wsUrl: string;
  /** `JobOptions.inspect`: hands the inspection events worth showing to the WebSocket inspector. */
  inspect: (event: InspectionEvent) => void;
  close(): Promise<void>;
}

/**
 * The inspection events sent to the inspector: actors (with their chart), the events they receive
 * and their snapshots. Microsteps and action runs are per-transition noise the inspector draws
 * nothing from. Checked before `@statelyai/inspect` sees the event: its own `filter` option runs
 * after it has serialized the snapshot, so it saves the socket but not the work.
 */
export function isInspected(event: InspectionEvent): boolean {
  return (
    event.type === '@xstate.snapshot' || event.type === '@xstate.event' || event.type === '@xstate.actor'
  );
}

/** How many recent messages a browser that connects late is sent first (as the Stately relay does). */
const replayed = 200;

/**
 * Starts `rnr run --inspect`: a relay on 127.0.0.1:`port` (0: any free port) and
 * `@statelyai/inspect`'s WebSocket inspector connected to it. The relay serves a page that frames
 * Stately's inspector and forwards every message one WebSocket client sends to the others.
 *
 * It stands in for `@statelyai/inspect/server`'s `createInspectorServer`, which listens on every
 * interface (inspection events carry machine contexts: they stay on loopback here, reach them
 * through an SSH tunnel), cannot pick a free port, and crashes the process on a port in use.
 *
 * @example
 * const inspector = await startInspector(7301);
 * const job = createJob({ name: 'upgrade', root, inspect: inspector.inspect });
 */
export async function startInspector(port: number): Promise<RunInspector> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(bridgePage);
  });
  // Listen first: a WebSocketServer re-emits its server's listen errors, unhandled.
  const bound = await listen(server, port);
  const sockets = new WebSocketServer({ server });
  const recent: string[] = [];
  sockets.on('connection', (ws) => {
    for (const message of recent) ws.send(message);
    ws.on('message', (data) => {
      const message = data.toString();
      recent.push(message);
      if (recent.length > replayed) recent.shift();
      for (const other of sockets.clients)
        if (other !== ws && other.readyState === WebSocket.OPEN) other.send(message);
    });
  });
  const url = `http://127.0.0.1:${bound}`;
  const wsUrl = `ws://127.0.0.1:${bound}`;

  const { createWebSocketInspector } = await import('@statelyai/inspect');
  const inspector = createWebSocketInspector({ url: wsUrl });
  return {
    url,
    wsUrl,
    inspect: (event) => {
      if (isInspected(event)) inspector.inspect.next?.(event);
    },
    close: async () => {
      inspector.stop();
      for (const ws of sockets.clients) ws.terminate();
      await new Promise<void>((done) => sockets.close(() => done()));
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((done, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        fail(
          new RnrError(
            'RNR_ERR_PORT_IN_USE',
            `inspector port ${port} on 127.0.0.1 is already in use: choose another with --inspect-port <n>, or 0 for any free port`,
            { cause: err },
          ),
        );
      else fail(err);
    });
    server.listen(port, '127.0.0.1', () => done((server.address() as AddressInfo).port));
  });
}

/**
 * The page a browser opens: Stately's inspector in a frame, fed the relay's messages once it says
 * it is ready (the protocol of `@statelyai/inspect/server`'s bridge page).
 */
const bridgePage = `<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>rnr · Stately inspector</title>
  <style>* { margin: 0; padding: 0; } html, body { height: 100%; } iframe { width: 100%; height: 100%; border: none; }</style>
</head>
<body>
  <iframe id="inspector" title="Stately inspector" src="https://stately.ai/inspect"></iframe>
  <script>
    const frame = document.getElementById('inspector');
    const waiting = [];
    let ready = false;
    window.addEventListener('message', (e) => {
      if (e.data && e.data.type === '@statelyai.connected') {
        ready = true;
        for (const event of waiting.splice(0)) frame.contentWindow.postMessage(event, '*');
      }
    });
    const ws = new WebSocket('ws://' + location.host);
    ws.onmessage = (e) => {
      const event = JSON.parse(e.data);
      if (ready) frame.contentWindow.postMessage(event, '*');
      else waiting.push(event);
    };
  </script>
</body>
</html>
`;
