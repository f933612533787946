import { DeadLetterView, JobEventView } from "@ai-jobs/contracts";
import { z } from "zod";

/** The answers that have no schema of their own in `@ai-jobs/contracts` (the gateway builds them inline). */

/** `POST /api/ai/jobs/stream-token/` */
export const StreamTokenView = z.object({ token: z.string().min(1), expires_at: z.string() });
export type StreamTokenView = z.infer<typeof StreamTokenView>;

/** `GET /api/ai/jobs/{id}/events/` */
export const JobEventListView = z.object({ items: z.array(JobEventView) });

/** `GET /api/ai/admin/dead-letters/`: `next_cursor` is the last `seq` of the page. */
export const DeadLetterListView = z.object({ items: z.array(DeadLetterView), next_cursor: z.string().nullable() });
export type DeadLetterListView = z.infer<typeof DeadLetterListView>;
