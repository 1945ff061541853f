// The admin area: the approval queue (event_admin) and categories (category_admin).
import Link from "next/link";
import "./admin.css";

export default function AdminLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="admin">
      <nav aria-label="Admin" className="subnav">
        <Link href="/admin">Approval queue</Link>
        <Link href="/admin/categories">Categories</Link>
      </nav>
      {children}
    </div>
  );
}
