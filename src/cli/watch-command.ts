import WebSocket from 'ws';
import { RnrError } from '../errors.js';
import type { TaskEventJson } from '../wire/json.js';
import { isDoneName } from '../wire/names.js';
import { type EventDisplay, jsonPrinter, plainPrinter } from './event-printers.js';
import { ExitCode } from './exit-codes.js';
import { printable } from './format.js';
import type { ApiClient } from './http-client.js';
import { JobModel } from './job-model.js';
import { liveView } from './live-view.js';
import { onStopSignal, signalExitCodes } from './signals.js';
import { withJobId } from './task-ids.js';

/** Options of `rnr watch`. */
export interface WatchOptions {
  json: boolean;
  /** Keep watching after the root is DONE (it may reopen after a retry). */
  follow: boolean;
}

/**
 * `rnr watch <job>`: the live view of a remote job over the WebSocket event stream. On a dropped
 * connection it reconnects with `since=<last seq>`, so no event is lost or shown twice. Resolves
 * with 0/1 when the root ends SUCCESS/FAILED (unless `follow`), 130/143 on a signal.
 */
export async function watchCommand(api: ApiClient, jobId: string, options: WatchOptions): Promise<number> {
  const model = new JobModel(await withJobId(api, jobId, () => api.getJob(jobId)));
  const sink: EventDisplay = options.json
    ? jsonPrinter()
    : process.stdout.isTTY
      ? liveView(model, { server: api.server })
      : plainPrinter(process.stdout, api.server);
  const outcome = () => (model.state === 'SUCCESS' ? ExitCode.SUCCESS : ExitCode.FAILED);
  const job = printable(jobId);
  if (model.done && !options.follow) {
    sink.info(`rnr: job ${job} has ended ${printable(model.state)} (seq ${model.seq})`);
    sink.close();
    return outcome();
  }
  sink.info(`rnr: watching job ${job} on ${api.server} from seq ${model.seq}`);

  return new Promise<number>((settle, fail) => {
    let socket: WebSocket | undefined;
    let stopped = false;
    let retryMs = 200;
    let lost = false;
    const stop = (code: number, err?: unknown) => {
      if (stopped) return;
      stopped = true;
      offSignals();
      socket?.removeAllListeners();
      socket?.on('error', () => {});
      socket?.terminate();
      sink.close();
      if (err) fail(err);
      else settle(code);
    };
    const onEvent = (event: TaskEventJson) => {
      if (typeof event?.seq !== 'number' || !model.apply(event)) return;
      sink.event(event);
      if (model.isPlaceholder(event.taskId)) {
        void api.getTask(jobId, event.taskId).then(
          (task) => model.add({ ...task, children: [] }),
          () => {},
        );
      }
      if (event.taskId === model.rootId && isDoneName(event.to) && !options.follow) {
        sink.info(`rnr: job ${job} ended ${printable(model.state)}`);
        stop(outcome());
      }
    };
    const connect = () => {
      if (stopped) return;
      const ws = new WebSocket(api.eventStreamUrl(jobId, model.seq), { headers: api.headers() });
      socket = ws;
      ws.on('open', () => {
        if (lost) sink.info(`rnr: reconnected to ${api.server}; resuming from seq ${model.seq}`);
        lost = false;
        retryMs = 200;
      });
      ws.on('message', (data) => {
        try {
          onEvent(JSON.parse(String(data)) as TaskEventJson);
        } catch {
          // Not an event frame (e.g. a command answer): nothing to show.
        }
      });
      ws.on('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        if (status === 401 || status === 403 || status === 404) {
          const what =
            status === 404
              ? `job ${jobId} is gone from ${api.server}`
              : `the server refused the event stream (HTTP ${status}); pass --token or set RNR_TOKEN`;
          stop(
            ExitCode.FAILED,
            new RnrError(status === 404 ? 'RNR_ERR_JOB_NOT_FOUND' : 'RNR_ERR_UNAUTHORIZED', what),
          );
        } else {
          ws.terminate();
        }
      });
      ws.on('error', () => {});
      ws.on('close', () => {
        if (stopped) return;
        if (!lost) sink.info(`rnr: event stream closed; reconnecting from seq ${model.seq} (Ctrl-C to stop)`);
        lost = true;
        setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, 5000);
      });
    };
    const offSignals = onStopSignal((signal) => stop(signalExitCodes[signal]));
    connect();
  });
}
