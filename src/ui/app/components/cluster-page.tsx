import { formatDuration } from '../../../wire/duration.js';
import type { ClusterProcessJson } from '../../../wire/json.js';
import { useNow } from '../hooks.js';
import { heartbeatAge, isStale, STALE_HEARTBEAT_MS, shortId } from '../model/cluster.js';
import { formatTime } from '../model/format.js';
import { workflowHref } from '../model/runs.js';
import { relativeTime } from '../model/zoned-time.js';
import { onLinkClick } from '../router.js';
import { useCluster } from './run-owner.js';

/**
 * The processes serving this store (`GET /cluster`): id, host, pid, when each started, how old
 * its heartbeat is (stale past {@link STALE_HEARTBEAT_MS}), the workflows it hosts and how many
 * runs it executes. Refreshed every few seconds; ages tick every second on the server's clock.
 */
export function ClusterPage() {
  const now = useNow();
  const cluster = useCluster();
  const list = cluster.data?.processes;
  const skew = cluster.data?.skew ?? 0;
  const owned = (list ?? []).reduce((n, p) => n + p.runs, 0);
  return (
    <main class="page cluster-page">
      <h1>Cluster</h1>
      {cluster.error ? (
        <p class="error" role="alert">
          Could not list the processes: {cluster.error}
        </p>
      ) : null}
      {!list ? (
        cluster.error ? null : (
          <p class="note">Loading…</p>
        )
      ) : list.length === 0 ? (
        <p class="note">
          No process is serving this store now: none has renewed its leases within a lease. Unfinished runs
          wait for one.
        </p>
      ) : (
        <>
          <p class="note cluster-summary">
            {list.length === 1 ? '1 process' : `${list.length} processes`} serving this store, executing{' '}
            {owned === 1 ? '1 run' : `${owned} runs`}. Each renews its leases every few seconds; a heartbeat
            older than {formatDuration(STALE_HEARTBEAT_MS)} is marked stale (its runs go to the others once
            its lease lapses).
          </p>
          <table class="jobs cluster">
            <thead>
              <tr>
                <th scope="col">Process</th>
                <th scope="col">Host</th>
                <th scope="col">PID</th>
                <th scope="col">Started</th>
                <th scope="col">Heartbeat</th>
                <th scope="col">Workflows</th>
                <th scope="col">Runs</th>
              </tr>
            </thead>
            <tbody>
              {list.map((p) => (
                <ProcessRow key={p.id} process={p} now={now} skew={skew} />
              ))}
            </tbody>
          </table>
        </>
      )}
    </main>
  );
}

function ProcessRow({ process: p, now, skew }: { process: ClusterProcessJson; now: number; skew: number }) {
  const stale = isStale(p, now, skew);
  const age = heartbeatAge(p, now, skew);
  return (
    <tr data-process={p.id} data-stale={stale ? 'true' : undefined}>
      <th scope="row">
        <code title={p.id}>{shortId(p.id)}</code>
      </th>
      <td class="host">{p.host}</td>
      <td class="pid">{p.pid}</td>
      <td class="started">
        <span title={formatTime(p.startedAt)}>{relativeTime(p.startedAt, now + skew)}</span>
      </td>
      <td class="heartbeat">
        <span title={formatTime(p.heartbeatAt)}>{age < 1000 ? 'now' : `${formatDuration(age)} ago`}</span>
        {stale ? (
          <span class="stale" title="No lease renewal for a while: the process may be hung, cut off or gone">
            stale
          </span>
        ) : null}
      </td>
      <td class="workflows">
        {p.workflows.length === 0 ? (
          <span class="note">none</span>
        ) : (
          p.workflows.map((w, k) => (
            <span key={w}>
              {k > 0 ? ', ' : ''}
              <a href={workflowHref(w)} onClick={onLinkClick}>
                {w}
              </a>
            </span>
          ))
        )}
      </td>
      <td class="runs-count">{p.runs}</td>
    </tr>
  );
}
