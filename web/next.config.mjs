/** @type {import('next').NextConfig} */
const nextConfig = {
  // No compression: it would buffer the SSE streams the API routes pass through.
  compress: false,
  poweredByHeader: false,
  reactStrictMode: true,
};
export default nextConfig;
