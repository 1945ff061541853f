"use client";
// useOrderCounts counts each session's paid orders (the sales summary counts tickets, not
// orders): the total of GET /api/v1/sales/orders?session_id=…&status=PAID, one small page each.
import { useCallback, useEffect, useState } from "react";
import { api, query } from "@/lib/manage";
import type { Page, SalesOrder } from "@/lib/manage-types";

export function useOrderCounts(sessionIds: string[]) {
  const [counts, setCounts] = useState<Map<string, number>>(new Map());
  const key = sessionIds.join(",");
  const reload = useCallback(async () => {
    const ids = key ? key.split(",") : [];
    const got = await Promise.all(
      ids.map((id) => api<Page<SalesOrder>>("GET", `/api/v1/sales/orders${query({ session_id: id, status: "PAID", page_size: 1 })}`)),
    );
    setCounts(new Map(ids.map((id, i) => [id, got[i].ok ? (got[i] as { data: Page<SalesOrder> }).data.total : 0])));
  }, [key]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { counts, reload };
}
