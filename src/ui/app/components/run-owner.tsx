import type { ClusterProcessJson } from '../../../wire/json.js';
import { getCluster } from '../api/cluster.js';
import { usePoll } from '../hooks.js';
import { type OwnedRun, type OwnerView, ownerOf, shortId } from '../model/cluster.js';
import { onLinkClick } from '../router.js';

/** How often the processes serving the store are asked for (the cluster page, owners). */
export const CLUSTER_POLL_MS = 3000;

/** The processes serving the store, polled while the caller shows. */
export function useCluster() {
  return usePoll(getCluster, 'cluster', CLUSTER_POLL_MS);
}

/** The owner's process: its short id (the whole id on hover) and its host. */
function Owned({ view }: { view: Extract<OwnerView, { kind: 'owned' }> }) {
  const title = `process ${view.process}${view.known ? `, pid ${view.known.pid} on ${view.known.host}` : ''}, epoch ${view.epoch}`;
  return (
    <span class="owner-process" title={title}>
      <code>{shortId(view.process)}</code>
      {view.known ? <span class="owner-host"> on {view.known.host}</span> : null}
    </span>
  );
}

/** The owner column of a runs table. */
export function OwnerCell({
  run,
  processes,
}: {
  run: OwnedRun;
  processes: readonly ClusterProcessJson[] | undefined;
}) {
  const view = ownerOf(run, processes);
  return (
    <td class="owner" data-owner={view.kind === 'owned' ? view.process : view.kind}>
      {view.kind === 'owned' ? (
        <Owned view={view} />
      ) : view.kind === 'waiting' ? (
        <span class="owner-waiting">{view.reason}</span>
      ) : (
        <span class="note">—</span>
      )}
    </td>
  );
}

/** A run page's owner line: process, host, pid and epoch, or why nobody executes it. */
export function OwnerLine({ run }: { run: OwnedRun }) {
  const cluster = useCluster();
  const view = ownerOf(run, cluster.data?.processes);
  return (
    <span class="run-owner" data-owner={view.kind === 'owned' ? view.process : view.kind}>
      {view.kind === 'owned' ? (
        <>
          owned by{' '}
          <a href="/cluster" onClick={onLinkClick} title={`process ${view.process}`}>
            <code>{shortId(view.process)}</code>
          </a>
          {view.known ? ` on ${view.known.host} (pid ${view.known.pid})` : ''}, epoch{' '}
          <strong>{view.epoch}</strong>
        </>
      ) : view.kind === 'waiting' ? (
        <span
          class="owner-waiting"
          title="No process executes it now: one that hosts its workflow and has room will take it"
        >
          {view.reason}
        </span>
      ) : (
        <span class="note">no owner (finished)</span>
      )}
    </span>
  );
}
