/**
 * The runs, workflows and cluster pages (the start form with them), loaded on first use as their own
 * chunk: a job page — the view's hot path, opened on 100,000-task jobs — does not pay for them.
 */
import './styles/runs.css';

export { ClusterPage } from './components/cluster-page.js';
export { RunsPage } from './components/runs-page.js';
export { WorkflowPage } from './components/workflow-page.js';
export { WorkflowsPage } from './components/workflows-page.js';
