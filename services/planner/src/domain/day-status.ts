/** Shared with the gateway's task progress route: one rule for a day's status. */
export { dayStatusOf } from "@ai-jobs/contracts";
