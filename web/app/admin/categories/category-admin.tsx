"use client";
// Categories (a two-level tree): list, create (top level or under a top-level one), rename and
// delete. The API's refusals (a duplicate name, a category still used by events or with
// sub-categories) are shown as it words them.
import { useCallback, useEffect, useRef, useState } from "react";
import { byParent, call, problemText, type Category, type Problem } from "@/lib/admin";
import AccessNotice from "../access-notice";

export default function CategoryAdmin() {
  const [items, setItems] = useState<Category[] | null>(null);
  const [denied, setDenied] = useState<Problem | null>(null);
  const [error, setError] = useState("");
  const [done, setDone] = useState("");

  const load = useCallback(async () => {
    const r = await call<{ items: Category[] }>("GET", "/api/v1/manage/categories");
    if (r.ok) { setItems(r.data.items); return; }
    if (r.problem.status === 401 || r.problem.status === 403) setDenied(r.problem);
    else setError(`The categories cannot be read: ${problemText(r.problem)}`);
  }, []);
  useEffect(() => { void load(); }, [load]);

  // run sends one write; a 401/403 replaces the page with the notice, other refusals are shown.
  const run = async (method: string, path: string, body: unknown, failed: string, success: string): Promise<boolean> => {
    setError("");
    setDone("");
    const r = await call<Category>(method, path, body);
    if (!r.ok) {
      if (r.problem.status === 401 || r.problem.status === 403) setDenied(r.problem);
      else setError(`${failed}: ${problemText(r.problem)}`);
      return false;
    }
    await load();
    setDone(success);
    return true;
  };

  if (denied) return <AccessNotice signedOut={denied.status === 401} returnTo="/admin/categories" role="category_admin" />;
  const tops = (items ?? []).filter((c) => !c.parent_id);
  return (
    <>
      <CreateForm tops={tops} onCreate={(name, parent) => run("POST", "/api/v1/categories", { name, parent_id: parent || null }, `“${name}” was not created`, `Created “${name}”.`)} />
      <div role="alert" className={error ? "notice notice-error" : undefined}>{error}</div>
      <div role="status" aria-live="polite" className={done ? "notice" : undefined}>{done}</div>
      {!items && !error && <p>Loading…</p>}
      {items && (
        <ul className="categories" aria-label="Categories">
          {byParent(items).map(({ category, depth }) => (
            <li key={category.id} data-category-id={category.id} className={depth ? "child" : undefined}>
              <CategoryRow
                category={category}
                onRename={(name) => run("PATCH", `/api/v1/categories/${category.id}`, { name }, `“${category.name}” was not renamed`, `Renamed “${category.name}” to “${name}”.`)}
                onDelete={() => run("DELETE", `/api/v1/categories/${category.id}`, undefined, `“${category.name}” was not deleted`, `Deleted “${category.name}”.`)}
              />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function CreateForm({ tops, onCreate }: { tops: Category[]; onCreate: (name: string, parent: string) => Promise<boolean> }) {
  const [name, setName] = useState("");
  const [parent, setParent] = useState("");
  return (
    <form className="inline-form" onSubmit={async (e) => { e.preventDefault(); if (await onCreate(name.trim(), parent)) setName(""); }}>
      <h2>New category</h2>
      <label htmlFor="cat-name">Name</label>
      <input id="cat-name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
      <label htmlFor="cat-parent">Under</label>
      <select id="cat-parent" value={parent} onChange={(e) => setParent(e.target.value)}>
        <option value="">None (top level)</option>
        {tops.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
      </select>
      <button type="submit" disabled={name.trim() === ""}>Add category</button>
    </form>
  );
}

function CategoryRow({ category, onRename, onDelete }: { category: Category; onRename: (name: string) => Promise<boolean>; onDelete: () => Promise<boolean> }) {
  const [mode, setMode] = useState<"view" | "rename" | "delete">("view");
  const [name, setName] = useState(category.name);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => { if (mode === "rename") input.current?.focus(); }, [mode]);

  if (mode === "rename") {
    return (
      <form className="inline-form" onSubmit={async (e) => { e.preventDefault(); if (await onRename(name.trim())) setMode("view"); }}>
        <label htmlFor={`rename-${category.id}`}>New name for “{category.name}”</label>
        <input id={`rename-${category.id}`} ref={input} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit" disabled={name.trim() === "" || name.trim() === category.name}>Save</button>
        <button type="button" onClick={() => { setName(category.name); setMode("view"); }}>Cancel</button>
      </form>
    );
  }
  return (
    <div className="category-row">
      <span className="name">{category.name}</span>
      {mode === "delete" ? (
        <>
          <span>Delete “{category.name}”?</span>
          <button type="button" className="danger" onClick={async () => { if (!(await onDelete())) setMode("view"); }}>Confirm delete</button>
          <button type="button" onClick={() => setMode("view")}>Keep</button>
        </>
      ) : (
        <>
          <button type="button" aria-label={`Rename ${category.name}`} onClick={() => setMode("rename")}>Rename</button>
          <button type="button" aria-label={`Delete ${category.name}`} onClick={() => setMode("delete")}>Delete</button>
        </>
      )}
    </div>
  );
}
