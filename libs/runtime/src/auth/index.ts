export * from "./api-keys.js";
export * from "./auth-config.js";
export * from "./authenticator.js";
export * from "./jwt-verifier.js";
export * from "./principal.js";
export * from "./static-tokens.js";
export * from "./stream-token.js";
