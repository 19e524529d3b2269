export { definePlugin, defineStep, validatePlugin, PluginDefinitionError, PLUGIN_API_VERSION } from './define-plugin.js';
export type { PluginDefinition, PluginSpec, SandboxGrants, StepDefinition, StepSpec } from './define-plugin.js';
export { describePlugin } from './describe-plugin.js';
export { jsonataExpression, JSONATA_EXPRESSION_META } from './expression-field.js';
export { secret, SECRET_FIELD_META } from './secret-field.js';
export type { JsonSchema, PluginManifest, StepManifest } from './describe-plugin.js';
export { STEP_OUTPUT_MAX_BYTES } from './execute-step.js';
export type { StepFailure, StepFailureCode, StepOutcome } from './execute-step.js';
export { runStepForTest } from './run-step-for-test.js';
export type { StepTestOptions, StepTestResult } from './run-step-for-test.js';
export { ARTIFACTS_NAMESPACE, LOG_LEVELS, STEP_EVENT_MAX_BYTES, STEP_EVENT_TYPES } from './step-context.js';
export type {
  LineageDataset,
  LineageEntry,
  LogEntry,
  LogFields,
  LogLevel,
  MetricEntry,
  MetricTags,
  StepContext,
  StepEventEntry,
  StepEventType,
  StepLineage,
  StepLogger,
} from './step-context.js';
export { StepError, isStepError } from './step-error.js';
export { datasetInputSchema, datasetRefSchema } from './dataset-schemas.js';
export type { ArtifactRef, DatasetRef, StepArtifacts } from './step-artifacts.js';
export { ARTIFACT_MAX_BYTES } from './step-artifacts.js';
export type { StepFetch } from './step-fetch.js';
export type { StepNet, StepSocket } from './step-net.js';
export type { StepErrorOptions } from './step-error.js';
export { COMPARISON_DECISIONS, MODEL_NAME, MODEL_STAGES } from './step-models.js';
export type { ModelComparison, ModelRegistration, ModelStage, ModelVersionInfo, StepModels } from './step-models.js';
