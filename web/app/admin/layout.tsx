// The admin area: the approval queue (event_admin) and categories (category_admin); the
// navigation offers what the session's roles allow.
import { getSession } from "@/lib/session";
import AdminNav from "./admin-nav";
import "./admin.css";

export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const roles = (await getSession())?.roles ?? [];
  const links = [
    ...(roles.includes("event_admin") ? [{ href: "/admin", label: "Approval queue" }] : []),
    ...(roles.includes("category_admin") ? [{ href: "/admin/categories", label: "Categories" }] : []),
  ];
  return (
    <div className="admin">
      {links.length > 0 && <AdminNav links={links} />}
      {children}
    </div>
  );
}
