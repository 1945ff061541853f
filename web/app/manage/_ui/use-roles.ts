"use client";
// useOrgRoles tells what the user is in an organization (OWNER, ADMIN, SCANNER), to decide
// what the console offers: only owners and admins get the forms that change things. It only
// shapes the page — the services decide what is allowed (a realm organization_admin or
// event_admin, who is in no organization, still gets every answer the API gives them).
import type { MyOrganization } from "@/lib/manage-types";
import { useApi } from "./use-api";

export function useOrgRoles(orgId: string | undefined) {
  const { data } = useApi<{ items: MyOrganization[] }>(orgId ? "/api/v1/organizations/mine" : null);
  const roles = data ? (data.items.find((o) => o.id === orgId)?.my_roles ?? []) : null;
  // Until the roles are known the forms stay: hiding them first would make the page jump.
  const canManage = roles === null || roles.includes("OWNER") || roles.includes("ADMIN");
  return { roles, canManage };
}
