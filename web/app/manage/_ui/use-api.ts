"use client";
// useApi loads a GET path once (and again on reload()), keeping the last good data.
import { useCallback, useEffect, useState } from "react";
import { api, type Problem } from "@/lib/manage";

export function useApi<T>(path: string | null) {
  const [data, setData] = useState<T | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [loading, setLoading] = useState(true);
  const reload = useCallback(async () => {
    if (!path) return;
    const r = await api<T>("GET", path);
    if (r.ok) {
      setData(r.data);
      setProblem(null);
    } else {
      setProblem(r.problem);
    }
    setLoading(false);
  }, [path]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, problem, loading, reload };
}
