import { type AnyWorkflow, inputJsonSchema, isWorkflow, RnrError } from '../index.js';
import type { WorkflowInfo } from './types.js';

/** The workflows one process hosts, by name (names are unique within a process). */
export interface WorkflowCatalog {
  /**
   * Hosts a workflow; `source` (its file) names it in errors. Throws
   * `RNR_ERR_DUPLICATE_WORKFLOW` naming both sources when another workflow has its name.
   */
  add(workflow: AnyWorkflow, source?: string): void;
  get(name: string): AnyWorkflow | undefined;
  /** The workflow, or `RNR_ERR_WORKFLOW_UNKNOWN` naming the ones hosted. */
  require(name: string): AnyWorkflow;
  /** Every workflow, by name. */
  list(): AnyWorkflow[];
  /** What `GET /workflows` lists. */
  describe(workflow: AnyWorkflow): WorkflowInfo;
}

/**
 * Makes a catalog of workflows.
 *
 * @example
 * const catalog = createWorkflowCatalog([[upgrade, 'upgrade.ts']]);
 */
export function createWorkflowCatalog(
  initial: Iterable<AnyWorkflow | [AnyWorkflow, string]> = [],
): WorkflowCatalog {
  const byName = new Map<string, { workflow: AnyWorkflow; source: string | undefined }>();
  const catalog: WorkflowCatalog = {
    add(workflow, source) {
      if (!isWorkflow(workflow)) {
        throw new RnrError(
          'RNR_ERR_INVALID_OPTION',
          `not a workflow (made by workflow({ … })): ${String(workflow)}`,
        );
      }
      const known = byName.get(workflow.name);
      if (known && known.workflow !== workflow) {
        const where = (s: string | undefined) => (s ? ` in ${s}` : '');
        throw new RnrError(
          'RNR_ERR_DUPLICATE_WORKFLOW',
          `two workflows are named ${JSON.stringify(workflow.name)}: one${where(known.source)}, one${where(source)}; names must be unique in a process`,
        );
      }
      byName.set(workflow.name, { workflow, source: known?.source ?? source });
    },
    get: (name) => byName.get(name)?.workflow,
    require(name) {
      const found = byName.get(name)?.workflow;
      if (found) return found;
      const hosted = [...byName.keys()].sort();
      throw new RnrError(
        'RNR_ERR_WORKFLOW_UNKNOWN',
        `no workflow named ${JSON.stringify(name)} here; ${hosted.length ? `hosted: ${hosted.join(', ')}` : 'this process hosts no workflows'}`,
      );
    },
    list: () =>
      [...byName.values()].map((entry) => entry.workflow).sort((a, b) => a.name.localeCompare(b.name)),
    describe(workflow) {
      const schema = inputJsonSchema(workflow);
      return {
        name: workflow.name,
        description: workflow.description,
        ...(schema && { inputSchema: schema }),
        schedules: workflow.schedules.map((s) => ({
          cron: s.cron,
          timezone: s.timezone ?? 'UTC',
          overlap: s.overlap ?? 'skip',
        })),
        ...(workflow.concurrency !== undefined && { concurrency: workflow.concurrency }),
        keepRuns: workflow.keepRuns,
        labels: { ...workflow.labels },
      };
    },
  };
  for (const entry of initial) {
    if (Array.isArray(entry)) catalog.add(entry[0], entry[1]);
    else catalog.add(entry as AnyWorkflow);
  }
  return catalog;
}
