// The admin area: the approval queue (event_admin) and categories (category_admin); the
// navigation offers what the session's roles allow.
import Link from "next/link";
import { getSession } from "@/lib/session";
import "./admin.css";

export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const roles = (await getSession())?.roles ?? [];
  return (
    <div className="admin">
      {(roles.includes("event_admin") || roles.includes("category_admin")) && (
        <nav aria-label="Admin" className="subnav">
          {roles.includes("event_admin") && <Link href="/admin">Approval queue</Link>}
          {roles.includes("category_admin") && <Link href="/admin/categories">Categories</Link>}
        </nav>
      )}
      {children}
    </div>
  );
}
