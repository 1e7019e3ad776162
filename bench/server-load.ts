/** A small bounded HTTP load generator for bench/server.ts (keep-alive, no dependencies). */
import { Agent, request as httpRequest } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** One request; resolves with the status and the body's size once the body is read. */
export function request(
  url: string,
  options: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        agent,
        method: options.method ?? 'GET',
        headers: { ...(options.body && { 'content-type': 'application/json' }), ...options.headers },
      },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Sends `rate` requests a second for `seconds`, on schedule whatever the answers' speed. */
export async function openLoop(
  rate: number,
  seconds: number,
  send: (i: number) => Promise<{ status: number }>,
): Promise<{ sent: number; failed: number }> {
  const total = rate * seconds;
  const start = performance.now();
  const pending: Array<Promise<void>> = [];
  let failed = 0;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      send(i).then(
        (res) => {
          if (res.status >= 300) failed++;
        },
        () => {
          failed++;
        },
      ),
    );
  }
  await Promise.all(pending);
  return { sent: total, failed };
}

/** Keeps `concurrency` requests in flight for `seconds`; returns the completed requests per second. */
export async function closedLoop(
  concurrency: number,
  seconds: number,
  send: (i: number) => Promise<{ status: number }>,
): Promise<{ perSecond: number }> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (performance.now() < end) {
      await send(next++);
      done++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { perSecond: done / ((performance.now() - t0) / 1000) };
}
