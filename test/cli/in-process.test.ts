import { stripVTControlCharacters } from 'node:util';
// In-process checks of the CLI's pure parts: the tree and job-model helpers behave, and docs/cli.md
// documents every verb and flag.
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../src/cli/format.js';
import { JobModel } from '../../src/cli/job-model.js';
import { formatTree } from '../../src/cli/tree-format.js';
import { eventJson, jobJson, taskJson } from '../fixtures/wire-json.js';

describe('cli formatting', () => {
  it('quotes only the arguments a shell would split', () => {
    expect(shellQuote('up/node-3')).toBe('up/node-3');
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
  });

  it('draws a tree with glyphs and connectors', () => {
    const tree = formatTree(
      taskJson({
        id: 'up',
        kind: 'NESTED',
        state: 'RUNNING',
        parallelism: 2,
        children: [
          { id: 'up/a', state: 'SUCCESS', message: 'done' },
          {
            id: 'up/b',
            kind: 'NESTED',
            state: 'PENDING',
            children: [{ id: 'up/b/c', state: 'ACTION_PENDING' }],
          },
        ],
      }),
    );
    // Colours depend on the terminal (and on CI=true, which turns them on): compare the text.
    const plain = stripVTControlCharacters(tree);
    expect(plain.split('\n')).toEqual([
      '▶ up  RUNNING  parallelism 2',
      '├─ ✓ up/a  SUCCESS  done',
      '└─ · up/b  PENDING',
      '   └─ ◆ up/b/c  ACTION_PENDING',
    ]);
  });
});

describe('JobModel', () => {
  it('counts per state, ignores replayed events and adds tasks born after the snapshot', () => {
    const model = new JobModel(
      jobJson({
        seq: 2,
        root: { id: 'j', kind: 'NESTED', state: 'RUNNING', children: [{ id: 'j/a', state: 'RUNNING' }] },
      }),
    );
    expect(model.apply(eventJson({ seq: 2, taskId: 'j/a', from: 'RUNNING', to: 'FAILED' }))).toBe(false);
    expect(
      model.apply(
        eventJson({ seq: 3, taskId: 'j/a', from: 'RUNNING', to: 'ACTION_PENDING', message: 'ok?' }),
      ),
    ).toBe(true);
    expect(model.apply(eventJson({ seq: 4, taskId: 'j/new', from: 'PENDING', to: 'RUNNING' }))).toBe(true);
    expect(model.isPlaceholder('j/new')).toBe(true);
    expect(model.countsByState()).toMatchObject({ RUNNING: 2, ACTION_PENDING: 1 });
    expect(model.notableTasks().map((t) => [t.id, t.state, t.message])).toEqual([
      ['j/a', 'ACTION_PENDING', 'ok?'],
      ['j/new', 'RUNNING', ''],
    ]);
    model.apply(eventJson({ seq: 5, taskId: 'j', from: 'RUNNING', to: 'SUCCESS' }));
    expect(model.done).toBe(true);
  });
});

describe('docs/cli.md', () => {
  it('documents every verb and every flag', async () => {
    const { readFileSync } = await import('node:fs');
    const { buildProgram } = await import('../../src/cli/main.js');
    const docs = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    const missing: string[] = [];
    for (const command of buildProgram(() => {}).commands) {
      if (!docs.includes(`rnr ${command.name()}`) && !docs.includes(`|${command.name()}`))
        missing.push(command.name());
      for (const option of command.options)
        if (option.long && !docs.includes(option.long)) missing.push(`${command.name()} ${option.long}`);
    }
    expect(missing).toEqual([]);
  });
});
