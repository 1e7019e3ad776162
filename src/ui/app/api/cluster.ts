/** The cluster half of the API: the processes serving the store (`GET /cluster`). */

import type { ClusterProcessJson } from '../../../wire/json.js';
import { apiDated } from './http.js';

/** The processes serving this store, and how far this browser's clock is behind the server's. */
export interface ClusterView {
  processes: ClusterProcessJson[];
  /**
   * Server time minus browser time at the answer, in ms (0 when the server sent no `Date`): added
   * to `Date.now()` it reads heartbeat ages on the server's clock, not a skewed laptop's.
   */
  skew: number;
}

/** `GET /cluster`: the processes, oldest first, with the clock skew measured on the same answer. */
export async function getCluster(): Promise<ClusterView> {
  const sent = Date.now();
  const { body, serverDate } = await apiDated<{ processes?: ClusterProcessJson[] }>('/cluster');
  const received = Date.now();
  // `Date` is cut to the second (+500 ms: its middle): a skew within that and the round trip is none.
  const mid = (sent + received) / 2;
  const raw = serverDate === undefined ? 0 : serverDate + 500 - mid;
  const skew = Math.abs(raw) < 1000 + (received - sent) / 2 ? 0 : Math.round(raw);
  return { processes: body.processes ?? [], skew };
}
