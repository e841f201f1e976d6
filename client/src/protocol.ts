/**
 * @module protocol
 * The callables' payloads and answers, straight from the gateway's own `functions/src/core/schema.ts`:
 * one source of truth, so a change to what the gateway accepts is a type error here, not a surprise
 * in production. Only what a caller needs is re-exported (the Firestore document schemas stay inside).
 */
export {
  inferRequestSchema,
  emptyRequestSchema,
  predictionSchema,
  describeIssues,
  MAX_INPUTS,
  MAX_INPUT_CHARS,
} from "../../functions/src/core/schema";
export type {
  InferRequest,
  InferResponse,
  Prediction,
  QuotaStatus,
  WindowStatus,
} from "../../functions/src/core/schema";
