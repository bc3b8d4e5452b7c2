/** What `remediator rehearse` loads at run time (the sandbox is dev tooling, never bundled or deployed). */
export {
  defaultScenarioPath,
  findProjectRoot,
  loadScenario,
  parseScenario,
  ScenarioError,
  type Scenario,
} from './schema.ts';
export { runScenario, type RunOptions } from './run.ts';
export { failureReason, passed, renderReport, type RehearsalReport } from './report.ts';
export { renderHtml } from './html.ts';
