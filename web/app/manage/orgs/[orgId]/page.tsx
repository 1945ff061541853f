"use client";
// /manage/orgs/{id}: an organization's members and events, with forms to add both.
import Link from "next/link";
import { use } from "react";
import type { MyOrganization } from "@/lib/manage-types";
import { ProblemNote } from "../../_ui/problem";
import { useApi } from "../../_ui/use-api";
import { useOrgRoles } from "../../_ui/use-roles";
import s from "../../_ui/ui.module.css";
import Members from "./members";
import Events from "./events";

export default function OrganizationPage({ params }: { params: Promise<{ orgId: string }> }) {
  const { orgId } = use(params);
  const org = useApi<MyOrganization>(`/api/v1/organizations/${orgId}`);
  const { canManage } = useOrgRoles(orgId);
  return (
    <>
      <nav aria-label="Breadcrumb" className={s.nav}><Link href="/manage">Manage</Link></nav>
      <h1>{org.data?.name ?? "Organization"}</h1>
      <ProblemNote problem={org.problem} action="see this organization" />
      {org.data && (
        <>
          <Events orgId={orgId} canManage={canManage} />
          <Members orgId={orgId} canManage={canManage} />
        </>
      )}
    </>
  );
}
