import type { Metadata } from "next";
import CategoryAdmin from "./category-admin";

export const metadata: Metadata = { title: "Categories · Ticketly admin" };

export default function CategoriesPage() {
  return (
    <>
      <h1>Categories</h1>
      <CategoryAdmin />
    </>
  );
}
