import { defaultClientConditions, defineConfig } from "vite";

/**
 * The dashboard's build: one HTML page, its script and stylesheet with content-hashed names under /dashboard/assets/,
 * nothing loaded from elsewhere (the gateway's CSP allows this origin only). `npm run build` writes dist/www, which the
 * gateway reads at boot and the image carries.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: "/dashboard/",
  // The workspace packages' TypeScript sources, as the services' tests read them.
  resolve: { conditions: ["source", ...defaultClientConditions] },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist/www",
    emptyOutDir: true,
    target: "es2022",
    // No inline polyfill: every script is a file of this origin (script-src 'self').
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
  logLevel: "warn",
});
