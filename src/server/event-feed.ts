import type { Job, TaskEvent } from '../index.js';
import { eventToJson } from '../wire/encode.js';
import { encodeMessage } from './proto-codec.js';

/** One event with its wire frames, encoded at most once whatever the number of sockets. */
export interface EventFrames {
  readonly event: TaskEvent;
  /** The proto3 JSON text frame. */
  json(): string;
  /** The binary protobuf frame. */
  proto(): Buffer;
}

/** Receives each live event of a job, and the end of the feed (the job left the server). */
export interface EventSink {
  event(frames: EventFrames): void;
  end(): void;
}

/** The live events of one job, fanned out to many sockets through one engine subscription. */
export interface EventFeed {
  add(sink: EventSink): void;
  remove(sink: EventSink): void;
  /** Sinks currently attached. */
  readonly size: number;
  /** Detaches from the job and forgets every sink. */
  close(): void;
}

/** The frames of an event; each encoding is computed on first use and kept. */
export function eventFrames(event: TaskEvent): EventFrames {
  let json: string | undefined;
  let proto: Buffer | undefined;
  return {
    event,
    json: () => {
      json ??= JSON.stringify(eventToJson(event));
      return json;
    },
    proto: () => {
      proto ??= Buffer.from(encodeMessage('TaskEvent', event));
      return proto;
    },
  };
}

/**
 * Makes the event feed of a job. It subscribes to the job while at least one sink is attached;
 * a sink that throws is detached so it cannot hurt the others or the engine.
 */
export function createEventFeed(job: Job): EventFeed {
  const sinks = new Set<EventSink>();
  let unsubscribe: (() => void) | undefined;
  const publish = (event: TaskEvent): void => {
    const frames = eventFrames(event);
    for (const sink of sinks) {
      try {
        sink.event(frames);
      } catch {
        sinks.delete(sink);
      }
    }
  };
  return {
    add(sink) {
      sinks.add(sink);
      unsubscribe ??= job.subscribe(publish);
    },
    remove(sink) {
      sinks.delete(sink);
      if (sinks.size === 0 && unsubscribe) {
        unsubscribe();
        unsubscribe = undefined;
      }
    },
    get size() {
      return sinks.size;
    },
    close() {
      const ended = [...sinks];
      sinks.clear();
      for (const sink of ended) sink.end();
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
