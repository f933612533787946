/** Deterministic ids: a redelivered or repeated job overwrites the same documents instead of adding new ones. */
export const dayId = (planId: string, index: number) => `${planId}-d${index}`;

export const taskId = (planId: string, dayIndex: number, sectionId: string, n: number) =>
  `${dayId(planId, dayIndex)}-${sectionId}-t${n}`;
