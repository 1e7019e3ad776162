// The audit sink of rnr serve on a shared store: each record also goes to the store's audit table;
// records the table refuses are told on stderr, counted, at most every 10 s.
import { describe, expect, it, vi } from 'vitest';
import { sharedAuditSink } from '../../src/cli/cluster-audit.js';
import type { AuditRecord } from '../../src/server/index.js';

const record = (job: string): AuditRecord => ({
  time: 1,
  op: 'approve',
  job,
  task: 'gate',
  actor: 'alice',
  role: 'operator',
  via: 'http',
  remote: '127.0.0.1',
  ok: true,
  status: 200,
});

const settle = () => new Promise((r) => setImmediate(r));

describe('the shared audit sink', () => {
  it('is absent for a store without an audit table', () => {
    expect(sharedAuditSink({}, 'audit.jsonl', () => {})).toBeUndefined();
  });

  it("writes each record with its job, and tells the table's refusals once, counted", async () => {
    const written: unknown[] = [];
    let up = true;
    const store = {
      audit: {
        append: async (entry: unknown) => {
          if (!up) throw new Error('connect ECONNREFUSED');
          written.push(entry);
        },
      },
    };
    const lines: string[] = [];
    const sink = sharedAuditSink(store, '.rnr/audit.jsonl', (l) => lines.push(l));
    sink?.(record('upgrade-1'));
    await settle();
    expect(written).toEqual([{ job: 'upgrade-1', record: record('upgrade-1') }]);
    up = false;
    sink?.(record('upgrade-2'));
    sink?.(record('upgrade-3'));
    await settle();
    expect(lines).toEqual([
      '1 audit record(s) not written to the database so far (each is in .rnr/audit.jsonl): connect ECONNREFUSED',
    ]);
  });

  it('tells the failures of a window at its end, even when none follows', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    try {
      const store = { audit: { append: async () => Promise.reject(new Error('gone')) } };
      const lines: string[] = [];
      const sink = sharedAuditSink(store, 'a.jsonl', (l) => lines.push(l));
      sink?.(record('r-1')); // told at once
      await settle();
      sink?.(record('r-2'));
      sink?.(record('r-3'));
      await settle();
      expect(lines).toHaveLength(1);
      vi.advanceTimersByTime(10_000);
      expect(lines).toEqual([
        '1 audit record(s) not written to the database so far (each is in a.jsonl): gone',
        '3 audit record(s) not written to the database so far (each is in a.jsonl): gone',
      ]);
    } finally {
      vi.useRealTimers();
    }
  });
});
