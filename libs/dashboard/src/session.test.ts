import type { MeView } from "@ai-jobs/contracts";
import { describe, expect, it } from "vitest";
import { mayAct, mayActOn, mayOperate } from "./session.js";

const me = (role: MeView["role"], user_id = "ada"): MeView => ({
  tenant_id: "acme",
  user_id,
  role,
  trace_ui_url: null,
});

describe("what the page offers each role (the gateway's role rules, docs/SECURITY.md)", () => {
  it("gives a viewer no actions, a member its own jobs, an owner and an admin every job", () => {
    const mine = { user_id: "ada" };
    const theirs = { user_id: "bob" };
    expect([mayAct(me("viewer")), mayActOn(me("viewer"), mine)]).toEqual([false, false]);
    expect([mayActOn(me("member"), mine), mayActOn(me("member"), theirs)]).toEqual([true, false]);
    expect([mayActOn(me("owner"), theirs), mayActOn(me("admin"), theirs)]).toEqual([true, true]);
    expect([mayOperate(me("owner")), mayOperate(me("admin"))]).toEqual([false, true]);
  });
});
