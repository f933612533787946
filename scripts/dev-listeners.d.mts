// Types of dev-listeners.mjs (plain JS, run by node without a build), for the test that holds it to loopback.
export declare const LOOPBACK: "127.0.0.1";
export declare function natsArgs(opts: { port: number; monitorPort: number; storeDir: string }): string[];
export declare function ferretListenArgs(port: number): string[];
export declare function serviceListeners(opts: {
  gatewayPort: number;
}): { name: "gateway" | "events" | "planner" | "ingestor"; env: Record<string, string> }[];
