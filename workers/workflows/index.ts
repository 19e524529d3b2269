export { runPipeline } from './run-pipeline.workflow.js';
