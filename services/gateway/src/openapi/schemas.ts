import {
  DayView,
  JobEventView,
  JobView,
  PlanJobResponse,
  PlanView,
  Problem,
  SectionView,
  SseErrorMessage,
  SseMessageSchema,
  SseMetaMessage,
  SseProgressMessage,
  SseResultMessage,
  TaskView,
} from "@ai-jobs/contracts";
import { z } from "zod";

/**
 * The contracts' schemas that the document names as components (`#/components/schemas/<id>`) instead of repeating
 * them inline wherever a route uses them: the problem every error answers, the views several routes share, and the
 * SSE messages. Everything else is inlined from the route's own zod schema. A schema's description, if its
 * contract gave one (`.meta`), comes along.
 */
const NAMED = {
  Problem,
  JobView,
  JobEventView,
  PlanView,
  DayView,
  SectionView,
  TaskView,
  PlanJobResponse,
  SseMessage: SseMessageSchema,
  SseMetaMessage,
  SseProgressMessage,
  SseResultMessage,
  SseErrorMessage,
} as const;

export type ComponentName = keyof typeof NAMED;

/** A new registry per document: a schema belongs to one registry under one id. */
export function componentRegistry(): z.core.$ZodRegistry<z.core.JSONSchemaMeta & { id: string }> {
  const registry = z.registry<z.core.JSONSchemaMeta & { id: string }>();
  for (const [id, schema] of Object.entries(NAMED)) registry.add(schema, { ...z.globalRegistry.get(schema), id });
  return registry;
}

export const schemaRef = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });
