import type { Metadata } from "next";
import { getSession } from "@/lib/session";
import AccessNotice from "../access-notice";
import CategoryAdmin from "./category-admin";

export const metadata: Metadata = { title: "Categories · Ticketly admin" };
export const dynamic = "force-dynamic";

export default async function CategoriesPage() {
  const session = await getSession();
  return (
    <>
      <h1>Categories</h1>
      {session?.roles.includes("category_admin")
        ? <CategoryAdmin />
        : <AccessNotice signedOut={!session} returnTo="/admin/categories" role="category_admin" />}
    </>
  );
}
