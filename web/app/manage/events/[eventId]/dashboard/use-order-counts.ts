"use client";
// useOrderCounts counts each session's paid orders — PAID or PARTIALLY_REFUNDED, the ones that
// still bring money (the sales summary counts tickets, not orders): the totals of
// GET /api/v1/sales/orders?session_id=…&status=…, one small page each.
import { useCallback, useEffect, useState } from "react";
import { api, query } from "@/lib/manage";
import type { Page, SalesOrder } from "@/lib/manage-types";

export function useOrderCounts(sessionIds: string[]) {
  const [counts, setCounts] = useState<Map<string, number>>(new Map());
  const key = sessionIds.join(",");
  const reload = useCallback(async () => {
    const ids = key ? key.split(",") : [];
    const count = async (id: string, status: string) => {
      const r = await api<Page<SalesOrder>>("GET", `/api/v1/sales/orders${query({ session_id: id, status, page_size: 1 })}`);
      return r.ok ? r.data.total : 0;
    };
    const got = await Promise.all(ids.map(async (id) => (await count(id, "PAID")) + (await count(id, "PARTIALLY_REFUNDED"))));
    setCounts(new Map(ids.map((id, i) => [id, got[i]])));
  }, [key]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { counts, reload };
}
