/**
 * A stand-in Convex deployment for `npm run codegen`: the two endpoints that `npx convex codegen`
 * (and `npx convex dev`) call before they write convex/_generated, answered on loopback the way a
 * fresh deployment answers for an app with no components.
 *
 * Why it exists: with a deployment, the CLI (convex 1.48.0, `runCodegen` in
 * node_modules/convex/dist/cjs/cli/lib/components.js → `startComponentsPushAndCodegen`) writes
 * convex/_generated through `doInitialComponentCodegen` and `doFinalComponentCodegen`
 * (cli/lib/codegen.js), fed by the deployment's `start_push` analysis. Those write a different
 * api.js, api.d.ts, server.js and server.d.ts than `codegen --system-udfs`, which never talks to a
 * deployment. This fake lets the real CLI take the deployment path offline; it never rewrites
 * a template.
 *
 * Owns: answering `POST /api/get_config_hashes` (cli/lib/config.js `pullConfig`) and
 * `POST /api/deploy2/start_push` (cli/lib/deploy2.js `startPush`, whose body is brotli-compressed).
 * Must not: leave loopback, persist anything, or answer for an app with components. Their
 * codegen reads the analysis of each component's convex.config.ts, and only a real deployment
 * has that. The same holds for the app's own convex.config.ts (components, declared env vars),
 * which scripts/codegen.ts refuses before it starts this. Node-only.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { brotliDecompressSync } from "node:zlib";

/** The parts of the CLI's start_push request (cli/lib/deployApi/startPush.js `startPushRequest`) this fake reads. */
export interface StartPushRequest {
  appDefinition: { dependencies: string[]; udfServerVersion: string };
  componentDefinitions: { definitionPath: string }[];
}

/**
 * What a fresh deployment answers to start_push for an app with no components, in the shape of
 * the CLI's `startPushResponse` zod schema (cli/lib/deployApi/startPush.js), which the CLI checks
 * the answer against.
 *
 * Codegen reads one part of it: `analysis[""]` (`""` is the root's definition path, from
 * `toComponentDefinitionPath(root, root)`). From that entry `componentApiDTS` takes
 * `definition.childComponents` (none, so `export declare const components: {};`), and
 * `doFinalComponentCodegen` takes `definition.envVars`. Absent, null or [] all become [], so
 * server.d.ts types `env` with the platform variables only. `functions` and `schema` are what a
 * deployment analyses from the pushed modules. Codegen reads them only under convex.json's
 * `codegen.staticApi` / `codegen.staticDataModel`, which scripts/codegen.ts refuses.
 *
 * @example startPushResponseFor({ appDefinition: { dependencies: [], udfServerVersion: "1.48.0" }, componentDefinitions: [] }).analysis[""]
 */
export function startPushResponseFor(request: StartPushRequest) {
  const components = [...request.appDefinition.dependencies, ...request.componentDefinitions.map((c) => c.definitionPath)];
  if (components.length > 0) {
    throw new Error(
      `the app uses components (${components.join(", ")}); their generated code needs a real deployment's analysis: run \`npx convex codegen\` against one`,
    );
  }
  return {
    environmentVariables: {},
    externalDepsId: null,
    componentDefinitionPackages: {},
    appAuth: [],
    analysis: {
      "": {
        definition: {
          path: "",
          definitionType: { type: "app" },
          childComponents: [],
          httpMounts: {},
          exports: { type: "branch", branch: [] },
        },
        schema: null,
        functions: {},
        udfConfig: { serverVersion: request.appDefinition.udfServerVersion, importPhaseRngSeed: null, importPhaseUnixTimestamp: null },
      },
    },
    app: { definitionPath: "", componentPath: "", args: {}, childComponents: {}, httpRoutes: { httpModuleRoutes: null, mounts: [] }, exports: {} },
    schemaChange: { allocatedComponentIds: null, schemaIds: null },
  };
}

export interface FakeDeployment {
  url: string;
  /** Paths of the requests served so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return (req.headers["content-encoding"] === "br" ? brotliDecompressSync(body) : body).toString("utf8");
}

/**
 * Starts the stand-in on 127.0.0.1 (ephemeral port). An error goes back as HTTP 400 with Convex's
 * `{ code, message }` body. The CLI prints the message and does not retry a 400 on a POST. It
 * does retry a 404, so an unknown route gets a 400 too.
 *
 * @example const deployment = await startFakeDeployment(); … await deployment.close();
 */
export async function startFakeDeployment(): Promise<FakeDeployment> {
  const requests: string[] = [];
  const server = createServer(async (req, res) => {
    const path = req.url ?? "";
    requests.push(path);
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      const body = await readBody(req);
      if (req.method === "POST" && path === "/api/get_config_hashes") {
        // A deployment nothing has been pushed to yet: no module hashes, so every module is pushed.
        reply(200, { config: { functions: "convex/" }, moduleHashes: [], nodeDependencies: [], udfServerVersion: null });
      } else if (req.method === "POST" && path === "/api/deploy2/start_push") {
        reply(200, startPushResponseFor(JSON.parse(body) as StartPushRequest));
      } else {
        reply(400, { code: "OfflineCodegen", message: `the offline codegen deployment does not serve ${req.method} ${path}` });
      }
    } catch (err) {
      reply(400, { code: "OfflineCodegen", message: err instanceof Error ? err.message : String(err) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
