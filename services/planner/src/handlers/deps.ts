import type { PlansRepo } from "../data/plans-repo.js";
import type { PlanProvider } from "../providers/types.js";

export interface PlannerDeps {
  repo: PlansRepo;
  provider: PlanProvider;
}
