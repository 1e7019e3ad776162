import type { TaskEvent } from '../index.js';
import type { RunStream } from '../runs/index.js';
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

/** One socket's end of a job's event feed: each live event, then the end (the job left the server). */
export interface FeedSubscriber {
  event(frames: EventFrames): void;
  end(): void;
}

/** The live events of one job, fanned out to many sockets through one engine subscription. */
export interface EventFeed {
  add(subscriber: FeedSubscriber): void;
  remove(subscriber: FeedSubscriber): void;
  /** Subscribers currently attached. */
  readonly size: number;
  /** Detaches from the job and forgets every subscriber. */
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
 * Makes the event feed of a run. It subscribes to the run's stream while at least one subscriber is attached;
 * a subscriber that throws is detached so it cannot hurt the others or the engine.
 */
export function createEventFeed(job: Pick<RunStream, 'subscribe'>): EventFeed {
  const subscribers = new Set<FeedSubscriber>();
  let unsubscribe: (() => void) | undefined;
  const publish = (event: TaskEvent): void => {
    const frames = eventFrames(event);
    for (const subscriber of subscribers) {
      try {
        subscriber.event(frames);
      } catch {
        subscribers.delete(subscriber);
      }
    }
  };
  return {
    add(subscriber) {
      subscribers.add(subscriber);
      unsubscribe ??= job.subscribe(publish);
    },
    remove(subscriber) {
      subscribers.delete(subscriber);
      if (subscribers.size === 0 && unsubscribe) {
        unsubscribe();
        unsubscribe = undefined;
      }
    },
    get size() {
      return subscribers.size;
    },
    close() {
      const ended = [...subscribers];
      subscribers.clear();
      for (const subscriber of ended) subscriber.end();
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
