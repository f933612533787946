import { TENANT_ID_PATTERN } from "@ai-jobs/contracts";
import { z } from "zod";

/**
 * A per-tenant override list, `"acme=12000,globex=0"`: tenant ids to non-negative integers (0 usually means "no
 * limit" for that tenant). Bad tenant ids, repeats and non-integers are configuration errors at boot, never a limit
 * silently ignored.
 */
export const perTenantSetting = z
  .string()
  .transform((text, ctx): ReadonlyMap<string, number> => {
    const values = new Map<string, number>();
    for (const entry of text.split(",").map((e) => e.trim())) {
      if (entry === "") continue;
      const match = /^([^=\s]+)\s*=\s*(\d{1,15})$/.exec(entry);
      const tenant = match?.[1] ?? "";
      if (!match) ctx.addIssue({ code: "custom", message: `"${entry}" is not <tenant>=<integer>` });
      else if (!TENANT_ID_PATTERN.test(tenant)) ctx.addIssue({ code: "custom", message: `bad tenant id "${tenant}"` });
      else if (values.has(tenant)) ctx.addIssue({ code: "custom", message: `"${tenant}" is given twice` });
      else values.set(tenant, Number(match[2]));
    }
    return values;
  })
  .default(new Map());
