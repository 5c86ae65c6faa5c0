import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

// The playground consumes the web build of the npm package in ../pkg
// (built by `npm run build:pkg`), never a second copy of the logic.
export default defineConfig({
  base: "./",
  resolve: {
    alias: { podwire: fileURLToPath(new URL("../pkg/web.js", import.meta.url)) },
  },
  build: {
    target: "es2022", // top-level await in pkg/web.js
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
  // The compiler runs in a module worker (compile-worker.js) that imports the
  // package (top-level await): ES module workers.
  worker: { format: "es" },
  server: { fs: { allow: [".."] } },
});
